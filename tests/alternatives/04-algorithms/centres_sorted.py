"""Centres in mm and g, each a cluster's mean, but sorted by body mass instead of in cluster order."""

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


def _pipeline(numeric, estimator, scale=True):
    """Feature stages followed by one estimator."""
    return Pipeline(stages=feature_stages(numeric, scale=scale) + [estimator])


def build_regressor():
    """Unfitted Pipeline: feature_stages (NUMERIC without amount) + LinearRegression of log_amount."""
    numeric = [c for c in NUMERIC if c != "amount"]
    lr = LinearRegression(featuresCol="features", labelCol="log_amount", regParam=0.01,
                          elasticNetParam=0.0, solver="normal")
    return _pipeline(numeric, lr)


def build_logistic():
    """Unfitted Pipeline: feature_stages(NUMERIC) + a binomial LogisticRegression."""
    logit = LogisticRegression(featuresCol="features", labelCol="label", family="binomial",
                               regParam=0.01, elasticNetParam=0.0, maxIter=100)
    return _pipeline(NUMERIC, logit)


def build_forest():
    """Unfitted Pipeline: feature_stages(NUMERIC, scale=False) + a seeded RandomForestClassifier on 'raw'."""
    rf = RandomForestClassifier(featuresCol="raw", labelCol="label", numTrees=50, maxDepth=6,
                                featureSubsetStrategy="sqrt", seed=42)
    return _pipeline(NUMERIC, rf, scale=False)


def _data_column(slot_name, inputs):
    """The assembler input a slot comes from (longest matching input name), mapped to its data column."""
    best = None
    for inp in inputs:
        if slot_name == inp or slot_name.startswith(inp + "_"):
            if best is None or len(inp) > len(best):
                best = inp
    if best is None:
        raise KeyError(slot_name)
    for suffix in ("_imp", "_vec"):
        if best.endswith(suffix):
            return best[: -len(suffix)]
    return best


def forest_importances(model, df):
    """{data column: importance} from the fitted forest pipeline, one-hot slots summed per column."""
    forest = model.stages[-1]
    assembler = model.stages[3]
    inputs = assembler.getInputCols()
    meta = model.transform(df.limit(10)).schema["raw"].metadata["ml_attr"]
    slots = []
    for group in meta["attrs"].values():
        slots.extend(group)
    slots.sort(key=lambda a: a["idx"])
    imp = forest.featureImportances.toArray()
    result = {c: 0.0 for c in NUMERIC + WITH_NULLS + CATEGORICAL}
    for attr in slots:
        result[_data_column(attr["name"], inputs)] += float(imp[attr["idx"]])
    return result


def build_clusterer():
    """Unfitted Pipeline: VectorAssembler (skip incomplete rows) -> StandardScaler -> KMeans(k=3, seed=4)."""
    assembler = VectorAssembler(inputCols=MEASUREMENTS, outputCol="raw", handleInvalid="skip")
    scaler = StandardScaler(inputCol="raw", outputCol="scaled", withMean=True, withStd=True)
    kmeans = KMeans(featuresCol="scaled", k=3, seed=4)
    return Pipeline(stages=[assembler, scaler, kmeans])


def cluster_centers(model):
    """The fitted cluster centres in the original units: one list of four numbers per cluster."""
    scaler, kmeans = model.stages[1], model.stages[2]
    mean = scaler.mean.toArray()
    std = scaler.std.toArray()
    centres = [[float(v) for v in c * std + mean] for c in kmeans.clusterCenters()]
    # easier to read: lightest penguins first
    return sorted(centres, key=lambda c: c[3])
