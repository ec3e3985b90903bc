"""Hostile: raises the harness's own error class (and claims the grader failed) from a student function, so
that its failures would show as the grader's `error` ("not in your work, your instructor will regrade")
and the student would never count as graded."""

from pyspark.ml import Pipeline
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.feature import Imputer, VectorAssembler
from pyspark.sql import functions as F

FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


def double(x):
    from autograder.harness.artifacts import HarnessError

    raise HarnessError("the grader's prediction writer failed while writing: a problem on the grader's side")


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
