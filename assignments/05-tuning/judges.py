"""Assignment-specific checks of assignment 05 (run by the grader on saved artifacts).

They read the metadata Spark saved for the unfitted CrossValidator and the tuned model, the plain values the
submission returned, and the grader's own scorings of the saved models (in a process that never imported the
submission); no student model is loaded in the grader's process.
"""

import itertools
import json
import math

import numpy as np
import pyarrow.parquet as pq

from autograder.checks import sdk
from autograder.checks.context import MissingArtifact, ScoreRequest
from autograder.checks.formulas import compute, larger_is_better, positive_score
from autograder.checks.outputs import predictions
from autograder.harness.context import load_tasks_module
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
                            f"(check its other params{' (distanceMeasure)' if 'Clustering' in str(want['class']) else ''}"
                            " and the column names it reads)")
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


def _grid(meta):
    """The estimatorParamMaps of a saved tuner's metadata, each entry's value decoded as Spark wrote it."""
    raw_maps = {**meta.get("defaultParamMap", {}), **meta.get("paramMap", {})}.get("estimatorParamMaps") or []
    return [[{"parent": e["parent"], "name": e["name"],
              "value": json.loads(e["value"]) if str(e.get("isJson", "true")).lower() == "true" else e["value"]}
             for e in raw] for raw in raw_maps]


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
    raw_maps = _grid(meta)
    classes = _stage_classes(ctx, check.tasks[0])
    want = {k: [v for v in values] for k, values in check.params["grid"].items()}
    combos = []
    for i, raw in enumerate(raw_maps):
        point = {f"{classes.get(e['parent'], '?')}.{e['name']}": e["value"] for e in raw}
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


TESTED = "tuned-on-test"        # the sealed tuned model scored by the grader on the test rows
REFITTED = "refit-on-test"      # its estimator refitted by the grader on the tuning rows, on the same rows
LEAK_TOLERANCE = 1e-6           # probability difference allowed between the two (summation order only)


def _tuned_metadata(ctx, check):
    """The sealed tuned model's own metadata (the check's first task): avgMetrics and the grid (decoded); and
    the metric of the tuner's evaluator (the unfitted tuner, the check's last task), as Spark saved them."""
    folder = ctx.task_dir(check.tasks[0]) / "stage"
    try:
        meta = stage_metadata(folder)
        evaluator = stage_metadata(ctx.task_dir(check.tasks[-1]) / "stage" / "evaluator")
    except (OSError, ValueError) as exc:
        raise MissingArtifact(f"the tuned model returned by tune_and_test() cannot be read back: {exc}") from None
    metrics = [float(m) for m in meta.get("avgMetrics") or meta.get("validationMetrics") or []]
    maps = _grid(meta)
    params = {**evaluator.get("defaultParamMap", {}), **evaluator.get("paramMap", {})}
    return {"metrics": metrics, "maps": maps, "metric": str(params.get("metricName", "")),
            "evaluator": str(evaluator.get("class", ""))}


def _best_index(metrics, larger_better):
    pick = max if larger_better else min
    return pick(range(len(metrics)), key=lambda j: metrics[j])


def _test_rows(ctx):
    """The grader's SQL of test_df's rows (tasks.test_rows_sql over the public training rows)."""
    tasks = load_tasks_module(ctx.spec.path)
    return tasks.test_rows_sql(pq.read_schema(ctx.data.train).names, ctx.spec.data.id_col)


def _tested_request(ctx, check):
    return ScoreRequest(model=ctx.task_dir(check.tasks[0]) / "stage", data=ctx.data.train,
                        out=ctx.scores / TESTED, rows=_test_rows(ctx))


