"""Hidden checks of assignment 01 (run by the grader on saved values; not shipped to students)."""

from autograder.checks import sdk
from autograder.checks.fixtures import hidden_fixture, judge_rows, judge_value
from autograder.checks.sdk import Param
from autograder.results import Cause, CheckResult


def lazy(ctx, check):
    """prepare_features() ran no Spark job over its input: the grader's kernel watch saw no read of the
    watched copy of the training rows, from before the submission was loaded to after its last task."""
    reads = ctx.watched_reads
    if reads is None:
        return CheckResult.error("the grader could not watch file reads on this platform (Linux inotify is "
                                 "needed), so whether prepare_features() runs a Spark job was not observed",
                                 cause=Cause.GRADER_INFRASTRUCTURE)
    if reads:
        return CheckResult.failed("the data given to prepare_features() was read while your submission ran "
                                  f"({reads} file reads): a Spark job ran over it. prepare_features() must only "
                                  "describe the computation (filter, select, withColumn) and leave actions "
                                  "(count, collect, show, toPandas, first) to the caller")
    return CheckResult.passed("prepare_features() only described the computation: its input was never read")


def colocated(ctx, check):
    """Every value of the key lives in exactly one partition (hash partitioning by the key), read from the
    files Spark wrote, one per partition."""
    split = ctx.public_judges().split_keys(ctx, check)
    if split:
        return CheckResult.failed(f"rows with the same key are spread over several partitions for "
                                  f"{len(split)} key value(s) ({', '.join(split[:5])}); partition by the column")
    return CheckResult.passed("every key value is in a single partition")


# ---- counterparts of the public value checks, on hidden fixtures; expectations computed here ----------

def _tasks(ctx):
    from autograder.harness.context import load_tasks_module

    return load_tasks_module(ctx.spec.path)


def _credit(ctx):
    """The hidden credit-like rows as a pandas DataFrame."""
    import pandas as pd

    return pd.DataFrame(hidden_fixture(ctx, _tasks(ctx).HIDDEN_CREDIT))


def configure(ctx, check):
    """configure_session(new_session, n) with the hidden n: returned n, the session uses n partitions, the root
    session is untouched (from the partitions Spark used)."""
    n = int(hidden_fixture(ctx, "configure_hidden")[0]["partitions"])
    return ctx.public_judges().configure_verdict(ctx, check, n)


def labeled_points(ctx, check):
    """labeled_points_to_df on hidden points (size 7): types, labels, values and dense/sparse kinds."""
    from autograder.checks.dataframe import type_name

    rows = hidden_fixture(ctx, "labeled_points_hidden")
    fields = {f["name"]: type_name(f["type"]) for f in ctx.schema(check.tasks[0])["fields"]}
    want = {"id": "long", "label": "double", "features": "vector"}
    wrong = {c: fields.get(c) for c, t in want.items() if fields.get(c) != t}
    if wrong:
        return CheckResult.failed(f"column types {wrong}; expected {want}")

    def dense(r):
        if not r["sparse"]:
            return [float(v) for v in r["values"]]
        out = [0.0] * r["size"]
        for i, v in zip(r["indices"], r["values"]):
            out[i] = float(v)
        return out

    kinds = ["pyspark.ml.linalg." + ("SparseVector" if r["sparse"] else "DenseVector")
             for r in sorted(rows, key=lambda r: r["id"])]
    got_kinds = ctx.value(check.tasks[0])
    if got_kinds != kinds:
        return CheckResult.failed(f"vector classes {got_kinds}; expected {kinds}",
                                  hint="Vector.asML() keeps dense vectors dense and sparse vectors sparse")
    expected = [{"id": r["id"], "label": float(r["label"]), "features": dense(r)} for r in rows]
    return judge_rows(ctx, check, expected, tolerance=1e-12)


def sparse(ctx, check):
    """to_sparse on hidden values: [size, indices, values] of the non-zero entries."""
    values = [float(v) for v in hidden_fixture(ctx, "sparse_values_hidden")[0]["values"]]
    nz = [i for i, v in enumerate(values) if v != 0]
    return judge_value(ctx, check, [len(values), nz, [values[i] for i in nz]], tolerance=1e-12)


def assemble(ctx, check):
    """assemble_features on hidden rows: each row kept, inputs in the order given, nulls as NaN."""
    cols = _tasks(ctx).HIDDEN_ASSEMBLE_COLS
    rows = hidden_fixture(ctx, "assemble_cases_hidden")
    expected = [{"id": r["id"], "features": [None if r[c] is None else float(r[c]) for c in cols]} for r in rows]
    return judge_rows(ctx, check, expected, tolerance=1e-12)


@sdk.takes(Param("tolerance", float, "relative tolerance of the comparison", default=1e-6))
def pearson(ctx, check):
    """correlation_matrix(rows, CORR_COLS, "pearson") on the hidden rows, computed with pandas."""
    cols = _tasks(ctx).CORR_COLS
    matrix = _credit(ctx)[cols].astype(float).dropna().corr(method="pearson").to_numpy().tolist()
    return judge_value(ctx, check, matrix, tolerance=float(check.params["tolerance"]))


@sdk.takes(Param("tolerance", float, "relative tolerance of the comparison", default=1e-6))
def summary(ctx, check):
    """column_summary(rows, SUMMARY_COLS) on the hidden rows: mean, sample std, min, max, count."""
    cols = _tasks(ctx).SUMMARY_COLS
    complete = _credit(ctx)[cols].astype(float).dropna()
    expected = [complete.mean().tolist(), complete.std(ddof=1).tolist(), complete.min().tolist(),
                complete.max().tolist(), int(len(complete))]
    return judge_value(ctx, check, expected, tolerance=float(check.params["tolerance"]))


def prepare(ctx, check):
    """prepare_features on the hidden rows: exactly the rows with a known income, ratio and difference."""
    expected = [{"id": r["id"], "label": r["label"], "loan_to_value": r["amount"] / r["price"],
                 "disposable": float(r["income"] - r["expenses"])}
                for r in hidden_fixture(ctx, _tasks(ctx).HIDDEN_CREDIT) if r["income"] is not None]
    return judge_rows(ctx, check, expected, tolerance=1e-9)
