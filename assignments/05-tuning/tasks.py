"""Harness tasks of assignment 05 (run in the sandboxed student process).

Tuning runs on a small, fixed sample of the public training rows. The student's tune_and_test() gets
that sample and a separate "test" split of the public rows; the test split carries a few canary rows
(copies of real rows whose `home` and `job` are a category that occurs nowhere else). A model fitted on
the training rows alone has never seen that category; one whose tuning touched the test rows has.
The assignment's hidden test fold never reaches this process: the grader scores on it separately.
"""

from pyspark.sql import functions as F

from autograder.harness.artifacts import to_plain
from autograder.harness.context import TaskFailed

SPLIT_SALT = 29
CANARY = "zz_canary"
CANARY_ID_OFFSET = 1_000_000


def split_part(id_col: str) -> str:
    """The SQL that puts a public training row in one of 6 parts by a hash of its id: parts 0-1 are the
    tuning rows, part 2 the test rows (the grader fits the untuned baseline on the same tuning rows)."""
    return f"abs(xxhash64(`{id_col}`, {SPLIT_SALT}) % 6)"


def tuning_rows(id_col: str) -> str:
    """The SQL condition of the tuning rows."""
    return f"{split_part(id_col)} < 2"


CANARY_COLUMNS = ("home", "job")


def test_rows_sql(columns, id_col: str, view: str = "rows") -> str:
    """The SQL of the test rows over ``view`` (the public training rows, ``columns`` in order): part 2, plus
    a canary copy of every tenth of them (id + CANARY_ID_OFFSET, CANARY_COLUMNS set to CANARY). The child
    builds test_df with it, and the grader scores the sealed models on the same rows with it."""
    part = split_part(id_col)
    copied = ", ".join(f"`{c}` + {CANARY_ID_OFFSET} AS `{c}`" if c == id_col else
                       f"'{CANARY}' AS `{c}`" if c in CANARY_COLUMNS else f"`{c}`" for c in columns)
    return (f"SELECT * FROM {view} WHERE {part} = 2 UNION ALL "
            f"SELECT {copied} FROM {view} WHERE {part} = 2 AND `{id_col}` % 10 = 0")


def splits(ctx):
    """(tuning rows, test rows with canaries): 2/6 and 1/6 of the public training rows, by a hash of id."""
    train = ctx.dataframe("train")
    tune_rows = train.filter(F.expr(tuning_rows(ctx.id_col)))
    train.createOrReplaceTempView("sparkgrade_tuning_source")
    test = train.sparkSession.sql(test_rows_sql(train.columns, ctx.id_col, "sparkgrade_tuning_source"))
    return tune_rows, test


# ------------------------------------------------------------------------------------------- evaluators

def _fixture_frames(ctx, suffix=""):
    from pyspark.ml.feature import VectorAssembler

    clusters = VectorAssembler(inputCols=["x", "y"], outputCol="features").transform(
        ctx.fixture(f"cluster_cases{suffix}"))
    return {"binary": ctx.fixture(f"binary_cases{suffix}"), "multiclass": ctx.fixture(f"multiclass_cases{suffix}"),
            "regression": ctx.fixture(f"regression_cases{suffix}"), "clustering": clusters}


def evaluators(ctx):
    """Each evaluator of build_evaluators() applied to its fixture table."""
    _evaluators(ctx, "")


def evaluators_hidden(ctx):
    """The same evaluators on the hidden tables (hidden/fixtures/*_cases_hidden.json)."""
    _evaluators(ctx, "_hidden")


def _evaluators(ctx, suffix):
    from pyspark.ml.evaluation import Evaluator

    found = ctx.student("build_evaluators")()
    if not isinstance(found, dict):
        raise TaskFailed(f"build_evaluators() should return a dict, got {type(found).__qualname__}")
    out = {}
    for kind, frame in _fixture_frames(ctx, suffix).items():
        ev = found.get(kind)
        if not isinstance(ev, Evaluator):
            raise TaskFailed(f"build_evaluators()['{kind}'] should be a pyspark.ml Evaluator, got "
                             f"{type(ev).__qualname__}")
        try:
            value = ev.evaluate(frame)
        except Exception as exc:  # noqa: BLE001 - reported to the student with the kind that failed
            first = (str(exc).strip().splitlines() or [""])[0][:300]
            raise TaskFailed(f"the '{kind}' evaluator failed on a table with columns {frame.columns}: "
                             f"{type(exc).__name__}: {first}") from None
        out[kind] = {"class": type(ev).__name__, "metric": ev.getMetricName(), "value": float(value),
                     "larger_better": bool(ev.isLargerBetter())}
    ctx.save_value(out)


