"""Assignment 04: the three supervised pipelines are done; importances and clustering are not."""

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
    stages = feature_stages(["seniority", "time", "age", "expenses", "price"])
    stages.append(LinearRegression(labelCol="log_amount", regParam=0.01, elasticNetParam=0.0, solver="normal"))
    return Pipeline(stages=stages)


def build_logistic():
    return Pipeline(stages=feature_stages(NUMERIC) + [
        LogisticRegression(family="binomial", regParam=0.01, elasticNetParam=0.0, maxIter=100)])


def build_forest():
    return Pipeline(stages=feature_stages(NUMERIC, scale=False) + [
        RandomForestClassifier(featuresCol="raw", numTrees=50, maxDepth=6, featureSubsetStrategy="sqrt", seed=42)])


def forest_importances(model, df):
    """{data column: summed importance} from the fitted forest pipeline."""
    # TODO
    raise NotImplementedError("forest_importances is not written yet")


def build_clusterer():
    """The unfitted clustering Pipeline."""
    # TODO
    raise NotImplementedError("build_clusterer is not written yet")


def cluster_centers(model):
    """Cluster centres in the original units."""
    # TODO
    raise NotImplementedError("cluster_centers is not written yet")
