"""Persistence: the model the student saved is loaded in a fresh process and must give predictions
identical to the in-memory model's on the public sample. With ``params.loader``, the student's own loader
function is also run in a fresh process (on a copy of the saved folder at a new path, so nothing cached in
the process that saved it can stand in for it) and must predict on the held-out features exactly like
Spark's own reader of the same folder. Prediction columns are compared by role, under the names the
saved model declares (``checks.outputs``)."""

from __future__ import annotations

from pathlib import Path

from autograder.checks.context import JudgeContext, ScoreRequest
from autograder.checks.outputs import ROLE_PARAMS, by_role, declared_outputs, predictions
from autograder.checks.pipeline import unmet_inputs
from autograder.harness.artifacts import read_json
from autograder.results import CheckResult
from autograder.spec import CheckSpec

PREDICTION_COLUMNS = tuple(ROLE_PARAMS)     # compared by role: the columns the saved model declares


def saved_path(ctx: JudgeContext, check: CheckSpec):
    """Where the student's save function wrote: ``params.saved = "<task>/<name>"`` under the artifacts."""
    return ctx.artifacts / check.params["saved"]


def loader_rows(ctx: JudgeContext, check: CheckSpec) -> tuple[Path, str]:
    """The rows the student's loader and Spark's reader score, and why when they are not the held-out rows.
    Held-out rows, unless the saved model reads a column they lack (such as the label, which the wiring
    check and the metric already charge): then the public sample, so that this check judges persistence
    only. A handout has no held-out rows: the public sample stands in (sparkgrade check, grader.export)."""
    held_out = ctx.data.test_features
    if not held_out.exists():
        return ctx.data.sample, ""
    saved = saved_path(ctx, check)
    if check.params.get("preprocess") is None and (lacking := unmet_inputs(saved, ctx.frame_columns(held_out))) \
            and not unmet_inputs(saved, ctx.frame_columns(ctx.data.sample)):
        return ctx.data.sample, (f"the public sample: the model reads {', '.join(map(repr, lacking))}, which "
                                 "held-out rows do not have")
    return held_out, ""


def score_requests(ctx: JudgeContext, check: CheckSpec) -> list[ScoreRequest]:
    saved = saved_path(ctx, check)
    loader, pre = check.params.get("loader"), check.params.get("preprocess")
    if loader:
        rows, _ = loader_rows(ctx, check)
        return [ScoreRequest(saved, rows, ctx.score_dir(check, "loader"), loader=loader, preprocess=pre),
                ScoreRequest(saved, rows, ctx.score_dir(check, "reader"), preprocess=pre)]
    return [ScoreRequest(saved, ctx.data.sample, ctx.score_dir(check, "reload"), preprocess=pre)]


def _differences(before, after, id_col: str, show_ids: bool) -> str | None:
    """How two prediction tables differ (None: identical ids and prediction columns)."""
    if list(before[id_col]) != list(after[id_col]):
        return f"it scored {len(after)} rows where the original scored {len(before)}"
    if "prediction" not in before.columns:
        return "the original model produces no prediction column (none under its predictionCol)"
    for col in PREDICTION_COLUMNS:
        if col not in before.columns:
            continue
        if col not in after.columns:
            return f"it produces no '{col}' column"
        diff = [i for i, (a, b) in enumerate(zip(before[col], after[col]))
                if list(a if hasattr(a, "__len__") else [a]) != list(b if hasattr(b, "__len__") else [b])]
        if diff:
            i = diff[0]
            where = f" (row id {before[id_col][i]}: {before[col][i]} before, {after[col][i]} after)" if show_ids else ""
            return f"'{col}' differs on {len(diff)} of {len(before)} rows{where}"
    return None


def judge(ctx: JudgeContext, check: CheckSpec) -> CheckResult:
    if not saved_path(ctx, check).exists():
        return CheckResult.failed("nothing was saved at the path your save function was given",
                                  hint="call model.write().overwrite().save(path) (or model.save(path))")
    if check.params.get("loader"):
        return _judge_loader(ctx, check)
    model_task = check.params["model_task"]
    before_dir = ctx.task_dir(model_task) / "sample_predictions"
    out = ctx.score_dir(check, "reload")
    outcome = ctx.scored(out)
    if outcome.get("status") != "ok":
        return CheckResult.failed(f"the saved model could not be loaded and used in a fresh process: "
                                  f"{outcome.get('message') or outcome.get('status')}")
    if not before_dir.is_dir():     # the task ended while the submission's code could still remove them
        return CheckResult.failed(f"task '{model_task}' left no predictions of the model in memory to compare "
                                  "the reloaded model's with")
    declared = declared_outputs(saved_path(ctx, check))
    id_col = ctx.spec.data.id_col
    before = by_role(ctx.read_parquet(before_dir), declared, id_col)
    after = by_role(ctx.read_parquet(out / "predictions"), declared, id_col)
    problem = _differences(before, after, id_col, show_ids=True)
    if problem:
        return CheckResult.failed(f"after reloading in a fresh process, {problem}")
    return CheckResult.passed(f"reloaded in a fresh process: identical predictions on {len(before)} rows")


def _facts(out) -> dict:
    try:
        data = read_json(out / "model.json")
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _judge_loader(ctx: JudgeContext, check: CheckSpec) -> CheckResult:
    loader = check.params["loader"]
    reader, own = ctx.score_dir(check, "reader"), ctx.score_dir(check, "loader")
    by_reader, by_loader = ctx.scored(reader), ctx.scored(own)
    if by_reader.get("status") != "ok":
        return CheckResult.failed(f"what your save function wrote cannot be loaded with Spark's own reader in a "
                                  f"fresh process: {by_reader.get('message') or by_reader.get('status')}")
    if by_loader.get("status") != "ok":
        return CheckResult.failed(f"{loader}(path), called in a fresh process on a copy of what your save function "
                                  f"wrote, failed: {by_loader.get('message') or by_loader.get('status')}")
    facts = _facts(own)
    want = check.params.get("model_class")
    full = str(facts.get("class", "?"))
    got = full.rsplit(".", 1)[-1]
    if want and (got != want or not full.startswith("pyspark.ml.")):
        return CheckResult.failed(f"{loader}(path) returned a {full if got == want else got}, expected Spark's own "
                                  f"{want}")
    if check.params["same_metrics"]:
        kept = _facts(reader).get("metrics", [])
        if [round(float(m), 9) for m in facts.get("metrics", [])] != [round(float(m), 9) for m in kept]:
            return CheckResult.failed(f"the {got} that {loader}(path) returns has validation metrics "
                                      f"{facts.get('metrics')}, the saved model {kept}")
    saved = saved_path(ctx, check)
    before, after = predictions(ctx, reader, saved), predictions(ctx, own, saved)
    problem = _differences(before, after, ctx.spec.data.id_col, show_ids=False)
    _, instead = loader_rows(ctx, check)
    rows = f"rows of {instead}" if instead else "held-out rows"
    if problem:
        return CheckResult.failed(f"the model {loader}(path) returns predicts differently on the {rows} from "
                                  f"the saved model read by Spark itself: {problem}")
    return CheckResult.passed(f"{loader}(path) in a fresh process predicts like the saved model on {len(before)} "
                              f"{rows}")
