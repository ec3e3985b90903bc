"""Harness tasks of assignment 03 (run in the sandboxed student process).

The student's fit_and_transform() is called twice: on the training rows with the unseen/canary fixture
as "test" rows, and on a deterministic 3x resample of the training rows with nulls in every column.
Whether the returned model learnt from the training rows only is judged by the grader (hidden/judges.py):
it fits the saved unfitted pipeline on the training rows itself, in a process that never imported the
submission, and compares.
"""

from autograder.harness.context import TaskFailed

CANARY_FIXTURE = "unseen_cars"
HIDDEN_FIXTURE = "unseen_cars_hidden"            # hidden/fixtures: rows of the hidden unseen-rows check
SCALE, SCALE_SEED = 3, 7
SCALE_TEST_ROWS = 20
LABEL_COLUMNS = ["label", "miles_per_gallon"]


def _fit(ctx, train, test, pipeline=None):
    pipeline = ctx.student("build_feature_pipeline")() if pipeline is None else pipeline
    result = ctx.student("fit_and_transform")(pipeline, train, test)
    if not (isinstance(result, tuple) and len(result) == 3):
        raise TaskFailed(f"fit_and_transform() must return a tuple (model, train_out, test_out); got "
                         f"{type(result).__qualname__}")
    model, train_out, test_out = result
    from pyspark.ml import PipelineModel
    from pyspark.sql import DataFrame

    if not isinstance(model, PipelineModel):
        raise TaskFailed(f"the model returned by fit_and_transform() is a {type(model).__qualname__}, "
                         "expected the PipelineModel returned by pipeline.fit(...)")
    for name, df in (("train_out", train_out), ("test_out", test_out)):
        if not isinstance(df, DataFrame):
            raise TaskFailed(f"{name} returned by fit_and_transform() is a {type(df).__qualname__}, "
                             "expected a DataFrame")
        if "features" not in df.columns:
            raise TaskFailed(f"{name} has no 'features' column (columns: {', '.join(df.columns)})")
    return model, train_out, test_out


def _leaves(model):
    from pyspark.ml import PipelineModel

    for stage in model.stages:
        if isinstance(stage, PipelineModel):
            yield from _leaves(stage)
        else:
            yield stage


def fit_with_canaries(ctx):
    """Fit on train with the canary fixture as test rows; save the class names of the fitted stages, the
    returned model and the transformed training rows. The tuple (and the pipeline given to fit_and_transform) is kept in
    memory for the next tasks."""
    train = ctx.dataframe("train")
    pipeline = ctx.student("build_feature_pipeline")()
    model, train_out, test_out = _fit(ctx, train, ctx.fixture(CANARY_FIXTURE), pipeline)
    ctx.save_value([type(stage).__name__ for stage in _leaves(model)])
    ctx.save_stage(model)          # the grader transforms test_df with it in a fresh process (test_out's trace)
    ctx.save_dataframe(train_out.select("id", "features"))
    return model, train_out, test_out, pipeline


def transform_unseen(ctx):
    """The canary/unseen rows transformed by the model fitted on train (materialised by saving them)."""
    if "fit" not in ctx.results:
        raise TaskFailed("skipped: it needs the result of task 'fit', which did not succeed")
    ctx.save_dataframe(ctx.results["fit"][2])


def transform_hidden(ctx):
    """The model fitted on train (task 'fit') transforms the hidden unseen rows (other ids, names, unseen
    categories and nulls); the grader computes the expected eras and words itself."""
    if "fit" not in ctx.results:
        raise TaskFailed("skipped: it needs the result of task 'fit', which did not succeed")
    out = ctx.results["fit"][0].transform(ctx.fixture(HIDDEN_FIXTURE))
    missing = [c for c in ("id", "era", "words", "features") if c not in out.columns]
    if missing:
        raise TaskFailed(f"the fitted model's output has no column {', '.join(map(repr, missing))} "
                         f"(columns: {', '.join(out.columns)})")
    ctx.save_dataframe(out.select("id", "era", "words", "features"))


def at_scale(ctx):
    """generate_scaled(train, 3): every column but id and label gets ~8% nulls and jitter; the pipeline,
    unchanged, must fit and transform every row. fit_and_transform() fits it; the rows saved are the
    returned model's own transform of the resample (what fit_and_transform returns as train_out by
    contract), so a frame cleaned before the pipeline sees it cannot stand in for the pipeline."""
    from autograder.datasets import generate_scaled

    big = generate_scaled(ctx.spark, ctx.dataframe("train"), SCALE, seed=SCALE_SEED, label_col="label")
    # The "test" rows are some of the resample's own: no category the training rows lack, so a fit that
    # also saw the test rows (the leakage check's concern, q2) changes nothing this check judges.
    model, _, _ = _fit(ctx, big, big.limit(SCALE_TEST_ROWS))
    big_out = model.transform(big)
    if "features" not in big_out.columns:
        raise TaskFailed(f"the fitted model's output has no 'features' column (columns: {', '.join(big_out.columns)})")
    ctx.save_dataframe(big_out.select("id", "features"))
