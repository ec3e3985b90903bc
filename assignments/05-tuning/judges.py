"""Assignment-specific checks of assignment 05 (run by the grader on saved artifacts).

They read the metadata Spark saved for the unfitted CrossValidator and the plain values the tasks saved;
no student model is loaded in the grader's process.
"""

import itertools
import json
import math

from autograder.checks import sdk
from autograder.checks.context import MissingArtifact
from autograder.checks.pipeline import StageInfo, is_stage, leaves, tuned_dir
from autograder.checks.sdk import Param
from autograder.harness.artifacts import stage_metadata
from autograder.results import CheckResult


def _close(a, b, tol=1e-9):
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(float(a), float(b), rel_tol=tol, abs_tol=tol)
    return a == b


@sdk.takes(Param("expected", dict, "evaluator kind -> the params it must have", required=True))
def evaluators(ctx, check):
    """Each evaluator's metric name, direction and value on its fixture table."""
    got = ctx.value(check.tasks[0])
    problems = []
    for kind, want in check.params["expected"].items():
        have = got.get(kind, {})
        if have.get("class") != want["class"]:
            problems.append(f"'{kind}' is a {have.get('class')}, expected a {want['class']}")
        elif have.get("metric") != want["metric"]:
            problems.append(f"'{kind}' computes {have.get('metric')}, expected {want['metric']}")
        elif not _close(have.get("value"), want["value"]):
            problems.append(f"'{kind}' gives {have.get('value')!r} on its table, expected {want['value']!r} "
                            "(check the column names it reads)")
        elif have.get("larger_better") is not want["larger_better"]:
            problems.append(f"'{kind}' says larger is {'better' if have.get('larger_better') else 'worse'}")
    if problems:
        return CheckResult.failed("; ".join(problems))
    return CheckResult.passed(", ".join(f"{k}: {v['metric']} = {got[k]['value']:.4f}"
                                        for k, v in check.params["expected"].items()))


def _leaves(ctx, task, what):
    """The leaf stages (nested pipelines expanded) of what the tuner saved by ``task`` tunes: its estimator,
    or the best model of a tuned model, with their folders."""
    try:
        return leaves(tuned_dir(ctx.task_dir(task) / "stage"))
    except (OSError, ValueError) as exc:
        raise MissingArtifact(f"the {what} saved by task '{task}' cannot be read back: {exc}") from None


def _stage_classes(ctx, task):
    """uid -> class name of every stage of the tuner's saved estimator, nested pipelines included."""
    return {stage.uid: stage.name for stage, _ in _leaves(ctx, task, "tuner")}


def _labels_seen(ctx, task):
    """Every category the best model's fitted StringIndexers learned (from their saved data, with pandas)."""
    labels = []
    for stage, folder in _leaves(ctx, task, "tuned model"):
        if not is_stage(stage, "StringIndexerModel"):
            continue
        frame = ctx.read_parquet(folder / "data")
        for column in ("labelsArray", "labels"):
            for value in frame[column] if column in frame.columns else ():
                groups = value if column == "labelsArray" else [value]
                labels += [str(label) for group in groups for label in group]
    return labels


@sdk.takes(Param("grid", dict, "grid param -> the values the grid must try", required=True))
def grid(ctx, check):
    """The saved estimatorParamMaps are the full cross product of the values asked for, on the right stages."""
    meta = ctx.metadata(check.tasks[0])
    raw_maps = {**meta.get("defaultParamMap", {}), **meta.get("paramMap", {})}.get("estimatorParamMaps") or []
    classes = _stage_classes(ctx, check.tasks[0])
    want = {k: [v for v in values] for k, values in check.params["grid"].items()}
    combos = []
    for i, raw in enumerate(raw_maps):
        point = {}
        for entry in raw:
            key = f"{classes.get(entry['parent'], '?')}.{entry['name']}"
            value = json.loads(entry["value"]) if str(entry.get("isJson", "true")).lower() == "true" else entry["value"]
            point[key] = value
        if set(point) != set(want):
            return CheckResult.failed(f"grid point {i} sets {', '.join(sorted(point)) or 'nothing'}; every point "
                                      f"should set exactly {', '.join(sorted(want))}")
        combos.append(tuple(point[k] for k in sorted(want)))
    expected = list(itertools.product(*[want[k] for k in sorted(want)]))
    if len(raw_maps) != len(expected):
        return CheckResult.failed(f"the grid has {len(raw_maps)} points; expected {len(expected)} "
                                  f"({' x '.join(str(len(want[k])) for k in sorted(want))})")
    missing = [e for e in expected if not any(all(_close(a, b) for a, b in zip(c, e)) for c in combos)]
    if missing:
        names = sorted(want)
        return CheckResult.failed(f"the grid lacks {', '.join(str(dict(zip(names, m))) for m in missing[:3])}")
    return CheckResult.passed(f"{len(combos)} points: " + " x ".join(f"{k} {want[k]}" for k in sorted(want)))


