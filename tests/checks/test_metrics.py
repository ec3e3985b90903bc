"""The grader's pandas/scikit-learn metrics agree with Spark's own evaluators on real model output."""

import pytest
from pyspark.ml import Pipeline
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.evaluation import BinaryClassificationEvaluator, MulticlassClassificationEvaluator, RegressionEvaluator
from pyspark.ml.feature import VectorAssembler
from pyspark.ml.functions import vector_to_array
from pyspark.ml.regression import LinearRegression
from pyspark.sql import functions as F

from autograder.checks.metrics import compute
from autograder.datasets import dataset_path


@pytest.fixture(scope="module")
def credit(spark):
    df = spark.read.parquet(str(dataset_path("credit"))).na.drop()
    return df.withColumn("label", (F.col("status") == "bad").cast("double"))


def _pandas(df):
    cols = [F.col("label"), F.col("prediction")]
    for name in ("probability", "rawPrediction"):
        if name in df.columns:
            cols.append(vector_to_array(name).alias(name))
    return df.select(*cols).toPandas()


def test_binary_and_multiclass_metrics_match_spark(spark, credit):
    features = ["seniority", "age", "income", "amount", "price"]
    model = Pipeline(stages=[VectorAssembler(inputCols=features, outputCol="features"),
                             LogisticRegression(maxIter=50)]).fit(credit)
    scored = model.transform(credit)
    frame = _pandas(scored)
    for metric in ("areaUnderROC", "areaUnderPR"):
        spark_value = BinaryClassificationEvaluator(metricName=metric).evaluate(scored)
        assert compute(frame, metric) == pytest.approx(spark_value, abs=2e-3), metric
    for metric in ("accuracy", "f1", "weightedPrecision", "weightedRecall"):
        spark_value = MulticlassClassificationEvaluator(metricName=metric).evaluate(scored)
        assert compute(frame, metric) == pytest.approx(spark_value, abs=1e-9), metric


def test_regression_metrics_match_spark(spark, credit):
    df = credit.withColumn("label", F.col("amount").cast("double"))
    model = Pipeline(stages=[VectorAssembler(inputCols=["price", "age"], outputCol="features"),
                             LinearRegression()]).fit(df)
    scored = model.transform(df)
    frame = _pandas(scored)
    for metric in ("rmse", "mse", "mae", "r2"):
        assert compute(frame, metric) == pytest.approx(RegressionEvaluator(metricName=metric).evaluate(scored),
                                                       rel=1e-9), metric


def test_unknown_metric_is_named(credit):
    import pandas as pd

    with pytest.raises(ValueError, match="unknown metric 'auc'"):
        compute(pd.DataFrame({"label": [0.0], "prediction": [0.0]}), "auc")
