"""Assignment-specific checks of assignment 02 (run by the grader on saved artifacts)."""

from autograder.checks import sdk
from autograder.checks.pipeline import flatten, is_stage
from autograder.checks.sdk import Param
from autograder.results import CheckResult


@sdk.takes(Param("expected", dict, "RatioTransformer param -> the value it must have", required=True))
def ratio_params(ctx, check):
    """The saved RatioTransformer metadata records the three Params with the values it was built with."""
    _, stages = flatten(ctx.task_dir(check.tasks[0]) / "stage")
    stage = stages[0]
    if not is_stage(stage, "RatioTransformer", ctx.spec.module_name):
        return CheckResult.failed(f"the saved stage is a {stage.cls}, expected the RatioTransformer class defined "
                                  "in your submission")
    params = stage.params
    wrong = {k: params.get(k) for k, v in check.params["expected"].items() if params.get(k) != v}
    if wrong:
        return CheckResult.failed(f"saved Params differ from the constructor arguments: {wrong}; "
                                  "declare them as Param objects and set them with self._set(...)")
    return CheckResult.passed("numeratorCol, denominatorCol and outputCol are saved Params")


# ---- q3: a model fitted on the training rows it was given ----------------------------------------------

def _ratio_columns(stages, module):
    """{output column: (numerator, denominator)} of the submission's RatioTransformer stages."""
    return {s.params["outputCol"]: (s.params.get("numeratorCol"), s.params.get("denominatorCol"))
            for s in stages if is_stage(s, "RatioTransformer", module) and isinstance(s.params.get("outputCol"), str)}


def _imputer_problems(stage, folder, train, ratios):
    """How the surrogates an ImputerModel saved differ from its strategy on the training rows (columns the
    grader cannot recompute, e.g. derived by an unknown stage, are left out)."""
    import math

    import pandas as pd

    params = stage.params
    cols = params.get("inputCols") or ([params["inputCol"]] if isinstance(params.get("inputCol"), str) else [])
    strategy = str(params.get("strategy", "mean"))
    missing = float(params.get("missingValue", math.nan))
    rel = float(params.get("relativeError", 0.001))
    try:
        surrogate = pd.read_parquet(folder / "data").iloc[0]
    except Exception as exc:  # noqa: BLE001 - an unreadable folder is the submission's fault
        return [f"the ImputerModel's surrogates could not be read ({type(exc).__name__})"]
    problems = []
    for col in cols:
        if col in train.columns:
            values = train[col].astype(float)
        elif col in ratios and all(c in train.columns for c in ratios[col]):
            num, den = (train[c].astype(float) for c in ratios[col])
            values = (num / den.where(den != 0)).astype(float)
        else:
            continue
        values = values[values.notna()]
        if not math.isnan(missing):
            values = values[values != missing]
        if col not in surrogate.index or values.empty:
            continue
        got, n = float(surrogate[col]), len(values)
        if strategy == "mean":
            want = float(values.mean())
            ok = abs(got - want) <= 1e-6 * max(1.0, abs(want))
        elif strategy == "median":
            # approxQuantile's guarantee: the rank of the answer is within relativeError * n of n / 2
            below, upto = int((values < got).sum()), int((values <= got).sum())
            slack = rel * n + 2
            ok = below <= n / 2 + slack and upto >= n / 2 - slack
            want = float(values.median())
        elif strategy == "mode":
            counts = values.value_counts()
            ok = counts.get(got, 0) == counts.max()
            want = float(counts.index[0])
        else:
            continue
        if not ok:
            problems.append(f"'{col}' is imputed with {got:.6g}, but the {strategy} of the {n} training rows that "
                            f"have it is {want:.6g}")
    return problems


@sdk.takes(*sdk.PIPELINE_PARAMS)
def fitted(ctx, check):
    """The "pipeline" check (a PipelineModel with the seven fitted stages), and evidence that it was fitted on
    the training rows it was given: every ImputerModel's surrogates are its strategy's statistics (mean,
    median within approxQuantile's relative error, or mode) of those rows."""
    import pandas as pd

    from autograder.checks.pipeline import leaves
    from autograder.results import Status

    result = sdk.judge_pipeline(ctx, check)
    if result.status is not Status.PASSED:
        return result
    found = leaves(ctx.task_dir(check.tasks[0]) / "stage")
    stages = [s for s, _ in found]
    ratios = _ratio_columns(stages, ctx.spec.module_name)
    train = pd.read_parquet(ctx.data.train)
    problems = []
    for stage, folder in found:
        if is_stage(stage, "ImputerModel"):
            problems += _imputer_problems(stage, folder, train, ratios)
    if problems:
        return CheckResult.failed("the model was not fitted on the training rows fit_pipeline() was given: "
                                  + "; ".join(problems[:4]),
                                  hint="fit the pipeline on train_df itself: pipeline.fit(train_df)")
    return CheckResult.passed(result.message + "; fitted on the training rows given")
