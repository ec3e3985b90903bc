"""Harness tasks of assignment 04 (run in the sandboxed student process).

The student builds unfitted pipelines; these tasks fit them on the data the assignment prescribes and
save what the grader needs: fitted models (scored on hidden rows in a fresh process), plain values
and small DataFrames.
"""

from pyspark.sql import functions as F

from autograder.harness.context import TaskFailed

REGRESSION_TARGET = "log_amount"


def _pipeline(ctx, task):
    """The unfitted pipeline returned by an earlier task (a clear message if that task failed)."""
    from pyspark.ml import Estimator

    stage = ctx.resolve(f"@{task}")
    if not isinstance(stage, Estimator):
        raise TaskFailed(f"expected an unfitted Pipeline (an Estimator), got {type(stage).__qualname__}")
    return stage


def regression_frame(df):
    """The regression training rows: the credit columns, the target log10(amount) and no `amount`
    (nor the classification label), so the target cannot leak into the features."""
    return df.withColumn(REGRESSION_TARGET, F.log10(F.col("amount").cast("double"))).drop(
        "amount", "status", "label")


def fit_regressor(ctx):
    """build_regressor() fitted on the training rows; the grader scores it on the hidden rows."""
    model = _pipeline(ctx, "regressor").fit(regression_frame(ctx.dataframe("train")))
    ctx.save_stage(model)
    return model


def regression_rows(ctx):
    """The rows build_regressor()'s pipeline is fitted on (log_amount, no amount/status/label), saved (save =
    "dataframe") so that the wiring check follows its columns from there; a few rows suffice."""
    return regression_frame(ctx.dataframe("train")).limit(5)


def fit_logistic(ctx):
    model = _pipeline(ctx, "logistic").fit(ctx.dataframe("train"))
    ctx.save_stage(model)
    return model


def fit_forest(ctx):
    model = _pipeline(ctx, "forest").fit(ctx.dataframe("train"))
    ctx.save_stage(model)
    return model


def importances(ctx):
    """forest_importances(model, sample); the grader recomputes the truth from the saved forest pipeline."""
    model = ctx.resolve("@forest_model")
    answer = ctx.student("forest_importances")(model, ctx.dataframe("sample"))
    if not isinstance(answer, dict):
        raise TaskFailed(f"forest_importances() should return a dict {{column: importance}}, got "
                         f"{type(answer).__qualname__}")
    ctx.save_value({str(k): v for k, v in answer.items()}, "answer")


def _penguins(ctx, fixture="penguins"):
    """The penguin measurements, without the species (the clusterer must not see it)."""
    return ctx.fixture(fixture).drop("species")


def clusters(ctx):
    """build_clusterer() fitted on the penguins; its assignments and cluster_centers() are saved."""
    return _clusters(ctx, _penguins(ctx))


def clusters_hidden(ctx):
    """The same on the hidden penguins (resampled, jittered, other ids); cluster_centers() saved too."""
    model = _clusters(ctx, _penguins(ctx, "penguins_hidden"))
    ctx.save_value(ctx.student("cluster_centers")(model))


def _clusters(ctx, data):
    """Fit the clusterer and save the id and every numeric column of its output: the grader picks the
    cluster column the saved clusterer declares (its predictionCol, whatever its name)."""
    from pyspark.sql.types import NumericType

    model = _pipeline(ctx, "clusterer").fit(data)
    out = model.transform(data)
    numeric = [f.name for f in out.schema.fields if isinstance(f.dataType, NumericType) and f.name != "id"]
    ctx.save_dataframe(out.select("id", *(F.col(f"`{c}`") for c in numeric)))
    return model


def centers(ctx):
    """cluster_centers(model): one list of four numbers (original units) per cluster."""
    model = ctx.resolve("@clusters")
    ctx.save_value(ctx.student("cluster_centers")(model))