def no_test_leak(ctx, check):
    """The tuned model never saw the test split: none of its canary category, no more rows than given."""
    run = ctx.value(check.tasks[0], "run")
    labels, canary = _labels_seen(ctx, check.tasks[0]), run.get("canary")
    if not labels:
        return CheckResult.failed("the best model has no fitted StringIndexer, so what it was fitted on cannot be "
                                  "verified; keep the feature stages inside the tuned pipeline")
    if canary in labels:
        return CheckResult.failed("the tuned model was fitted on rows of the test split: its StringIndexer learned "
                                  "a category that only the test rows have",
                                  hint="fit the tuner on train_df only; use test_df once, to evaluate the result")
    seen, given = run.get("rows_seen"), run.get("tuning_rows")
    if seen is not None and given is not None and seen > given:
        return CheckResult.failed(f"the best model was fitted on {seen} rows, more than the {given} training rows",
                                  hint="fit the tuner on train_df only")
    return CheckResult.passed(f"fitted on the {seen if seen is not None else given} training rows only; no test row "
                              "reached tuning")


@sdk.takes(Param("tolerance", float, "relative tolerance of the test metric", default=1e-9))
def test_metric(ctx, check):
    """The test metric returned is the tuner's evaluator on the best model's predictions for test_df."""
    run = ctx.value(check.tasks[0], "run")
    got, want = run.get("student_test_metric"), run.get("harness_test_metric")
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        return CheckResult.failed(f"tune_and_test() returned {got!r} as the test metric; expected a number")
    if not _close(got, want, float(check.params.get("tolerance", 1e-9))):
        return CheckResult.failed(f"the test metric returned is {got:.6f}; the tuner's evaluator gives {want:.6f} on "
                                  "the best model's predictions for test_df",
                                  hint="evaluate cv_model.transform(test_df) with tuner.getEvaluator()")
    return CheckResult.passed(f"test metric {got:.4f}, measured once on the test rows")


def best(ctx, check):
    """The best grid point is the one with the best average validation metric, both in the fitted model
    and in best_params()."""
    run = ctx.value(check.tasks[0], "run")
    answer = ctx.value(check.tasks[1])
    metrics, maps = run["metrics"], run["maps"]
    if not metrics or len(metrics) != len(maps):
        return CheckResult.failed(f"{len(metrics)} validation metrics for {len(maps)} grid points")
    pick = max if run["larger_better"] else min
    i = pick(range(len(metrics)), key=lambda j: metrics[j])
    winner = {p["name"]: p["value"] for p in maps[i]}
    fitted = {stage.uid: stage.params for stage, _ in _leaves(ctx, check.tasks[0], "tuned model")}
    model_values = [fitted.get(p["parent"], {}).get(p["name"]) for p in maps[i]]
    if not all(_close(a, p["value"]) for a, p in zip(model_values, maps[i])):
        return CheckResult.failed(f"the best model does not carry the params of the best grid point {winner}: "
                                  f"it has {model_values}")
    if not isinstance(answer, dict) or set(answer) != set(winner) or not all(
            _close(answer[k], winner[k]) for k in winner):
        direction = "largest" if run["larger_better"] else "smallest"
        return CheckResult.failed(f"best_params() returned {answer!r}; the grid point with the {direction} average "
                                  f"validation metric ({metrics[i]:.4f}) is {winner}")
    try:
        probe = ctx.value(check.tasks[1], "probe")
    except MissingArtifact:             # every grid point had the same metric: nothing to swap
        probe = None
    if probe is not None:
        swapped = probe["metrics"]
        top = pick(swapped)
        tied = [{p["name"]: p["value"] for p in maps[k]} for k in range(len(swapped)) if swapped[k] == top]
        other, got = tied[0], probe.get("answer")
        if probe.get("error") or not isinstance(got, dict) or not any(
                set(got) == set(t) and all(_close(got[k], t[k]) for k in t) for t in tied):
            said = f"failed ({probe['error']})" if probe.get("error") else f"returned {got!r}"
            return CheckResult.failed(f"best_params() gave the right point here, but for the same model with the "
                                      f"validation metrics of its best and worst grid points swapped it {said}; "
                                      f"the best point there is {other}",
                                      hint="find the winner from cv_model.avgMetrics and getEstimatorParamMaps() "
                                           "each time it is called")
    return CheckResult.passed(f"best grid point {winner} (average validation metric {metrics[i]:.4f})")


@sdk.takes(Param("saved", str, "where save_tuned wrote, '<task>/<name>' under the artifacts", required=True))
def avg_metrics(ctx, check):
    """The saved model is a CrossValidatorModel whose metadata keeps the validation metrics: those of the
    tuned model as it was sealed when tune_and_test() returned (its own saved metadata, read here)."""
    try:
        fitted = stage_metadata(ctx.task_dir(check.tasks[0]) / "stage").get("avgMetrics") or []
    except (OSError, ValueError) as exc:
        return CheckResult.failed(f"the tuned model returned by tune_and_test() could not be read back: {exc}")
    path = ctx.artifacts / check.params["saved"]
    try:
        meta = stage_metadata(path)
    except (OSError, ValueError) as exc:
        return CheckResult.failed(f"nothing readable was saved by save_tuned(): {exc}")
    saved_stage = StageInfo(cls=str(meta.get("class", "")), uid=str(meta.get("uid", "")), params={})
    if not is_stage(saved_stage, "CrossValidatorModel"):
        return CheckResult.failed(f"save_tuned() saved a {saved_stage.cls}; save Spark's whole CrossValidatorModel so "
                                  "the grid and its validation metrics are kept")
    saved = meta.get("avgMetrics") or []
    if len(saved) != len(fitted) or not all(_close(a, b) for a, b in zip(saved, fitted)):
        return CheckResult.failed(f"the saved avgMetrics {saved} differ from the fitted model's {fitted}")
    return CheckResult.passed(f"saved CrossValidatorModel keeps avgMetrics for {len(saved)} grid points")