# ---------------------------------------------------------------------------------------------- tuning

def _tuner(ctx):
    from pyspark.ml.tuning import CrossValidator, TrainValidationSplit

    tuner = ctx.resolve("@tuner")
    if not isinstance(tuner, (CrossValidator, TrainValidationSplit)):
        raise TaskFailed(f"build_tuner() should return an unfitted CrossValidator, got {type(tuner).__qualname__}")
    return tuner


def tuned(ctx):
    """tune_and_test(tuner, tuning rows, test rows); saves the fitted model and what it shows."""
    tuner = _tuner(ctx)
    tune_rows, test = splits(ctx)
    result = ctx.student("tune_and_test")(tuner, tune_rows, test)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise TaskFailed(f"tune_and_test() should return (fitted model, test metric), got {type(result).__qualname__}")
    cv_model, test_metric = result
    if not (hasattr(cv_model, "avgMetrics") or hasattr(cv_model, "validationMetrics")):
        raise TaskFailed(f"tune_and_test() should return the fitted CrossValidatorModel first, got "
                         f"{type(cv_model).__qualname__}")
    # Only what the submission returned crosses to the grader: the model as Spark saves it, and the number.
    # The grader reads the metrics, grid and best model from the saved model, and scores it on the same
    # test rows itself (judges.py).
    ctx.save_stage(cv_model)
    ctx.save_sample_predictions(cv_model)
    ctx.save_value({"student_test_metric": test_metric if isinstance(test_metric, (int, float))
                    else repr(test_metric)}, "run")
    return cv_model


def _probe(cv_model, tune_rows):
    """The fitted model as a tuning run on the same rows would have left it had its best and worst grid
    points traded validation metrics: those two metrics swapped, and the best model refitted (as
    CrossValidator.fit does) with the params of the point that now wins. None when no point is strictly
    better than another. An answer read from avgMetrics and getEstimatorParamMaps(), or from the best
    model's own params, names the new winner; a hard-coded one does not."""
    import copy

    attr = "avgMetrics" if getattr(cv_model, "avgMetrics", None) else "validationMetrics"
    metrics = [float(m) for m in getattr(cv_model, attr, None) or []]
    if len(metrics) < 2 or len(set(metrics)) < 2:
        return None, None
    order = sorted(range(len(metrics)), key=lambda j: metrics[j])
    low, high = order[0], order[-1]
    swapped = list(metrics)
    swapped[low], swapped[high] = metrics[high], metrics[low]
    larger_better = bool(cv_model.getEvaluator().isLargerBetter())
    winner = low if larger_better else high         # the point the swapped metrics make best
    estimator = cv_model.getEstimator()
    probe = copy.copy(cv_model)
    setattr(probe, attr, swapped)
    std = list(getattr(cv_model, "stdMetrics", None) or [])
    if len(std) == len(metrics):
        std[low], std[high] = std[high], std[low]
        probe.stdMetrics = std
    probe.bestModel = estimator.fit(tune_rows, cv_model.getEstimatorParamMaps()[winner])
    return probe, swapped


def best(ctx):
    """best_params(cv_model) as plain data; also best_params() of a probe whose best and worst validation
    metrics are swapped and whose best model is refitted with the new winner's params (the grader works out
    the answer the probe calls for from the sealed model's own metrics, not from what is saved here)."""
    cv_model = ctx.resolve("@tuned")
    find = ctx.student("best_params")
    ctx.save_value(find(cv_model))
    tune_rows, _ = splits(ctx)
    probe, swapped = _probe(cv_model, tune_rows)
    if probe is not None:
        try:
            answer = to_plain(find(probe))
        except Exception as exc:  # noqa: BLE001 - reported to the student by the judge
            answer, error = None, f"{type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0][:200]}"
        else:
            error = None
        ctx.save_value({"answer": answer, "error": error}, "probe")
