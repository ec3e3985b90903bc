"""Assignment-specific checks of assignment 03 (run by the grader on saved artifacts).

`structure` is the built-in "pipeline" check (`autograder.checks.pipeline`), called with this
assignment's params (type, stages, contains, params, wiring, not_features); the hidden wiring check
calls it too, with wiring on.

`traced_schema` and `traced_values` judge the `test_out` that fit_and_transform() returned like the
built-in "schema" and "values" kinds, once the grader has seen that it is the returned model's own output:
the model, as saved when the call ended, transforms the same test rows in a fresh process that never
imported the submission, and its `features` must equal test_out's row by row.
"""

import dataclasses
import json
import math
from pathlib import Path

from autograder.checks import sdk
from autograder.checks.dataframe import judge_schema, judge_values, vector_values
from autograder.spec.kinds import SCHEMA_PARAMS, VALUES_PARAMS
from autograder.checks.fixtures import fixture_rows
from autograder.checks.sdk import ScoreRequest
from autograder.results import CheckResult

PIPELINE_TASK = "pipeline"          # saves the unfitted Pipeline build_feature_pipeline() returned
FIT_TASK = "fit"                    # saves the model fit_and_transform() returned
TEST_OUT_TASK = "unseen"            # saves the test_out it returned (the canary rows transformed)
TEST_ROWS = "unseen_cars"           # the fixture given to fit_and_transform() as test_df
TRACE = "test_out-trace"            # the scoring folder shared by every check that needs the trace
ARROW_TYPES = {"long": "int64", "bigint": "int64", "int": "int32", "integer": "int32", "double": "float64",
               "float": "float32", "string": "string", "boolean": "bool_"}


@sdk.takes(*sdk.PIPELINE_PARAMS)
def structure(ctx, check, extra=None):
    """Check the saved Pipeline against ``check.params`` exactly like the built-in "pipeline" kind."""
    return sdk.judge_pipeline(ctx, check, **(extra or {}))


def fixture_parquet(ctx, name):
    """The public fixture ``name`` as a Parquet file in the grader's work folder (types from its DDL), so
    that a scoring request can transform exactly the rows the task gave the submission."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    spec = json.loads((ctx.spec.path / "fixtures" / f"{name}.json").read_text(encoding="utf-8"))
    fields = [part.strip().split() for part in spec["schema"].split(",")]
    columns = {col: pa.array([row[i] for row in spec["rows"]], type=getattr(pa, ARROW_TYPES[kind.lower()])())
               for i, (col, kind) in enumerate(fields)}
    path = ctx.scores.parent / "grader-data" / f"{name}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns), path)
    return path


def trace_requests(ctx, check):
    """The returned model (saved by task 'fit') transforms the test rows in a fresh process."""
    return [ScoreRequest(model=ctx.task_dir(FIT_TASK) / "stage", data=fixture_parquet(ctx, TEST_ROWS),
                         out=ctx.scores / TRACE)]


def _same(a, b, tol=1e-9):
    if a is None or b is None:
        return a is None and b is None
    if len(a) != len(b):
        return False
    return all((math.isnan(x) and math.isnan(y)) or abs(x - y) <= tol * max(1.0, abs(x), abs(y))
               for x, y in zip(map(float, a), map(float, b)))


def untraced(ctx, strict: bool = True):
    """Why test_out is not the returned model's transform of test_df ('' if it is). A model that cannot
    transform test_df at all is a problem only when ``strict``: the leakage check leaves that crash to the
    checks of the unseen rows, which judge it, and judges only what the model learnt."""
    out = ctx.scores / TRACE
    outcome = ctx.scored(out)
    if outcome.get("status") != "ok":
        if not strict:
            return ""
        return ("the model fit_and_transform() returned, reloaded in a fresh process, could not transform "
                f"test_df: {outcome.get('message') or outcome.get('status')}")
    scored = ctx.read_parquet(out / "predictions")
    test_out = ctx.frame(TEST_OUT_TASK)
    id_col = ctx.spec.data.id_col
    if "features" not in scored.columns:
        return "the returned model, reloaded in a fresh process, writes no 'features' column"
    want = {int(i): vector_values(v) for i, v in zip(scored[id_col], scored["features"])}
    got = {int(i): vector_values(v) for i, v in zip(test_out[id_col], test_out["features"])}
    if set(got) != set(want):
        return (f"test_out has the rows {sorted(got)}, but the returned model transforms test_df into the rows "
                f"{sorted(want)}")
    wrong = [i for i in sorted(want) if not _same(list(got[i]) if got[i] is not None else None,
                                                   list(want[i]) if want[i] is not None else None)]
    if wrong:
        return (f"test_out's features differ from what the returned model gives test_df on {len(wrong)} of "
                f"{len(want)} rows (id {wrong[0]}): test_out must be model.transform(test_df) with that model")
    return ""


def learnt_categories(ctx, model_dir: Path) -> set[str]:
    """Every category the saved model's StringIndexerModels learnt, read from the files Spark saved (no
    model is loaded)."""
    found = set()
    for meta in model_dir.rglob("metadata/part-*"):
        try:
            cls = json.loads(meta.read_text(encoding="utf-8").splitlines()[0]).get("class", "")
        except (OSError, ValueError, IndexError):
            continue
        if cls.endswith("StringIndexerModel") and (meta.parent.parent / "data").is_dir():
            frame = ctx.read_parquet(meta.parent.parent / "data")
            for column in ("labelsArray", "labels"):
                for value in frame.get(column, []):
                    found |= {str(v) for v in _flat(value)}
    return found


def _as_category(value) -> str:
    """A value as StringIndexer names it (an integral number without its '.0')."""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def test_only_values(ctx) -> set[str]:
    """Values of the test rows given to fit_and_transform() that no training row has, column by column."""
    rows = fixture_rows(Path(ctx.spec.path) / "fixtures" / f"{TEST_ROWS}.json")
    train = ctx.read_parquet(ctx.data.train)
    found = set()
    for column in {k for row in rows for k in row} & set(train.columns) - {ctx.spec.data.id_col}:
        known = {_as_category(v) for v in train[column].dropna()}
        found |= {_as_category(row[column]) for row in rows if row.get(column) is not None} - known
    return found


def _flat(value):
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        for v in (value.tolist() if hasattr(value, "tolist") else value):
            yield from _flat(v)
    elif value is not None:
        yield value


def leaked_categories(ctx) -> list[str]:
    """The categories the returned model learnt that only the test rows have (a fit that saw test_df): each
    is one more slot in the features vector. Judged by the leakage check; the size checks allow for them."""
    return sorted(learnt_categories(ctx, ctx.task_dir(FIT_TASK) / "stage") & test_only_values(ctx))


TRACE_HINT = "return (model, model.transform(train_df), model.transform(test_df))"


def _traced(ctx, check, judge):
    """``judge`` on test_out, once test_out is the returned model's own transform of test_df."""
    problem = untraced(ctx)
    return CheckResult.failed(problem, hint=TRACE_HINT) if problem else judge(ctx, check)


