"""A forest trained on the standardised features (scale=True) instead of the assembled `raw` column."""

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


REG_NUMERIC = ["seniority", "time", "age", "expenses", "price"]   # NUMERIC without amount


def build_regressor():
    """Unfitted Pipeline: feature_stages (NUMERIC without amount) + LinearRegression of log_amount."""
    lr = LinearRegression(featuresCol="features", labelCol="log_amount", regParam=0.01,
                          elasticNetParam=0.0, solver="normal")
    return Pipeline(stages=[*feature_stages(REG_NUMERIC), lr])


def build_logistic():
    """Unfitted Pipeline: feature_stages(NUMERIC) + a binomial LogisticRegression."""
    lr = LogisticRegression(featuresCol="features", labelCol="label", family="binomial", regParam=0.01,
                            elasticNetParam=0.0, maxIter=100)
    return Pipeline(stages=[*feature_stages(NUMERIC), lr])


def build_forest():
    """Unfitted Pipeline: feature_stages(NUMERIC, scale=False) + a seeded RandomForestClassifier on 'raw'."""
    # same feature stages as the logistic regression, so both models see the same inputs
    rf = RandomForestClassifier(featuresCol="features", labelCol="label", numTrees=50, maxDepth=6,
                                featureSubsetStrategy="sqrt", seed=42)
    return Pipeline(stages=[*feature_stages(NUMERIC), rf])


def forest_importances(model, df):
    """{data column: importance} from the fitted forest pipeline, one-hot slots summed per column."""
    spark = df.sparkSession
    attrs = model.transform(df).schema["raw"].metadata["ml_attr"]["attrs"]
    imp = model.stages[-1].featureImportances
    rows = [(a["name"], float(imp[a["idx"]])) for group in attrs.values() for a in group]
    spark.createDataFrame(rows, "slot string, importance double").createOrReplaceTempView("slots")
    cols = spark.createDataFrame([(c,) for c in NUMERIC + WITH_NULLS + CATEGORICAL], "col string")
    cols.createOrReplaceTempView("data_cols")
    out = spark.sql("""
        SELECT d.col, COALESCE(SUM(s.importance), 0.0) AS importance
        FROM data_cols d LEFT JOIN slots s
          ON s.slot = d.col OR s.slot = concat(d.col, '_imp') OR s.slot LIKE concat(d.col, '\\_vec\\_%')
        GROUP BY d.col
    """).collect()
    return {r["col"]: float(r["importance"]) for r in out}


def build_clusterer():
    """Unfitted Pipeline: VectorAssembler (skip incomplete rows) -> StandardScaler -> KMeans(k=3, seed=4)."""
    return Pipeline(stages=[
        VectorAssembler(inputCols=MEASUREMENTS, outputCol="raw", handleInvalid="skip"),
        StandardScaler(inputCol="raw", outputCol="scaled", withMean=True, withStd=True),
        KMeans(featuresCol="scaled", k=3, seed=4),
    ])


def cluster_centers(model):
    """The fitted cluster centres in the original units: one list of four numbers per cluster."""
    scaler, kmeans = model.stages[1], model.stages[2]
    return [[float(z * s + m) for z, s, m in zip(c, scaler.std, scaler.mean)] for c in kmeans.clusterCenters()]
