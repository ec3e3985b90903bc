"""Harness tasks of assignment 02 (run in the sandboxed student process)."""

from autograder.harness.context import TaskFailed


HIDDEN_RATIO = {"fixture": "ratio_cases_hidden", "numeratorCol": "num", "denominatorCol": "den",
                "outputCol": "share"}


def _ratio(ctx, fixture, numeratorCol, denominatorCol, outputCol):
    """RatioTransformer on a fixture's rows; ``id`` and the output column are saved for a values check."""
    stage = ctx.student("RatioTransformer")(numeratorCol=numeratorCol, denominatorCol=denominatorCol,
                                            outputCol=outputCol)
    out = stage.transform(ctx.fixture(fixture))
    if outputCol not in out.columns:
        raise TaskFailed(f"transform() did not add the output column '{outputCol}' (columns: {out.columns})")
    ctx.save_dataframe(out.select("id", outputCol))


def ratio_transform(ctx):
    """RatioTransformer on the five public fixture rows."""
    _ratio(ctx, "ratio_cases", "a", "b", "r")


def ratio_transform_hidden(ctx):
    """RatioTransformer on the hidden fixture's rows (other ids, values and column names); the grader
    computes the expected ratios itself."""
    _ratio(ctx, **HIDDEN_RATIO)


def ratio_save(ctx):
    """RatioTransformer saved as the only stage of a Pipeline (the writer that works both in local mode
    and over Spark Connect), for the Params check."""
    from pyspark.ml import Pipeline

    stage = ctx.student("RatioTransformer")(numeratorCol="a", denominatorCol="b", outputCol="r")
    ctx.save_stage(Pipeline(stages=[stage]))
