"""Hidden checks of assignment 03 (run by the grader on saved artifacts; not shipped to students)."""

from pathlib import Path

from autograder.checks import sdk
from autograder.checks.sdk import Param
from autograder.results import CheckResult


@sdk.takes(*sdk.PIPELINE_PARAMS)
def wiring(ctx, check):
    """Every stage reads columns that exist or that an earlier stage wrote (a SQLTransformer's columns as
    Spark's analysis of its statement gives them), every column a stage writes is read by a later one (the
    imputed measurements feed the assembler, not the raw ones), no stage instance is used twice, and no
    path leads from a target column to the features."""
    result = ctx.public_judges().structure(ctx, check, extra={"wiring": True, "all_used": True})
    if result.status.value == "passed":
        return CheckResult.passed("every stage reads existing columns and every output is used; the target "
                                  "never reaches the features")
    return result


def no_leakage_score_requests(ctx, check):
    """The returned model transforms test_df in a fresh process (test_out must be its output)."""
    return ctx.public_judges().trace_requests(ctx, check)


def no_leakage(ctx, check):
    """Everything the fitted model learnt comes from train_df: no canary category in any StringIndexerModel,
    every learnt statistic identical whether the test rows were canaries or harmless rows, and identical to
    what the pipeline learns when the grader fits it on the training rows itself; and test_out is that
    model's own transform of test_df (the grader's fresh process gives the same features)."""
    saved = ctx.value(check.tasks[-1])
    problems = []
    untraced = ctx.public_judges().untraced(ctx, strict=False)
    if untraced:
        problems.append(untraced)
    if saved.get("not_train"):
        problems.append("what the returned model learnt differs from what pipeline.fit(train_df) learns "
                        f"({', '.join(saved['not_train'][:4])}): it was not fitted on the training rows")
    if saved["canary_labels"]:
        problems.append(f"the fitted StringIndexerModel knows {', '.join(saved['canary_labels'])}, which occur "
                        "only in the test rows")
    if saved["differences"]:
        problems.append(f"what the model learnt changed with the test rows ({', '.join(saved['differences'][:4])})")
    if not saved["stages_compared"]:
        problems.append("the fitted model has no estimator stages to compare")
    if problems:
        return CheckResult.failed("; ".join(problems) + ": fit on train_df (all of it, nothing else), then "
                                  "transform both")
    return CheckResult.passed(f"fitted on the training rows only ({len(saved['stages_compared'])} fitted stages "
                              "identical with canary or harmless test rows)")


# ---- unseen rows the students never saw: eras and words computed here -------------------------------

def _constants(ctx) -> dict:
    """ERA_SPLITS and TRIM_WORDS as the stub module defines them (read without importing it)."""
    import ast

    tree = ast.parse((Path(ctx.spec.path) / ctx.spec.module).read_text(encoding="utf-8"))
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name == "TRIM_WORDS":
                found[name] = ast.literal_eval(node.value)
            elif name == "ERA_SPLITS":
                found[name] = [float(ast.literal_eval(e.args[0] if isinstance(e, ast.Call) else e))
                               for e in node.value.elts]        # float("-inf") or a number
    return found


def english_stop_words() -> set[str]:
    """Spark's default English stop words, read from the spark-mllib jar (no JVM needed)."""
    import zipfile

    import pyspark

    jars = sorted((Path(pyspark.__file__).parent / "jars").glob("spark-mllib_*.jar"))
    if not jars:
        raise FileNotFoundError("no spark-mllib jar next to pyspark: cannot read the default stop words")
    with zipfile.ZipFile(jars[0]) as jar:
        text = jar.read("org/apache/spark/ml/feature/stopwords/english.txt").decode("utf-8")
    return {w.strip() for w in text.splitlines() if w.strip()}


def expected_unseen(ctx, rows) -> list[dict]:
    """Era (training median for a missing year) and cleaned words of each hidden row."""
    import bisect
    import re

    import pandas as pd

    consts = _constants(ctx)
    splits, stop = consts["ERA_SPLITS"], english_stop_words() | set(consts["TRIM_WORDS"])
    median = float(pd.read_parquet(ctx.data.train, columns=["year"])["year"].median())
    out = []
    for r in rows:
        year = float(r["year"]) if r["year"] is not None else median
        era = float(bisect.bisect_right(splits, year) - 1)
        tokens = [t for t in re.split(r"[^a-z0-9]+", (r["name"] or "").lower()) if t]
        out.append({"id": r["id"], "era": era, "words": [t for t in tokens if t not in stop]})
    return out


@sdk.takes(Param("fixture", str, "the hidden fixture (hidden/fixtures/<name>.json)", required=True),
           Param("vector_size", int, "the size every features vector must have", required=True))
def unseen_hidden(ctx, check):
    """The fitted model on hidden rows: every row, a full-length non-null features vector without NaN, and
    the era and words computed here."""
    from autograder.checks.dataframe import holds_nan, vector_values
    from autograder.checks.fixtures import hidden_fixture, judge_rows

    rows = hidden_fixture(ctx, check.params["fixture"])
    frame = ctx.frame(check.tasks[0])
    size = int(check.params["vector_size"])
    sizes = [None if v is None else len(vector_values(v)) for v in frame["features"]]
    if len(frame) != len(rows) or any(s != size for s in sizes):
        return CheckResult.failed(f"{len(frame)} rows out of {len(rows)}, features sizes {sorted(set(map(str, sizes)))}; "
                                  f"expected every row with a {size}-long vector",
                                  hint="StringIndexer(handleInvalid='keep'), impute before bucketizing, tokenize name_text")
    if (nan := sum(map(holds_nan, frame["features"]))):
        return CheckResult.failed(f"the features vector holds NaN in {nan} of {len(frame)} rows",
                                  hint="assemble the imputed measurements (the *_imp columns), never the raw ones")
    return judge_rows(ctx, check, expected_unseen(ctx, rows), tolerance=1e-9)
