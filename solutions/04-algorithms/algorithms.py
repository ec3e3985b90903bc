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
    # BEGIN SOLUTION
    numeric = [c for c in NUMERIC if c != "amount"]
    lin = LinearRegression(featuresCol="features", labelCol="log_amount", regParam=0.01, elasticNetParam=0.0,
                           solver="normal")
    return Pipeline(stages=feature_stages(numeric) + [lin])
    # END SOLUTION


def build_logistic():
    """Unfitted Pipeline: feature_stages(NUMERIC) + a binomial LogisticRegression."""
    # BEGIN SOLUTION
    lr = LogisticRegression(featuresCol="features", labelCol="label", family="binomial", maxIter=100,
                            regParam=0.01, elasticNetParam=0.0)
    return Pipeline(stages=feature_stages(NUMERIC) + [lr])
    # END SOLUTION


def build_forest():
    """Unfitted Pipeline: feature_stages(NUMERIC, scale=False) + a seeded RandomForestClassifier on 'raw'."""
    # BEGIN SOLUTION
    rf = RandomForestClassifier(featuresCol="raw", labelCol="label", numTrees=50, maxDepth=6, seed=42,
                                featureSubsetStrategy="sqrt")
    return Pipeline(stages=feature_stages(NUMERIC, scale=False) + [rf])
    # END SOLUTION


# BEGIN SOLUTION NO PROMPT
def _source_column(slot_name, inputs):
    """The data column behind one slot of the assembled vector (``home_vec_rent`` -> ``home``)."""
    for col in sorted(inputs, key=len, reverse=True):
        if slot_name == col or slot_name.startswith(col + "_"):
            for suffix in ("_imp", "_vec"):
                if col.endswith(suffix):
                    return col[: -len(suffix)]
            return col
    raise ValueError(f"no assembler input produced the slot {slot_name!r}")


# END SOLUTION
def forest_importances(model, df):
    """{data column: importance} from the fitted forest pipeline, one-hot slots summed per column."""
    # BEGIN SOLUTION
    assembler = next(s for s in model.stages if isinstance(s, VectorAssembler))
    forest = model.stages[-1]
    meta = model.transform(df).schema[forest.getFeaturesCol()].metadata["ml_attr"]["attrs"]
    slots = {a["idx"]: a["name"] for group in meta.values() for a in group}
    weights = forest.featureImportances.toArray()
    out = {}
    for i, w in enumerate(weights):
        col = _source_column(slots[i], assembler.getInputCols())
        out[col] = out.get(col, 0.0) + float(w)
    return out
    # END SOLUTION


def build_clusterer():
    """Unfitted Pipeline: VectorAssembler (skip incomplete rows) -> StandardScaler -> KMeans(k=3, seed=4)."""
    # BEGIN SOLUTION
    assembler = VectorAssembler(inputCols=MEASUREMENTS, outputCol="raw", handleInvalid="skip")
    scaler = StandardScaler(inputCol="raw", outputCol="scaled", withMean=True, withStd=True)
    kmeans = KMeans(featuresCol="scaled", k=3, seed=4)
    return Pipeline(stages=[assembler, scaler, kmeans])
    # END SOLUTION


def cluster_centers(model):
    """The fitted cluster centres in the original units: one list of four numbers per cluster."""
    # BEGIN SOLUTION
    scaler, kmeans = model.stages[1], model.stages[2]
    mean, std = scaler.mean.toArray(), scaler.std.toArray()
    return [[float(c[j] * std[j] + mean[j]) for j in range(len(c))] for c in kmeans.clusterCenters()]
    # END SOLUTION
