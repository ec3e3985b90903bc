"""Hostile: save_model() saves the model, then leaves a folder 1,500 levels deep beside it (deeper than
Python's recursion limit). That task fails with a message naming the depth; every other check is scored."""

import os

from pyspark.ml import Pipeline
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.feature import Imputer, VectorAssembler
from pyspark.sql import functions as F

FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


def double(x):
    return 2 * x


def add_ratio(df):
    return df.withColumn("r", F.when(F.col("b") != 0, F.col("a").cast("double") / F.col("b").cast("double")))


def build_pipeline():
    imputer = Imputer(inputCols=FEATURES, outputCols=[f"{c}_imp" for c in FEATURES])
    assembler = VectorAssembler(inputCols=[f"{c}_imp" for c in FEATURES], outputCol="features")
    return Pipeline(stages=[imputer, assembler, LogisticRegression(labelCol="label", maxIter=50)])


def fit_pipeline(pipeline, train_df):
    return pipeline.fit(train_df)


def save_model(model, path):
    model.write().overwrite().save(path)
    fd = os.open(os.path.dirname(path), os.O_RDONLY)
    for _ in range(1500):                   # one folder inside the other, each opened from its parent
        os.mkdir("cache", dir_fd=fd)
        below = os.open("cache", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = below
    os.close(fd)
