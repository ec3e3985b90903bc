"""Metric thresholds on held-out rows. The model is scored in a fresh child process on features only;
the grader joins the predictions with the hidden labels (pandas) and computes the metric with
scikit-learn, so the grader's own process never needs a JVM for this. The prediction columns are the ones
the saved model declares (``checks.outputs``), whatever their names."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from autograder.checks import bounds
from autograder.checks.context import JudgeContext, ScoreRequest
from autograder.checks.formulas import BINARY, MULTICLASS, REGRESSION, compute, positive_score
from autograder.checks.outputs import declared_outputs, missing_role, predictions
from autograder.checks.pipeline import unmet_inputs
from autograder.results import CheckResult
from autograder.spec import CheckSpec

if TYPE_CHECKING:   # imported where used: the grader stays small while the children run (autograder.box)
    import pandas as pd

__all__ = ["BINARY", "MULTICLASS", "REGRESSION", "compute", "held_out", "judge", "positive_score",
           "score_requests"]


def score_requests(ctx: JudgeContext, check: CheckSpec) -> list[ScoreRequest]:
    request = ctx.model_request(check, check.tasks[0], ctx.data.test_features)
    return [replace(request, preprocess=check.params.get("preprocess"))]


def held_out(ctx: JudgeContext, check: CheckSpec, label: str = "hidden",
             task: str | None = None) -> tuple[pd.DataFrame | None, str]:
    """Predictions of a check's model (the stage ``task`` saved; the check's first task by default) on the
    hidden rows, columns named by role as that model declares them, joined with their labels; or a
    failure message."""
    out = ctx.score_dir(check, label)
    outcome = ctx.scored(out)
    model_dir = ctx.task_dir(task or check.tasks[0]) / "stage"
    if outcome.get("status") != "ok":
        lacking = unmet_inputs(model_dir, ctx.frame_columns(ctx.data.test_features)) \
            if check.params.get("preprocess") is None and ctx.data.test_features.exists() else []
        if lacking:                     # the grader's own reading of the saved stages, not the child's text
            return None, (f"the fitted model reads {', '.join(map(repr, lacking))}, which held-out rows do not "
                          "have (a model must predict from the features alone: the label is what it predicts)")
        return None, (f"the fitted model could not score held-out rows after reloading: "
                      f"{outcome.get('message') or outcome.get('status')}")
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
    interval = bounds.interval_of(joined, metric)
    value, rows = interval.value, interval.rows
    measured = {"value": value, "rows": rows, "low": interval.low, "high": interval.high}
    if "min" in params and not value >= params["min"]:
        return CheckResult.failed(f"{metric} on {rows} held-out rows is {value:.4f}; at least {params['min']} is required",
                                  measured=measured)
    if "max" in params and not value <= params["max"]:
        return CheckResult.failed(f"{metric} on {rows} held-out rows is {value:.4f}; at most {params['max']} is required",
                                  measured=measured)
    bound = " and ".join(f"{op} {params[k]}" for k, op in (("min", ">="), ("max", "<=")) if k in params)
    reference = bounds.recorded(ctx.spec.path).get(check.name)
    flag = bounds.flag_message(reference, value) if reference is not None and reference.beyond(value) else ""
    return CheckResult.passed(f"{metric} on {rows} held-out rows is {value:.4f} (required {bound})",
                              measured=measured, flag=flag)
