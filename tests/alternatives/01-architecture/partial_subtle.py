"""Assignment 01, handed in with subtle mistakes: a str from configure_session, int ids, assembled rows with a
null dropped, a count over all rows, a debugging emptiness test in prepare_features; chi_square and
repartition_by_key not written."""

from pyspark.ml.feature import VectorAssembler
from pyspark.ml.linalg import Vectors
from pyspark.ml.stat import Correlation, Summarizer
from pyspark.sql import functions as F
from pyspark.sql.types import IntegerType, DoubleType, StructField, StructType
from pyspark.ml.linalg import VectorUDT

SHUFFLE_PARTITIONS = "spark.sql.shuffle.partitions"


def configure_session(spark, partitions):
    spark.conf.set(SHUFFLE_PARTITIONS, str(partitions))
    return spark.conf.get(SHUFFLE_PARTITIONS)          # a str, not an int


def session_facts(spark):
    sc = spark.sparkContext
    return {"spark_version": spark.version, "master": sc.master, "default_parallelism": sc.defaultParallelism,
            "shuffle_partitions": int(spark.conf.get(SHUFFLE_PARTITIONS))}


def labeled_points_to_df(spark, rdd):
    schema = StructType([StructField("id", IntegerType()), StructField("label", DoubleType()),
                         StructField("features", VectorUDT())])                   # id: int, not long
    return spark.createDataFrame(rdd.map(lambda p: (int(p[0]), float(p[1].label), p[1].features.asML())), schema)


def to_sparse(values):
    return Vectors.sparse(len(values), {i: float(v) for i, v in enumerate(values) if v != 0})


def assemble_features(df, input_cols):
    return VectorAssembler(inputCols=list(input_cols), outputCol="features", handleInvalid="skip").transform(df)


def _vectors(df, cols):
    return VectorAssembler(inputCols=list(cols), outputCol="v").transform(df.select(*cols).dropna())


def correlation_matrix(df, cols, method="pearson"):
    return Correlation.corr(_vectors(df, cols), "v", method).head()[0].toArray().tolist()


def column_summary(df, cols):
    s = _vectors(df, cols).select(Summarizer.metrics("mean", "std", "min", "max").summary(F.col("v")).alias("s")).head()["s"]
    return {"mean": s["mean"].toArray().tolist(), "std": s["std"].toArray().tolist(),
            "min": s["min"].toArray().tolist(), "max": s["max"].toArray().tolist(),
            "count": df.count()}                      # every row, not the complete ones


def chi_square(df, categorical_cols, label_col="label"):
    raise NotImplementedError("chi_square is not written yet")


def prepare_features(df):
    if df.isEmpty():                                  # an action: runs a Spark job
        return df
    known = df.filter(F.col("income").isNotNull())
    return known.select("id", "label", (F.col("amount") / F.col("price")).alias("loan_to_value"),
                        (F.col("income") - F.col("expenses")).cast("double").alias("disposable"))


def repartition_by_key(df, n, key):
    raise NotImplementedError("repartition_by_key is not written yet")