traced_schema_score_requests = traced_values_score_requests = trace_requests


ASKED_HASH_FEATURES = 64            # HashingTF.numFeatures as the prompt (and q1_params) asks


def hashed_size(model_dir: Path) -> int | None:
    """numFeatures of the HashingTF saved under ``model_dir``, read from Spark's metadata files (None if the
    folder holds none)."""
    for meta in sorted(model_dir.rglob("metadata/part-*")):
        try:
            saved = json.loads(meta.read_text(encoding="utf-8").splitlines()[0])
        except (OSError, ValueError, IndexError):
            continue
        if saved.get("class", "").endswith("HashingTF"):
            value = saved.get("paramMap", {}).get("numFeatures", saved.get("defaultParamMap", {}).get("numFeatures"))
            return int(value) if isinstance(value, (int, float)) else None
    return None


def charged_slots(ctx, leaks: bool = True) -> tuple[int, list[str]]:
    """How much longer (or shorter) than asked the features vector is because of mistakes other checks
    charge, and why: categories only the test rows have (a leak: q2_no_leakage) and another
    HashingTF.numFeatures (q1_params). The size checks allow for them, so one mistake costs its own check.
    ``leaks``: whether the vectors judged come from the model fit_and_transform() returned."""
    extra, why = 0, []
    leaked = leaked_categories(ctx) if leaks else []
    if leaked:
        extra += len(leaked)
        why.append(f"the model learnt {', '.join(leaked)}, which only the test rows have; the leakage check judges that")
    hashed = next((n for task in (PIPELINE_TASK, FIT_TASK) if (n := hashed_size(ctx.task_dir(task) / "stage"))), None)
    if hashed is not None and hashed != ASKED_HASH_FEATURES:
        extra += hashed - ASKED_HASH_FEATURES
        why.append(f"HashingTF.numFeatures is {hashed}, not {ASKED_HASH_FEATURES}; q1_params judges that")
    return extra, why


def _allowing_charged(ctx, check, judge, leaks: bool = True):
    """``judge`` with the sizes asked for adjusted by :func:`charged_slots`; the message then says why."""
    extra, why = charged_slots(ctx, leaks) if check.params.get("vector_size") else (0, [])
    if not why:
        return judge(ctx, check)
    sizes = {col: size + extra for col, size in dict(check.params["vector_size"]).items()}
    result = judge(ctx, dataclasses.replace(check, params={**check.params, "vector_size": sizes}))
    return dataclasses.replace(result, message=f"{result.message} (vectors of {extra:+d} slots: {'; '.join(why)})")


@sdk.takes(*SCHEMA_PARAMS)
def traced_schema(ctx, check):
    """The "schema" check on test_out, once test_out is the returned model's own transform of test_df,
    allowing for what other checks charge (:func:`charged_slots`)."""
    return _allowing_charged(ctx, check, lambda c, k: _traced(c, k, judge_schema))


@sdk.takes(*SCHEMA_PARAMS)
def charged_schema(ctx, check):
    """The "schema" check on train_out, allowing for what other checks charge (:func:`charged_slots`)."""
    return _allowing_charged(ctx, check, judge_schema)


@sdk.takes(*SCHEMA_PARAMS)
def scaled_schema(ctx, check):
    """The "schema" check on the scaled run (its test rows are the resample's own, so a leak changes nothing
    there), allowing for another HashingTF.numFeatures (q1_params)."""
    return _allowing_charged(ctx, check, judge_schema, leaks=False)


@sdk.takes(*VALUES_PARAMS)
def traced_values(ctx, check):
    """The "values" check on test_out, once test_out is the returned model's own transform of test_df."""
    return _traced(ctx, check, judge_values)
