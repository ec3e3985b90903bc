"""Assignment 01: q1-q3 done; statistics and laziness to do."""

from pyspark.ml.feature import VectorAssembler
from pyspark.ml.linalg import Vectors, VectorUDT
from pyspark.sql.types import DoubleType, LongType, StructField, StructType


def configure_session(spark, partitions):
    spark.conf.set("spark.sql.shuffle.partitions", str(partitions))
    return int(spark.conf.get("spark.sql.shuffle.partitions"))


def session_facts(spark):
    return {"spark_version": spark.version, "master": spark.sparkContext.master,
            "default_parallelism": spark.sparkContext.defaultParallelism,
            "shuffle_partitions": int(spark.conf.get("spark.sql.shuffle.partitions"))}


def labeled_points_to_df(spark, rdd):
    schema = StructType([StructField("id", LongType()), StructField("label", DoubleType()),
                         StructField("features", VectorUDT())])
    return spark.createDataFrame(rdd.map(lambda p: (p[0], p[1].label, p[1].features.asML())), schema)


def to_sparse(values):
    return Vectors.sparse(len(values), [(i, v) for i, v in enumerate(values) if v != 0])


def assemble_features(df, input_cols):
    return VectorAssembler(inputCols=input_cols, outputCol="features", handleInvalid="keep").transform(df)


def correlation_matrix(df, cols, method="pearson"):
    """Correlation matrix of cols (list of lists)."""
    # TODO
    raise NotImplementedError("correlation_matrix is not written yet")


def column_summary(df, cols):
    """Summarizer metrics of cols."""
    # TODO
    raise NotImplementedError("column_summary is not written yet")


def chi_square(df, categorical_cols, label_col="label"):
    """Chi-squared test of each categorical column against the label."""
    # TODO
    raise NotImplementedError("chi_square is not written yet")


def prepare_features(df):
    """Transformations only."""
    # TODO
    raise NotImplementedError("prepare_features is not written yet")


def repartition_by_key(df, n, key):
    """n partitions, same key together."""
    # TODO
    raise NotImplementedError("repartition_by_key is not written yet")
