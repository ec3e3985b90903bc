"""Hostile: add_ratio() runs a Python UDF that allocates 3 GiB inside a Spark Python worker (a process the
JVM starts, outside the Python process's own allocation cap): only the grader's limit on the whole
process tree stops it."""

import time

from pyspark.ml import Pipeline
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.feature import Imputer, VectorAssembler
from pyspark.sql import functions as F

FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


def _hog(a):
    hoard = b"x" * (3 * 2**30)
    time.sleep(60)
    return float(len(hoard))


def double(x):
    return 2 * x


def add_ratio(df):
    hog = F.udf(_hog, "double")
    df.select(hog("a")).collect()
    return df.withColumn("r", F.when(F.col("b") != 0, F.col("a") / F.col("b")))


def build_pipeline():
    imputer = Imputer(inputCols=FEATURES, outputCols=[f"{c}_imp" for c in FEATURES])
    assembler = VectorAssembler(inputCols=[f"{c}_imp" for c in FEATURES], outputCol="features")
    return Pipeline(stages=[imputer, assembler, LogisticRegression(labelCol="label", maxIter=50)])


def fit_pipeline(pipeline, train_df):
    return pipeline.fit(train_df)


def save_model(model, path):
    model.write().overwrite().save(path)
