"""Assignment 01 with the runtime settings written and read through SQL `SET` on the given session,
prepare_features as SQL expressions, repartitioning by a Column."""

from pyspark.ml.feature import StringIndexer, VectorAssembler
from pyspark.ml.linalg import Vectors, VectorUDT
from pyspark.ml.stat import ChiSquareTest, Correlation, Summarizer
from pyspark.sql import functions as F
from pyspark.sql.types import DoubleType, LongType, StructField, StructType

SHUFFLE_PARTITIONS = "spark.sql.shuffle.partitions"


def _setting(spark, key):
    """A runtime setting as the session's SQL `SET key` reports it."""
    return spark.sql(f"SET {key}").collect()[0]["value"]


def configure_session(spark, partitions):
    spark.sql(f"SET {SHUFFLE_PARTITIONS}={int(partitions)}")
    return int(_setting(spark, SHUFFLE_PARTITIONS))


def session_facts(spark):
    facts = dict(spark_version=str(spark.version), master=str(spark.sparkContext.master),
                 default_parallelism=int(spark.sparkContext.defaultParallelism))
    facts["shuffle_partitions"] = int(_setting(spark, SHUFFLE_PARTITIONS))
    return facts


def labeled_points_to_df(spark, rdd):
    schema = StructType([StructField("id", LongType(), False), StructField("label", DoubleType(), False),
                         StructField("features", VectorUDT(), False)])
    rows = rdd.map(lambda pair: (int(pair[0]), float(pair[1].label), pair[1].features.asML()))
    return spark.createDataFrame(rows, schema)


def to_sparse(values):
    return Vectors.sparse(len(values), {i: float(v) for i, v in enumerate(values) if v != 0})


def assemble_features(df, input_cols):
    return VectorAssembler(inputCols=list(input_cols), outputCol="features", handleInvalid="keep").transform(df)


def _vectors(df, cols, name="v"):
    return VectorAssembler(inputCols=list(cols), outputCol=name).transform(df.dropna(subset=list(cols)))


def correlation_matrix(df, cols, method="pearson"):
    matrix = Correlation.corr(_vectors(df, cols), "v", method).head()[0]
    return [[float(x) for x in row] for row in matrix.toArray()]


def column_summary(df, cols):
    row = _vectors(df, cols).select(
        Summarizer.metrics("mean", "std", "min", "max", "count").summary(F.col("v")).alias("s")).head()["s"]
    return {"mean": [float(x) for x in row["mean"]], "std": [float(x) for x in row["std"]],
            "min": [float(x) for x in row["min"]], "max": [float(x) for x in row["max"]],
            "count": int(row["count"])}


def chi_square(df, categorical_cols, label_col="label"):
    out = {}
    for col in categorical_cols:
        indexed = StringIndexer(inputCol=col, outputCol="_idx", handleInvalid="keep").fit(df).transform(df)
        vec = VectorAssembler(inputCols=["_idx"], outputCol="_vec").transform(indexed)
        res = ChiSquareTest.test(vec, "_vec", label_col).head()
        out[col] = {"statistic": float(res["statistics"][0]), "dof": int(res["degreesOfFreedom"][0]),
                    "p_value": float(res["pValues"][0])}
    return out


def prepare_features(df):
    return df.where("income IS NOT NULL").selectExpr(
        "id", "label", "CAST(amount AS DOUBLE) / CAST(price AS DOUBLE) AS loan_to_value",
        "CAST(income - expenses AS DOUBLE) AS disposable")


def repartition_by_key(df, n, key):
    return df.repartition(int(n), F.col(key))
