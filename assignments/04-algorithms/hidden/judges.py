"""Hidden checks of assignment 04: scores on rows the students never see, and agreement with species."""

from autograder.checks import sdk
from autograder.checks.outputs import declared_outputs, missing_role, predictions
from autograder.checks.sdk import CheckResult, Param


def regression_rmse_score_requests(ctx, check):
    """Score the fitted regressor in a fresh process on the held-out features of the regression view
    (without `amount`, the column its target is computed from)."""
    return [ctx.model_request(check, check.tasks[0], ctx.data.view_features("regression"))]


@sdk.takes(Param("max", float, "the highest passing RMSE", required=True))
def regression_rmse(ctx, check):
    """RMSE of log10(amount) on the hidden test rows. The target is derived from `amount` in the hidden
    labels file (the regressor's held-out features never contain it)."""
    import numpy as np

    out = ctx.score_dir(check)
    outcome = ctx.scored(out)
    if outcome.get("status") != "ok":
        return CheckResult.failed(f"the fitted regressor could not score held-out rows after reloading: "
                                  f"{outcome.get('message') or outcome.get('status')}")
    id_col = ctx.spec.data.id_col
    model_dir = ctx.task_dir(check.tasks[0]) / "stage"
    scored = predictions(ctx, out, model_dir)          # the prediction column the saved model declares
    if "prediction" not in scored.columns:
        return CheckResult.failed(missing_role(declared_outputs(model_dir)))
    target = ctx.read_parquet(ctx.data.test_labels)[[id_col, "amount"]]
    joined = target.merge(scored[[id_col, "prediction"]], on=id_col, how="inner")
    rows, expected = len(joined), len(target)
    if rows < expected:
        return CheckResult.failed(f"the regressor returned predictions for {rows} of {expected} held-out rows",
                                  hint="impute missing values and use handleInvalid='keep' so every row is scored")
    error = joined["prediction"].to_numpy(dtype=float) - np.log10(joined["amount"].to_numpy(dtype=float))
    value = float(np.sqrt(np.mean(error ** 2)))
    limit = check.params["max"]
    if not value <= limit:
        return CheckResult.failed(f"RMSE of log10(amount) on {rows} held-out rows is {value:.4f}; at most {limit} "
                                  "is required")
    return CheckResult.passed(f"RMSE of log10(amount) on {rows} held-out rows is {value:.4f} (required <= {limit})")


@sdk.takes(Param("min", float, "the lowest passing purity", required=True))
def purity(ctx, check):
    """Share of penguins whose cluster's majority species is their own species, for a clustering with no
    more clusters than there are species: purity only rises with more clusters (one penguin per cluster is
    100% pure), so extra clusters would buy agreement the clusters do not have."""
    joined, problem = ctx.public_judges().assignments(ctx, check)
    if problem:
        return problem
    clusters, species = joined["prediction"].nunique(), joined["species"].nunique()
    if clusters > species:
        return CheckResult.failed(f"{clusters} clusters for {species} species: purity is only comparable with "
                                  f"at most one cluster per species", hint="KMeans(k=3): one cluster per species")
    counts = joined.groupby(["prediction", "species"]).size()
    majority = counts.groupby(level=0).max()
    value = float(majority.sum()) / float(counts.sum())
    if not value >= check.params["min"]:
        return CheckResult.failed(f"cluster purity against the species is {value:.3f} over {len(majority)} "
                                  f"clusters; at least {check.params['min']} is required",
                                  hint="standardise the measurements: body mass in grams dwarfs the others")
    return CheckResult.passed(f"cluster purity against the species is {value:.3f} over {len(majority)} clusters")


@sdk.takes(Param("fixture", str, "the hidden rows clustered", required=True),
           Param("min", float, "the lowest passing silhouette on them", required=True),
           Param("tolerance", float, "relative tolerance of the centres", required=True))
def clusters_hidden(ctx, check):
    """The clusterer fitted on hidden penguins (other ids, jittered measurements): the silhouette measured
    by the grader and cluster_centers() equal to each cluster's mean, both on those rows."""
    from dataclasses import replace

    public = ctx.public_judges()
    task = check.tasks[0]
    result = public.silhouette(ctx, check)                     # params.fixture names the hidden rows
    if result.status.value != "passed":
        return result
    centres = public.centers(ctx, replace(check, tasks=(task, task, *check.tasks[1:])))
    if centres.status.value != "passed":
        return centres
    return CheckResult.passed(f"{result.message}; {centres.message}")
