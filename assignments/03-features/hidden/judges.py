"""Hidden checks of assignment 03 (run by the grader on saved artifacts; not shipped to students)."""

from pathlib import Path

from autograder.checks import sdk
from autograder.checks.dataframe import vector_values
from autograder.checks.sdk import Param, ScoreRequest
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


UNFITTED_TASK = "pipeline"          # saves what build_feature_pipeline() returns, unfitted, as Spark wrote it
REFIT = {"test": "leakage-refit-test", "train": "leakage-refit-train"}
RETURNED_ON_TRAIN = "leakage-returned-train"


def no_leakage_score_requests(ctx, check):
    """In a fresh process that never imports the submission: the returned model on test_df (the trace) and on
    the training rows, and the unfitted pipeline build_feature_pipeline() returns (as Spark saved it) fitted
    there on the training rows by the grader, on the same rows."""
    public = ctx.public_judges()
    returned = ctx.task_dir(public.FIT_TASK) / "stage"
    unfitted = ctx.task_dir(UNFITTED_TASK) / "stage"
    train, test = ctx.data.train, public.fixture_parquet(ctx, public.TEST_ROWS)
    return public.trace_requests(ctx, check) + [
        ScoreRequest(model=returned, data=train, out=ctx.scores / RETURNED_ON_TRAIN),
        ScoreRequest(model=unfitted, data=test, out=ctx.scores / REFIT["test"], fit=train),
        ScoreRequest(model=unfitted, data=train, out=ctx.scores / REFIT["train"], fit=train)]


def _features(ctx, folder: str) -> tuple[dict | None, str]:
    """{id: features} a scoring request wrote, or why there are none."""
    out = ctx.scores / folder
    outcome = ctx.scored(out)
    if outcome.get("status") != "ok":
        return None, str(outcome.get("message") or outcome.get("status"))
    frame = ctx.read_parquet(out / "predictions")
    if "features" not in frame.columns:
        return None, "no 'features' column"
    id_col = ctx.spec.data.id_col
    return {int(i): vector_values(v) for i, v in zip(frame[id_col], frame["features"])}, ""


def _first_difference(returned: dict, refit: dict, same) -> str:
    """'' when both give every row the same features (``same``: the public judges' vector comparison);
    else where they first differ."""
    if set(returned) != set(refit):
        return f"rows {sorted(set(returned) ^ set(refit))[:5]} are not in both"
    wrong = next((i for i in sorted(returned) if not same(returned[i], refit[i])), None)
    return f"row id {wrong}" if wrong is not None else ""


def no_leakage(ctx, check):
    """Everything the fitted model learnt comes from train_df, as the grader observes it: the returned model
    gives the test rows and the training rows exactly the features the grader's own fit of the unfitted
    pipeline on the training rows gives them (a fit that saw the test rows, a subset of train or rows of its
    own learns other categories, surrogates, scales or weights); and test_out is that model's own
    transform of test_df. Both fits are scored in a process that never imported the submission."""
    public = ctx.public_judges()
    problems = []
    untraced = public.untraced(ctx, strict=False)
    if untraced:
        problems.append(untraced)
    compared, skipped = [], []
    for rows, returned_folder in (("test_df", public.TRACE), ("train_df", RETURNED_ON_TRAIN)):
        returned, why = _features(ctx, returned_folder)
        if returned is None:
            skipped.append(rows)    # a model that cannot transform its rows is judged by the unseen-rows checks
            continue
        refit, why = _features(ctx, REFIT["test" if rows == "test_df" else "train"])
        if refit is None:       # the pipeline cannot take the raw training rows: judged by the unseen-rows checks
            skipped.append(rows)
            break
        compared.append(rows)
        where = _first_difference(returned, refit, public._same)
        if where:
            problems.append(f"the returned model transforms {rows} differently from the same pipeline fitted on "
                            f"train_df alone ({where}): it learnt from other rows than the training rows")
    canaries = public.leaked_categories(ctx)
    if canaries:
        problems.append(f"the fitted StringIndexerModel knows {', '.join(canaries)}, which occur only in the test rows")
    if problems:
        return CheckResult.failed("; ".join(problems) + ": fit on train_df (all of it, nothing else), then "
                                  "transform both")
    if not compared:
        return CheckResult.passed("the returned model learnt no test-row category (it could not transform the rows "
                                  "to compare: the unseen-rows checks judge that)")
    also = (f"; it could not transform {' or '.join(skipped)}, which the unseen-rows checks judge" if skipped else "")
    return CheckResult.passed(f"the returned model learnt no test-row category and transforms {' and '.join(compared)} "
                              f"as the pipeline fitted on the training rows alone does{also}")


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


def median_years(years) -> set[float]:
    """Every year a correct median imputation may fill in: pandas' exact median and each training year whose
    rank is within the relative error of Spark's approximate quantile (Imputer: ``relativeError`` 0.001),
    which picks a year that occurs in the data (the lower middle one where pandas averages two)."""
    import math

    ordered = sorted(float(y) for y in years)
    n = len(ordered)
    if not n:
        return set()
    exact = (ordered[(n - 1) // 2] + ordered[n // 2]) / 2
    low = max(0, math.ceil((0.5 - 0.001) * n) - 1)
    high = min(n - 1, math.ceil((0.5 + 0.001) * n) - 1)
    return {exact, *ordered[low:high + 1]}


def expected_unseen(ctx, rows, answered=None) -> list[dict]:
    """Era (training median for a missing year) and cleaned words of each hidden row. ``answered`` (id -> era
    the submission gave) settles a missing year's era where the exact and Spark's approximate median fall in
    different eras: either is correct."""
    import bisect
    import re

    import pandas as pd

    consts = _constants(ctx)
    splits, stop = consts["ERA_SPLITS"], english_stop_words() | set(consts["TRIM_WORDS"])
    years = pd.read_parquet(ctx.data.train, columns=["year"])["year"].dropna()
    median = float(years.median())

    def era_of(year: float) -> float:
        return float(bisect.bisect_right(splits, year) - 1)

    allowed = {era_of(y) for y in median_years(years)}
    out = []
    for r in rows:
        era = era_of(float(r["year"]) if r["year"] is not None else median)
        if r["year"] is None and (answered or {}).get(r["id"]) in allowed:
            era = answered[r["id"]]
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
    # a model that also learnt the test rows' own categories (the leakage check) or hashes into another
    # number of features (q1_params) has other sizes: those checks judge that, not this one
    size = int(check.params["vector_size"]) + ctx.public_judges().charged_slots(ctx)[0]
    sizes = [None if v is None else len(vector_values(v)) for v in frame["features"]]
    if len(frame) != len(rows) or any(s != size for s in sizes):
        return CheckResult.failed(f"{len(frame)} rows out of {len(rows)}, features sizes {sorted(set(map(str, sizes)))}; "
                                  f"expected every row with a {size}-long vector",
                                  hint="StringIndexer(handleInvalid='keep'), impute before bucketizing, tokenize name_text")
    if (nan := sum(map(holds_nan, frame["features"]))):
        return CheckResult.failed(f"the features vector holds NaN in {nan} of {len(frame)} rows",
                                  hint="assemble the imputed measurements (the *_imp columns), never the raw ones")
    answered = ({i: e for i, e in zip(frame["id"], frame["era"]) if isinstance(e, (int, float))}
                if {"id", "era"} <= set(frame.columns) else {})
    return judge_rows(ctx, check, expected_unseen(ctx, rows, answered), tolerance=1e-9)