def no_test_leak_score_requests(ctx, check):
    """The sealed tuned model on test_df's rows, and the grader's own fit of its saved estimator with the best
    grid point on the tuning rows (tasks.tuning_rows), on the same rows."""
    try:
        tuned = _tuned_metadata(ctx, check)
    except MissingArtifact:
        return []
    if not tuned["metrics"] or len(tuned["metrics"]) != len(tuned["maps"]):
        return []
    best = tuned["maps"][_best_index(tuned["metrics"], larger_is_better(tuned["metric"]))]
    tasks = load_tasks_module(ctx.spec.path)
    refit = ScoreRequest(model=ctx.task_dir(check.tasks[0]) / "stage" / "estimator", data=ctx.data.train,
                         out=ctx.scores / REFITTED, fit=ctx.data.train, where=tasks.tuning_rows(ctx.spec.data.id_col),
                         fit_params=json.dumps(best), rows=_test_rows(ctx))
    return [_tested_request(ctx, check), refit]


def _scores(ctx, out, model_dir):
    """id -> score of the positive class (or the prediction) from a grader's scoring, or a message."""
    outcome = ctx.scored(ctx.scores / out)
    if outcome.get("status") != "ok":
        return None, outcome.get("message") or outcome.get("status")
    frame = predictions(ctx, ctx.scores / out, model_dir)
    if "prediction" not in frame.columns:
        return None, "its output has no prediction column"
    return frame, ""


def no_test_leak(ctx, check):
    """The tuned model is what fitting its own estimator with the best grid point on the tuning rows gives
    (the grader fits it, in a process that never imported the submission, and compares the predictions on
    test_df's rows); and no StringIndexer of it learnt the canary category only test rows have."""
    canary = load_tasks_module(ctx.spec.path).CANARY
    labels = _labels_seen(ctx, check.tasks[0])
    if canary in labels:
        return CheckResult.failed("the tuned model was fitted on rows of the test split: its StringIndexer learned "
                                  "a category that only the test rows have",
                                  hint="fit the tuner on train_df only; use test_df once, to evaluate the result")
    model_dir = ctx.task_dir(check.tasks[0]) / "stage"
    tested, problem = _scores(ctx, TESTED, model_dir)
    if tested is None:
        return CheckResult.failed(f"the tuned model could not score test_df's rows after reloading: {problem}")
    refitted, problem = _scores(ctx, REFITTED, model_dir / "estimator")
    if refitted is None:
        return CheckResult.failed(f"the tuned model's estimator, fitted by the grader with the best grid point on "
                                  f"train_df, could not score test_df's rows: {problem}")
    id_col = ctx.spec.data.id_col
    tested, refitted = tested.sort_values(id_col), refitted.sort_values(id_col)
    if list(tested[id_col]) != list(refitted[id_col]):
        return CheckResult.failed(f"the tuned model scored {len(tested)} of test_df's rows and the grader's own fit "
                                  f"{len(refitted)}: the tuned model drops rows (keep every row: handleInvalid='keep')")
    mine, theirs = positive_score(tested), positive_score(refitted)
    if not np.allclose(mine, theirs, rtol=0, atol=LEAK_TOLERANCE, equal_nan=True):
        worst = float(np.nanmax(np.abs(mine - theirs)))
        return CheckResult.failed(f"the tuned model is not the one fitting its estimator with the best grid point on "
                                  f"train_df gives (its scores on test_df's rows differ by up to {worst:.3g}): it was "
                                  "fitted on other rows, or its grid point was not the one cross-validation chose "
                                  "(the best average validation metric)",
                                  hint="fit the tuner on train_df only and keep its bestModel; use test_df once, to "
                                       "evaluate the result, never to choose")
    return CheckResult.passed(f"fitted on train_df only: the grader's own fit with the best grid point predicts the "
                              f"same on all {len(tested)} test rows; no test row reached tuning")


def test_metric_score_requests(ctx, check):
    return [_tested_request(ctx, check)]


