"""Hidden checks of assignment 01 (run by the grader on saved values; not shipped to students)."""

from autograder.results import CheckResult


def lazy(ctx, check):
    """prepare_features() ran no Spark job: it only built a plan (measured with a job group)."""
    jobs = ctx.value(check.tasks[0])["jobs"]
    if jobs:
        return CheckResult.failed(f"prepare_features() started {jobs} Spark job(s); it must only describe "
                                  "the computation (transformations such as filter/select/withColumn) and "
                                  "leave actions (count, collect, show, toPandas, first) to the caller")
    return CheckResult.passed("no Spark job ran inside prepare_features()")


def colocated(ctx, check):
    """Every value of the key lives in exactly one partition (hash partitioning by the key)."""
    saved = ctx.value(check.tasks[0])
    split = saved["split_keys"]
    if split:
        return CheckResult.failed(f"rows with the same key are spread over several partitions for "
                                  f"{len(split)} key value(s) ({', '.join(split[:5])}); partition by the column")
    return CheckResult.passed("every key value is in a single partition")
