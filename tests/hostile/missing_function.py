"""Broken: only the first two questions are answered; build_pipeline, fit_pipeline and save_model are missing."""

from pyspark.sql import functions as F


def double(x):
    return 2 * x


def add_ratio(df):
    return df.withColumn("r", F.when(F.col("b") != 0, F.col("a").cast("double") / F.col("b").cast("double")))
