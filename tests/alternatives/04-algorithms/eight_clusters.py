"""Assignment 04, hostile: the reference, but KMeans with k=8 instead of 3, to make every cluster purer.

Purity against the species only rises with more clusters (one penguin per cluster would be 100% pure), so
the extra clusters buy agreement with the species that the clustering asked for (k=3) does not have."""

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
    """Linear regression of log10(amount) on the other applicant columns."""
    numeric = [c for c in NUMERIC if c != "amount"]
    lin = LinearRegression(featuresCol="features", labelCol="log_amount", regParam=0.01, elasticNetParam=0.0,
                           solver="normal")
    return Pipeline(stages=feature_stages(numeric) + [lin])


def build_logistic():
    """Binomial logistic regression on the scaled credit features."""
    lr = LogisticRegression(featuresCol="features", labelCol="label", family="binomial", maxIter=100,
                            regParam=0.01, elasticNetParam=0.0)
    return Pipeline(stages=feature_stages(NUMERIC) + [lr])


def build_forest():
    """A seeded random forest on the unscaled assembled features."""
    rf = RandomForestClassifier(featuresCol="raw", labelCol="label", numTrees=50, maxDepth=6, seed=42,
                                featureSubsetStrategy="sqrt")
    return Pipeline(stages=feature_stages(NUMERIC, scale=False) + [rf])


def _source_column(slot_name, inputs):
    """The data column behind one slot of the assembled vector (``home_vec_rent`` -> ``home``)."""
    for col in sorted(inputs, key=len, reverse=True):
        if slot_name == col or slot_name.startswith(col + "_"):
            for suffix in ("_imp", "_vec"):
                if col.endswith(suffix):
                    return col[: -len(suffix)]
            return col
    raise ValueError(f"no assembler input produced the slot {slot_name!r}")


def forest_importances(model, df):
    """Importance of each data column (one-hot slots summed), from the fitted forest."""
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


def build_clusterer():
    """KMeans with k=3 on the standardised penguin measurements."""
    assembler = VectorAssembler(inputCols=MEASUREMENTS, outputCol="raw", handleInvalid="skip")
    scaler = StandardScaler(inputCol="raw", outputCol="scaled", withMean=True, withStd=True)
    kmeans = KMeans(featuresCol="scaled", k=8, seed=4)
    return Pipeline(stages=[assembler, scaler, kmeans])


def cluster_centers(model):
    """Cluster centres in the original units (mm and g), one list per cluster."""
    scaler, kmeans = model.stages[1], model.stages[2]
    mean, std = scaler.mean.toArray(), scaler.std.toArray()
    return [[float(c[j] * std[j] + mean[j]) for j in range(len(c))] for c in kmeans.clusterCenters()]
