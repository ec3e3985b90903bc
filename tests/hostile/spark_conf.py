"""Hostile: changes Spark settings at import time (partitions, ANSI mode, time zone, a 32 GB driver, debug
logging). Settings of the running JVM cannot change; SQL settings are put back before every task."""

from pyspark.ml import Pipeline
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.feature import Imputer, VectorAssembler
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]

spark.conf.set("spark.sql.shuffle.partitions", "1")  # noqa: F821
spark.conf.set("spark.sql.ansi.enabled", "false")  # noqa: F821
spark.conf.set("spark.sql.session.timeZone", "America/Los_Angeles")  # noqa: F821
spark.conf.set("sparkgrade.hostile.flag", "set")  # noqa: F821
SparkSession.builder.config("spark.driver.memory", "32g").config("spark.executor.memory", "32g").getOrCreate()
spark.sparkContext.setLogLevel("DEBUG")  # noqa: F821


def double(x):
    return 2 * x


def add_ratio(df):
    df.sparkSession.conf.set("spark.sql.shuffle.partitions", "999")
    return df.withColumn("r", F.when(F.col("b") != 0, F.col("a").cast("double") / F.col("b").cast("double")))


def build_pipeline():
    imputer = Imputer(inputCols=FEATURES, outputCols=[f"{c}_imp" for c in FEATURES])
    assembler = VectorAssembler(inputCols=[f"{c}_imp" for c in FEATURES], outputCol="features")
    return Pipeline(stages=[imputer, assembler, LogisticRegression(labelCol="label", maxIter=50)])


def fit_pipeline(pipeline, train_df):
    return pipeline.fit(train_df)


def save_model(model, path):
    model.write().overwrite().save(path)
