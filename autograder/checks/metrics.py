"""Metric thresholds on held-out rows. The model is scored in a fresh child process on features only;
the grader joins the predictions with the hidden labels and computes the metric with Spark's evaluators."""

from __future__ import annotations

from autograder.checks.context import JudgeContext
from autograder.results import CheckResult
from autograder.spec import CheckSpec

BINARY = {"areaUnderROC", "areaUnderPR"}
MULTICLASS = {"accuracy", "f1", "weightedPrecision", "weightedRecall"}
REGRESSION = {"rmse", "mse", "mae", "r2"}
LOWER_IS_BETTER = {"rmse", "mse", "mae"}


def score_requests(ctx: JudgeContext, check: CheckSpec) -> list[dict]:
    return [{"model": str(ctx.task_dir(check.tasks[0]) / "stage"), "data": str(ctx.data.test_features),
             "out": str(ctx.score_dir(check))}]


def compute(spark, predictions, labels, metric: str, id_col: str) -> tuple[float, int]:
    """The metric over held-out rows, and how many rows it covered."""
    from pyspark.ml.evaluation import (BinaryClassificationEvaluator, MulticlassClassificationEvaluator,
                                       RegressionEvaluator)
    from pyspark.sql import functions as F

    joined = labels.select(id_col, "label").join(predictions, id_col, "inner")
    rows = joined.count()
    if metric in BINARY:
        cols = set(predictions.columns)
        score = (F.col("probability")[1] if "probability" in cols else
                 F.col("rawPrediction")[1] if "rawPrediction" in cols else F.col("prediction"))
        frame = joined.select(F.col("label"), score.cast("double").alias("score"))
        value = BinaryClassificationEvaluator(rawPredictionCol="score", labelCol="label",
                                              metricName=metric).evaluate(frame)
    elif metric in MULTICLASS:
        value = MulticlassClassificationEvaluator(metricName=metric).evaluate(joined)
    elif metric in REGRESSION:
        value = RegressionEvaluator(metricName=metric).evaluate(joined)
    else:
        raise ValueError(f"unknown metric {metric!r}")
    return float(value), rows


def judge(ctx: JudgeContext, check: CheckSpec) -> CheckResult:
    params = dict(check.params)
    metric = params["metric"]
    out = ctx.score_dir(check)
    outcome = ctx.scored(out)
    if outcome.get("status") != "ok":
        return CheckResult.failed(f"the fitted model could not score held-out rows after reloading: "
                                  f"{outcome.get('message') or outcome.get('status')}")
    spark = ctx.spark
    predictions = spark.read.parquet(str(out / "predictions"))
    labels = spark.read.parquet(str(ctx.data.test_labels))
    if "prediction" not in predictions.columns:
        return CheckResult.failed("the model's output has no 'prediction' column")
    value, rows = compute(spark, predictions, labels, metric, ctx.spec.data.id_col)
    expected = labels.count()
    if rows < expected:
        return CheckResult.failed(f"the model returned predictions for {rows} of {expected} held-out rows; "
                                  "rows with missing or unseen values must not be dropped",
                                  hint="use Imputer and handleInvalid='keep' so every row is scored")
    if "min" in params and not value >= params["min"]:
        return CheckResult.failed(f"{metric} on {rows} held-out rows is {value:.4f}; at least {params['min']} is required")
    if "max" in params and not value <= params["max"]:
        return CheckResult.failed(f"{metric} on {rows} held-out rows is {value:.4f}; at most {params['max']} is required")
    bound = f">= {params['min']}" if "min" in params else f"<= {params['max']}"
    return CheckResult.passed(f"{metric} on {rows} held-out rows is {value:.4f} (required {bound})")
