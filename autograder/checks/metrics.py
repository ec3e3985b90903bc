"""Metric thresholds on held-out rows. The model is scored in a fresh child process on features only;
the grader joins the predictions with the hidden labels (pandas) and computes the metric with
scikit-learn, so the grader's own process never needs a JVM for this. The prediction columns are the ones
the saved model declares (``checks.outputs``), whatever their names."""

from __future__ import annotations

from typing import TYPE_CHECKING

from autograder.checks.context import JudgeContext, ScoreRequest
from autograder.checks.outputs import declared_outputs, missing_role, predictions
from autograder.checks.params import Param
from autograder.results import CheckResult
from autograder.spec import CheckSpec

if TYPE_CHECKING:   # imported where used: the grader stays small while the children run (autograder.box)
    import numpy as np
    import pandas as pd

BINARY = {"areaUnderROC", "areaUnderPR"}
MULTICLASS = {"accuracy", "f1", "weightedPrecision", "weightedRecall"}
REGRESSION = {"rmse", "mse", "mae", "r2"}

PARAMS = (
    Param("metric", str, "the metric computed on the held-out rows", required=True,
          choices=tuple(sorted(BINARY)) + tuple(sorted(MULTICLASS)) + tuple(sorted(REGRESSION))),
    Param("min", float, "the lowest passing value"),
    Param("max", float, "the highest passing value (at least one of min and max is required)"),
)


def score_requests(ctx: JudgeContext, check: CheckSpec) -> list[ScoreRequest]:
    return [ctx.model_request(check, check.tasks[0], ctx.data.test_features)]


def positive_score(frame: pd.DataFrame) -> np.ndarray:
    """Score of the positive class: probability[1], else rawPrediction[1], else the prediction."""
    import numpy as np

    for col in ("probability", "rawPrediction"):
        if col in frame.columns:
            return np.array([v[1] if v is not None and len(v) > 1 else np.nan for v in frame[col]], dtype=float)
    return frame["prediction"].to_numpy(dtype=float)


def compute(joined: pd.DataFrame, metric: str) -> float:
    """The metric over the joined frame (``label`` plus the prediction columns), as Spark's evaluators define it."""
    import numpy as np

    from sklearn import metrics as m

    y = joined["label"].to_numpy(dtype=float)
    if metric in BINARY:
        score = positive_score(joined)
        if np.isnan(score).any():
            raise ValueError("some predictions have no score")
        if metric == "areaUnderROC":
            return float(m.roc_auc_score(y, score))
        precision, recall, _ = m.precision_recall_curve(y, score)
        return float(m.auc(recall, precision))
    pred = joined["prediction"].to_numpy(dtype=float)
    if metric == "accuracy":
        return float(m.accuracy_score(y, pred))
    if metric == "f1":
        return float(m.f1_score(y, pred, average="weighted"))
    if metric == "weightedPrecision":
        return float(m.precision_score(y, pred, average="weighted", zero_division=0))
    if metric == "weightedRecall":
        return float(m.recall_score(y, pred, average="weighted"))
    if metric == "rmse":
        return float(np.sqrt(m.mean_squared_error(y, pred)))
    if metric == "mse":
        return float(m.mean_squared_error(y, pred))
    if metric == "mae":
        return float(m.mean_absolute_error(y, pred))
    if metric == "r2":
        return float(m.r2_score(y, pred))
    raise ValueError(f"unknown metric {metric!r}; known: {sorted(BINARY | MULTICLASS | REGRESSION)}")


def held_out(ctx: JudgeContext, check: CheckSpec, label: str = "hidden",
             task: str | None = None) -> tuple[pd.DataFrame | None, str]:
    """Predictions of a check's model (the stage ``task`` saved; the check's first task by default) on the
    hidden rows, columns named by role as that model declares them, joined with their labels; or a
    failure message."""
    out = ctx.score_dir(check, label)
    outcome = ctx.scored(out)
    if outcome.get("status") != "ok":
        return None, (f"the fitted model could not score held-out rows after reloading: "
                      f"{outcome.get('message') or outcome.get('status')}")
    model_dir = ctx.task_dir(task or check.tasks[0]) / "stage"
    scored = predictions(ctx, out, model_dir)
    if "prediction" not in scored.columns:
        return None, missing_role(declared_outputs(model_dir))
    labels = ctx.read_parquet(ctx.data.test_labels)
    id_col = ctx.spec.data.id_col
    joined = labels[[id_col, "label"]].merge(scored, on=id_col, how="inner")
    if len(joined) < len(labels):
        return None, (f"the model returned predictions for {len(joined)} of {len(labels)} held-out rows; "
                      "rows with missing or unseen values must not be dropped (use Imputer and "
                      "handleInvalid='keep' so every row is scored)")
    return joined, ""


def judge(ctx: JudgeContext, check: CheckSpec) -> CheckResult:
    params = dict(check.params)
    metric = params["metric"]
    joined, problem = held_out(ctx, check)
    if joined is None:
        return CheckResult.failed(problem)
    value, rows = compute(joined, metric), len(joined)
    if "min" in params and not value >= params["min"]:
        return CheckResult.failed(f"{metric} on {rows} held-out rows is {value:.4f}; at least {params['min']} is required")
    if "max" in params and not value <= params["max"]:
        return CheckResult.failed(f"{metric} on {rows} held-out rows is {value:.4f}; at most {params['max']} is required")
    bound = " and ".join(f"{op} {params[k]}" for k, op in (("min", ">="), ("max", "<=")) if k in params)
    return CheckResult.passed(f"{metric} on {rows} held-out rows is {value:.4f} (required {bound})")
