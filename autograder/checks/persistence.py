"""Persistence: the model the student saved is loaded in a fresh process and must give predictions
identical to the in-memory model's on the public sample."""

from __future__ import annotations

from autograder.checks.context import JudgeContext
from autograder.results import CheckResult
from autograder.spec import CheckSpec


def saved_path(ctx: JudgeContext, check: CheckSpec):
    """Where the student's save function wrote: ``params.saved = "<task>/<name>"`` under the artifacts."""
    return ctx.artifacts / check.params["saved"]


def score_requests(ctx: JudgeContext, check: CheckSpec) -> list[dict]:
    return [{"model": str(saved_path(ctx, check)), "data": str(ctx.data.sample),
             "out": str(ctx.score_dir(check, "reload"))}]


def judge(ctx: JudgeContext, check: CheckSpec) -> CheckResult:
    model_task = check.params["model_task"]
    before_dir = ctx.task_dir(model_task) / "sample_predictions"
    out = ctx.score_dir(check, "reload")
    if not saved_path(ctx, check).exists():
        return CheckResult.failed("nothing was saved at the path your save function was given",
                                  hint="call model.write().overwrite().save(path) (or model.save(path))")
    outcome = ctx.scored(out)
    if outcome.get("status") != "ok":
        return CheckResult.failed(f"the saved model could not be loaded and used in a fresh process: "
                                  f"{outcome.get('message') or outcome.get('status')}")
    if not before_dir.is_dir():
        return CheckResult.error(f"task '{model_task}' left no in-memory predictions to compare with")
    before = ctx.read_parquet(before_dir)
    after = ctx.read_parquet(out / "predictions")
    id_col = ctx.spec.data.id_col
    if list(before[id_col]) != list(after[id_col]):
        return CheckResult.failed(f"the reloaded model scored {len(after)} rows, the original {len(before)}")
    for col in ("prediction", "probability", "rawPrediction"):
        if col in before.columns:
            if col not in after.columns:
                return CheckResult.failed(f"the reloaded model produces no '{col}' column")
            diff = [i for i, (a, b) in enumerate(zip(before[col], after[col])) if list(a if hasattr(a, "__len__") else [a])
                    != list(b if hasattr(b, "__len__") else [b])]
            if diff:
                i = diff[0]
                return CheckResult.failed(f"after reloading, '{col}' differs on {len(diff)} of {len(before)} rows "
                                          f"(row id {before[id_col][i]}: {before[col][i]} before, {after[col][i]} after)")
    return CheckResult.passed(f"reloaded in a fresh process: identical predictions on {len(before)} rows")
