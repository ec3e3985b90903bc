"""Harness tasks of assignment 03 (run in the sandboxed student process).

The student's fit_and_transform() is called three times: on the training rows with the unseen/canary
fixture as "test" rows, a second time with harmless test rows (to see whether the test rows changed what
was learnt), and on a deterministic 3x resample of the training rows with nulls in every column. The
student's pipeline is also fitted here on the training rows, to see that the model fit_and_transform()
returned learnt what the training rows teach (not rows of its own).
"""

import math

from autograder.harness.context import TaskFailed

CANARY_FIXTURE = "unseen_cars"
HIDDEN_FIXTURE = "unseen_cars_hidden"            # hidden/fixtures: rows of the hidden unseen-rows check
CANARY_LABELS = {"Atlantis", "Mars", "12"}      # categories that exist only in the canary rows
SCALE, SCALE_SEED = 3, 7
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


def _floats(values):
    return [float(v) for v in values]


def learnt(model):
    """What each fitted stage learnt from its training rows, as plain data keyed by position and class."""
    from pyspark.ml.feature import (CountVectorizerModel, IDFModel, ImputerModel, MinMaxScalerModel,
                                    OneHotEncoderModel, StandardScalerModel, StringIndexerModel)

    stats = {}
    for i, stage in enumerate(_leaves(model)):
        key = f"{i}:{type(stage).__name__}"
        if isinstance(stage, StringIndexerModel):
            stats[key] = {"labels": [list(labels) for labels in stage.labelsArray]}
        elif isinstance(stage, ImputerModel):
            row = stage.surrogateDF.head()
            stats[key] = {"surrogates": {k: None if v is None else float(v) for k, v in row.asDict().items()}}
        elif isinstance(stage, StandardScalerModel):
            stats[key] = {"mean": _floats(stage.mean.toArray()), "std": _floats(stage.std.toArray())}
        elif isinstance(stage, MinMaxScalerModel):
            stats[key] = {"min": _floats(stage.originalMin.toArray()), "max": _floats(stage.originalMax.toArray())}
        elif isinstance(stage, IDFModel):
            stats[key] = {"numDocs": int(stage.numDocs), "idf": _floats(stage.idf.toArray())}
        elif isinstance(stage, CountVectorizerModel):
            stats[key] = {"vocabulary": list(stage.vocabulary)}
        elif isinstance(stage, OneHotEncoderModel):
            stats[key] = {"categorySizes": [int(s) for s in stage.categorySizes]}
    return stats


def _differences(a, b, path=""):
    """Where two learnt-statistics trees differ (floats compared with a relative tolerance of 1e-9)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            out += _differences(a.get(k), b.get(k), f"{path}/{k}" if path else k)
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += _differences(x, y, f"{path}[{i}]")
        return out[:3]
    if isinstance(a, float) and isinstance(b, float):
        same = (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
        return [] if same else [path]
    return [] if a == b else [path]


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


def _fit_directly(pipeline, train):
    """pipeline.fit(train) through Spark's own Pipeline.fit (a fit method set on the instance is not called)."""
    from pyspark.ml import Pipeline

    return Pipeline.fit(pipeline, train) if isinstance(pipeline, Pipeline) else pipeline.fit(train)


def leakage(ctx):
    """Fit again with harmless test rows and compare what was learnt with the canary fit; also look for
    the canary categories in every StringIndexerModel, and compare the canary fit with what the pipeline
    given to fit_and_transform() learns when it is fitted here on the training rows (pipeline.fit(train)):
    a model fitted on other rows (made-up ones, a subset of train) learns other statistics."""
    if "fit" not in ctx.results:
        raise TaskFailed("skipped: it needs the result of task 'fit', which did not succeed")
    with_canaries = learnt(ctx.results["fit"][0])
    harmless = ctx.dataframe("sample").drop(*LABEL_COLUMNS)
    model, _, _ = _fit(ctx, ctx.dataframe("train"), harmless)
    without = learnt(model)
    on_train = learnt(_fit_directly(ctx.results["fit"][3], ctx.dataframe("train")))
    canaries = sorted({label for stats in with_canaries.values() for labels in stats.get("labels", [])
                       for label in labels if label in CANARY_LABELS})
    ctx.save_value({"canary_labels": canaries, "differences": _differences(with_canaries, without)[:10],
                    "not_train": _differences(on_train, with_canaries)[:10],
                    "stages_compared": sorted(with_canaries)})


def at_scale(ctx):
    """generate_scaled(train, 3): every column but id and label gets ~8% nulls and jitter; the pipeline,
    unchanged, must fit and transform every row. fit_and_transform() fits it; the rows saved are the
    returned model's own transform of the resample (what fit_and_transform returns as train_out by
    contract), so a frame cleaned before the pipeline sees it cannot stand in for the pipeline."""
    from autograder.datasets import generate_scaled

    big = generate_scaled(ctx.spark, ctx.dataframe("train"), SCALE, seed=SCALE_SEED, label_col="label")
    model, _, _ = _fit(ctx, big, ctx.fixture(CANARY_FIXTURE))
    big_out = model.transform(big)
    if "features" not in big_out.columns:
        raise TaskFailed(f"the fitted model's output has no 'features' column (columns: {', '.join(big_out.columns)})")
    ctx.save_dataframe(big_out.select("id", "features"))
