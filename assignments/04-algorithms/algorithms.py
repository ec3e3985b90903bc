"""Assignment 04: regression, classification and clustering algorithms.

Fill in every function marked TODO. `feature_stages` is given (it is the credit feature pipeline of
assignment 02). Run the public checks with `sparkgrade check 04 algorithms.py`.
"""

from pyspark.ml import Pipeline
from pyspark.ml.classification import LogisticRegression, RandomForestClassifier
from pyspark.ml.clustering import KMeans
from pyspark.ml.feature import Imputer, OneHotEncoder, StandardScaler, StringIndexer, VectorAssembler
from pyspark.ml.regression import LinearRegression

CATEGORICAL = ["home", "marital", "records", "job"]
WITH_NULLS = ["income", "assets", "debt"]
NUMERIC = ["seniority", "time", "age", "expenses", "amount", "price"]
MEASUREMENTS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


def feature_stages(numeric, scale=True):
    """Credit features (given): median imputation, indexing + one-hot encoding, assembly into ``raw``
    and, if ``scale``, standardisation of ``raw`` into ``features``."""
    imputer = Imputer(inputCols=WITH_NULLS, outputCols=[f"{c}_imp" for c in WITH_NULLS], strategy="median")
    indexer = StringIndexer(inputCols=CATEGORICAL, outputCols=[f"{c}_idx" for c in CATEGORICAL],
                            handleInvalid="keep")
    encoder = OneHotEncoder(inputCols=[f"{c}_idx" for c in CATEGORICAL],
                            outputCols=[f"{c}_vec" for c in CATEGORICAL])
    assembler = VectorAssembler(inputCols=list(numeric) + [f"{c}_imp" for c in WITH_NULLS]
                                + [f"{c}_vec" for c in CATEGORICAL], outputCol="raw")
    stages = [imputer, indexer, encoder, assembler]
    if scale:
        stages.append(StandardScaler(inputCol="raw", outputCol="features"))
    return stages


def build_regressor():
    """Unfitted Pipeline: feature_stages (NUMERIC without amount) + LinearRegression of log_amount."""
    # TODO
    raise NotImplementedError("build_regressor is not written yet")


def build_logistic():
    """Unfitted Pipeline: feature_stages(NUMERIC) + a binomial LogisticRegression."""
    # TODO
    raise NotImplementedError("build_logistic is not written yet")


def build_forest():
    """Unfitted Pipeline: feature_stages(NUMERIC, scale=False) + a seeded RandomForestClassifier on 'raw'."""
    # TODO
    raise NotImplementedError("build_forest is not written yet")


def forest_importances(model, df):
    """{data column: importance} from the fitted forest pipeline, one-hot slots summed per column."""
    # TODO
    raise NotImplementedError("forest_importances is not written yet")


def build_clusterer():
    """Unfitted Pipeline: VectorAssembler (skip incomplete rows) -> StandardScaler -> KMeans(k=3, seed=4)."""
    # TODO
    raise NotImplementedError("build_clusterer is not written yet")


def cluster_centers(model):
    """The fitted cluster centres in the original units: one list of four numbers per cluster."""
    # TODO
    raise NotImplementedError("cluster_centers is not written yet")
