"""Harness tasks of assignment 02 (run in the sandboxed student process)."""

from autograder.harness.context import TaskFailed


def ratio_transform(ctx):
    """RatioTransformer on the five fixture rows; the output is saved for the values check."""
    stage = ctx.student("RatioTransformer")(numeratorCol="a", denominatorCol="b", outputCol="r")
    out = stage.transform(ctx.fixture("ratio_cases"))
    if "r" not in out.columns:
        raise TaskFailed(f"transform() did not add the output column 'r' (columns: {out.columns})")
    ctx.save_dataframe(out.select("id", "r"))


def ratio_save(ctx):
    """RatioTransformer saved as the only stage of a Pipeline (the writer that works both in local mode
    and over Spark Connect), for the Params check."""
    from pyspark.ml import Pipeline

    stage = ctx.student("RatioTransformer")(numeratorCol="a", denominatorCol="b", outputCol="r")
    ctx.save_stage(Pipeline(stages=[stage]))


def reload_with_student_loader(ctx):
    """load_model() on what save_model() wrote: it must predict like the in-memory model."""
    model = ctx.student("load_model")(ctx.artifact_dir.parent.joinpath("save", "student_model").as_posix())
    original = ctx.results["model"].transform(ctx.dataframe("sample")).select("id", "prediction")
    reloaded = model.transform(ctx.dataframe("sample")).select("id", "prediction")
    before = [tuple(r) for r in original.orderBy("id").collect()]
    after = [tuple(r) for r in reloaded.orderBy("id").collect()]
    if before != after:
        raise TaskFailed("the model returned by load_model() predicts differently from the fitted model")
