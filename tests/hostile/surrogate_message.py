"""Hostile: double() raises an exception whose message holds a lone surrogate, terminal escapes and
control characters (a class run once stopped writing report.md on such text). Both checks of double() fail
with the message as plain printable text; every other check is scored."""

import sys

from pyspark.ml import Pipeline
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.feature import Imputer, VectorAssembler
from pyspark.sql import functions as F

FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


def double(x):
    sys.stdout.buffer.write(b"\xff\xfe\x1b[2J\x1b]0;owned\x07\n")       # not UTF-8, and escapes
    sys.stdout.flush()
    raise ValueError("bad byte \udcff, \x1b[31mred\x1b[0m text\x07\x00 and \u202eevil")


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