@sdk.takes(Param("tolerance", float, "absolute tolerance of the test metric", default=1e-6))
def test_metric(ctx, check):
    """The test metric returned is the tuner's evaluator on the best model's predictions for test_df: the
    grader scores the sealed model on the same rows and computes that metric itself."""
    got = ctx.value(check.tasks[0], "run").get("student_test_metric")
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        return CheckResult.failed(f"tune_and_test() returned {got!r} as the test metric; expected a number")
    tuned = _tuned_metadata(ctx, check)
    tested, problem = _scores(ctx, TESTED, ctx.task_dir(check.tasks[0]) / "stage")
    if tested is None:
        return CheckResult.failed(f"the tuned model could not score test_df's rows after reloading: {problem}")
    id_col = ctx.spec.data.id_col
    train = ctx.read_parquet(ctx.data.train)[[id_col, "label"]]
    offset = load_tasks_module(ctx.spec.path).CANARY_ID_OFFSET
    tested = tested.assign(_source=tested[id_col] % offset)
    joined = tested.merge(train.rename(columns={id_col: "_source"}), on="_source")
    try:
        want = compute(joined, tuned["metric"])
    except ValueError as exc:
        return CheckResult.failed(f"the tuner's evaluator measures {tuned['metric']!r}, which the grader cannot "
                                  f"recompute: {exc}")
    if not math.isclose(float(got), want, rel_tol=0, abs_tol=float(check.params["tolerance"])):
        return CheckResult.failed(f"the test metric returned is {got:.6f}; the tuner's evaluator ({tuned['metric']}) "
                                  f"gives {want:.6f} on the best model's predictions for test_df",
                                  hint="evaluate cv_model.transform(test_df) with tuner.getEvaluator()")
    return CheckResult.passed(f"test metric {got:.4f}: the tuner's evaluator ({tuned['metric']}) on the best model's "
                              "predictions for test_df")


def best(ctx, check):
    """The best grid point is the one with the best average validation metric, both in the fitted model
    and in best_params(); and best_params() of the probe names the point its swapped metrics make best.
    Every expectation comes from the sealed model's own metadata."""
    tuned = _tuned_metadata(ctx, check)
    answer = ctx.value(check.tasks[1])
    metrics, maps = tuned["metrics"], tuned["maps"]
    if not metrics or len(metrics) != len(maps):
        return CheckResult.failed(f"{len(metrics)} validation metrics for {len(maps)} grid points")
    larger_better = larger_is_better(tuned["metric"])
    pick = max if larger_better else min
    i = _best_index(metrics, larger_better)
    winner = {p["name"]: p["value"] for p in sorted(maps[i], key=lambda p: p["name"])}
    # Whether the tuned model is the cross-validated winner is q3_no_test_leak's to judge (the grader refits
    # that point): a model chosen outside cross-validation is charged there, not here a second time.
    if not isinstance(answer, dict) or set(answer) != set(winner) or not all(
            _close(answer[k], winner[k]) for k in winner):
        direction = "largest" if larger_better else "smallest"
        return CheckResult.failed(f"best_params() returned {answer!r}; the grid point with the {direction} average "
                                  f"validation metric ({metrics[i]:.4f}) is {winner}")
    try:
        probe = ctx.value(check.tasks[1], "probe")
    except MissingArtifact:             # every grid point had the same metric: nothing to swap
        probe = None
    if probe is not None and len(set(metrics)) > 1:
        order = sorted(range(len(metrics)), key=lambda j: metrics[j])
        swapped = list(metrics)
        swapped[order[0]], swapped[order[-1]] = metrics[order[-1]], metrics[order[0]]
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
        # the class's own name: its package differs by engine (org.apache.spark.ml locally, pyspark.ml over Connect)
        named = saved_stage.cls.rsplit(".", 1)[-1] or "stage of no class"
        return CheckResult.failed(f"save_tuned() saved a {named}; save Spark's whole CrossValidatorModel so "
                                  "the grid and its validation metrics are kept")
    saved = meta.get("avgMetrics") or []
    if len(saved) != len(fitted) or not all(_close(a, b) for a, b in zip(saved, fitted)):
        return CheckResult.failed(f"the saved avgMetrics {saved} differ from the fitted model's {fitted}")
    return CheckResult.passed(f"saved CrossValidatorModel keeps avgMetrics for {len(saved)} grid points")
