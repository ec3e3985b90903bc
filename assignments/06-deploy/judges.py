"""Assignment-specific checks of assignment 06 (run by the grader on saved artifacts, with pandas).

What the student's jobs wrote is compared with the grader's own scoring of the saved model on the same
rows (the public training rows without labels), made in the scoring process: the student's code never
gets to say what the right answer is.
"""

import json
from pathlib import Path

from autograder.checks import sdk
from autograder.checks.outputs import declared_outputs, missing_role, predictions
from autograder.checks.sdk import CheckResult, Param, ScoreRequest, flatten
from autograder.harness.artifacts import read_json, stage_metadata

SCORES = "saved-model-on-train"
COLUMNS = ("id", "prediction", "p_bad")
ARROW_TO_SPARK = {"int64": "long", "int32": "integer", "int16": "short", "int8": "byte", "double": "double",
                  "float": "float", "string": "string", "large_string": "string", "bool": "boolean"}


# ------------------------------------------------------------------------------- reference predictions


def deployed(ctx) -> tuple[Path, str]:
    """(the saved model the batch job, the stream and the service are judged with, how to name it): the one
    train_model() returned when its task succeeded (as the grader observed it), else the given
    build_pipeline() that task given_model fitted."""
    if ctx.outcome("model").get("status") == "ok":
        return ctx.task_dir("model") / "stage", "the model from train_model()"
    return (ctx.task_dir("given_model") / "stage",
            "the given build_pipeline() fitted on the training rows (train_model() did not succeed)")


def reference_requests(ctx, check):
    """One request shared by every check that needs it (identical requests are scored once)."""
    return [ScoreRequest(model=deployed(ctx)[0], data=ctx.data.train, out=ctx.scores / SCORES)]


def reference(ctx):
    """(frame of id, prediction, p_bad from the saved model scored by the grader, problem or None).

    The model's own columns are the ones its classifier declares (``predictionCol``, ``probabilityCol``):
    the prompt fixes only the outputs' names (``id``, ``prediction``, ``p_bad``)."""
    out = ctx.scores / SCORES
    outcome = ctx.scored(out)
    model_dir, named = deployed(ctx)
    if outcome.get("status") != "ok":
        return None, CheckResult.failed(f"{named} could not be loaded and scored in a fresh "
                                        f"process: {outcome.get('message') or outcome.get('status')}")
    frame = predictions(ctx, out, model_dir)
    for role in ("prediction", "probability"):
        if role not in frame.columns:
            return None, CheckResult.failed(f"{missing_role(declared_outputs(model_dir), role)} ({named}, scored "
                                            "by the grader)")
    frame["p_bad"] = [float(v[1]) if v is not None and len(v) > 1 else float("nan") for v in frame["probability"]]
    return frame.rename(columns={ctx.spec.data.id_col: "id"})[list(COLUMNS)].set_index("id"), None


def compare(got, expected, tolerance: float, what: str) -> str:
    """Why ``got`` (id, prediction, p_bad) is not exactly one correct row per expected id ('' if it is)."""
    missing_cols = [c for c in COLUMNS if c not in got.columns]
    if missing_cols:
        return f"{what} has no column(s) {missing_cols}"
    ids = got["id"]
    dupes = ids[ids.duplicated()].unique()
    if len(dupes):
        return (f"{what} has {len(got)} rows for {ids.nunique()} distinct ids: {len(dupes)} ids appear more than "
                f"once (e.g. id {int(dupes[0])}, {int((ids == dupes[0]).sum())} times)")
    wanted = set(expected.index)
    missing, extra = sorted(wanted - set(ids)), sorted(set(ids) - wanted)
    if missing or extra:
        parts = ([f"{len(missing)} of the {len(wanted)} input rows have no score (e.g. id {missing[0]})"] if missing
                 else []) + ([f"{len(extra)} ids were not in the input (e.g. id {extra[0]})"] if extra else [])
        return f"{what}: " + "; ".join(parts)
    joined = got.set_index("id").join(expected, rsuffix="_expected")
    wrong = joined[joined["prediction"] != joined["prediction_expected"]]
    if len(wrong):
        i = wrong.index[0]
        return (f"{what}: 'prediction' differs from the saved model's on {len(wrong)} rows (id {i}: "
                f"{wrong.loc[i, 'prediction']} instead of {wrong.loc[i, 'prediction_expected']})")
    gap = (joined["p_bad"] - joined["p_bad_expected"]).abs()
    off = joined[~(gap <= tolerance)]
    if len(off):
        i = off.index[0]
        return (f"{what}: 'p_bad' differs from the saved model's probability of class 1 on {len(off)} rows "
                f"(id {i}: {off.loc[i, 'p_bad']} instead of {off.loc[i, 'p_bad_expected']:.6f})")
    return ""


def judge_outputs(ctx, check, outputs):
    """The shape of the judges below: what the student's jobs wrote against the saved model's own scoring.

    ``outputs(ctx, check, expected)`` yields, in order, comparisons ``(frame, expected rows, what)`` (a
    fourth item is added to the failure message) and finally a CheckResult, the verdict; a CheckResult
    yielded earlier fails the check at once. The first comparison that differs (:func:`compare`, within
    ``params.tolerance``) fails it."""
    expected, problem = reference(ctx)
    if problem:
        return problem
    tolerance = float(check.params["tolerance"])
    for item in outputs(ctx, check, expected):
        if isinstance(item, CheckResult):
            return item
        got, rows, what, *note = item
        why = compare(got, rows, tolerance, what)
        if why:
            return CheckResult.failed(why + "".join(note))
    raise AssertionError("outputs() ended without a verdict")


# ------------------------------------------------------------------------------------------------- q1


def _schema_fields(value):
    if not isinstance(value, dict) or value.get("type") != "struct" or not isinstance(value.get("fields"), list):
        return None
    fields = []
    for f in value["fields"]:
        if not isinstance(f, dict) or not isinstance(f.get("name"), str):
            return None
        fields.append((f["name"], f.get("type")))
    return fields


@sdk.takes(Param("labels", list, "the label columns input_schema must leave out", items=str, required=True))
def metadata(ctx, check):
    """metadata.json beside the model: Spark version and stages as saved, input schema as in the data."""
    import pyarrow.parquet as pq

    bundle = ctx.task_dir("export") / "bundle"
    try:
        meta = read_json(bundle / "metadata.json")
    except FileNotFoundError:
        return CheckResult.failed("export_dir/metadata.json was not written")
    except (OSError, ValueError) as exc:
        return CheckResult.failed(f"export_dir/metadata.json is not readable JSON ({exc})")
    if not isinstance(meta, dict):
        return CheckResult.failed(f"metadata.json holds a {type(meta).__name__}; expected a JSON object")
    missing = [k for k in ("spark_version", "stages", "input_schema") if k not in meta]
    if missing:
        return CheckResult.failed(f"metadata.json has no {', '.join(missing)} (keys found: {sorted(meta)})")
    try:
        saved = stage_metadata(bundle / "model")
        _, stages = flatten(bundle / "model")
    except (OSError, ValueError) as exc:
        return CheckResult.failed(f"no saved model to compare the metadata with at export_dir/model ({exc})")
    if meta["spark_version"] != saved.get("sparkVersion"):
        return CheckResult.failed(f"spark_version is {meta['spark_version']!r}, but the model was saved by Spark "
                                  f"{saved.get('sparkVersion')!r}")
    names = [s.name for s in stages]
    if meta["stages"] != names:
        return CheckResult.failed(f"stages is {json.dumps(meta['stages'])[:300]}; the saved model's stages are "
                                  f"{json.dumps(names)}")
    labels = set(check.params["labels"])
    expected = [(f.name, ARROW_TO_SPARK.get(str(f.type), str(f.type)))
                for f in pq.read_schema(ctx.data.train) if f.name not in labels]
    got = _schema_fields(meta["input_schema"])
    if got is None:
        return CheckResult.failed("input_schema is not a Spark schema as StructType.jsonValue() gives it "
                                  "({\"type\": \"struct\", \"fields\": [{\"name\": ..., \"type\": ...}, ...]})")
    if got != expected:
        extra = [n for n, _ in got if n not in dict(expected)]
        absent = [n for n, _ in expected if n not in dict(got)]
        typed = [f"{n}: {t} (expected {dict(expected)[n]})" for n, t in got if n in dict(expected)
                 and t != dict(expected)[n]]
        detail = "; ".join(filter(None, [f"unexpected columns {extra}" if extra else "",
                                          f"missing columns {absent}" if absent else "",
                                          f"wrong types {typed}" if typed else ""])) or "the column order differs"
        return CheckResult.failed(f"input_schema does not describe the rows the model scores: {detail}")
    return CheckResult.passed(f"Spark {meta['spark_version']}, {len(names)} stages and {len(expected)} input "
                              "columns, as saved")


# ------------------------------------------------------------------------------------------------- q2


def _batch_outputs(ctx, check, expected):
    got = ctx.frame(check.tasks[0], "first")
    yield got, expected, "the spark-submit job's output"
    yield CheckResult.passed(f"spark-submit scored {len(got)} rows, each once, like the saved model")


@sdk.takes(Param("tolerance", float, "largest gap between a prediction and the grader's own scoring", required=True))
def batch(ctx, check):
    """The spark-submit run's output: one row per input row, scored exactly like the saved model."""
    return judge_outputs(ctx, check, _batch_outputs)


# ------------------------------------------------------------------------------------------------- q3


STREAM_PROBE, SERVE_PROBE = "stream-probe", "serve-probe"


def probe_request(ctx, out: str, probe: str) -> ScoreRequest:
    """A probe of tasks.py run by the scoring process on the saved model and the public rows (one request
    shared by the checks that read it)."""
    return ScoreRequest(model=deployed(ctx)[0], data=ctx.data.train, out=ctx.scores / out, probe=f"tasks:{probe}")


def observed(ctx, out: str, what: str):
    """(what a probe saw, None) or (None, the failed CheckResult saying why it saw nothing)."""
    outcome = ctx.scored(ctx.scores / out)
    if outcome.get("status") != "ok":
        return None, CheckResult.failed(f"{what}: {outcome.get('message') or outcome.get('status')}")
    return read_json(ctx.scores / out / "observed.json"), None


def _exactly_once_outputs(ctx, check, expected):
    run, problem = observed(ctx, STREAM_PROBE, "the stream")
    if problem:
        yield problem
    got = ctx.read_parquet(ctx.scores / STREAM_PROBE / "predictions")
    crash = (f"killed right after a micro-batch wrote, with {run.get('files_at_kill')} data files in output_dir, "
             "then restarted")
    yield got, expected, f"the stream's output ({crash})"
    before, after = run.get("checkpoints_at_kill"), run.get("checkpoints_after")
    if before is not None and not before:
        yield CheckResult.failed("the query kept no checkpoint in checkpoint_dir (no offsets log under it when it "
                                 "was killed), so a restart cannot know what was done: "
                                 "writeStream.option('checkpointLocation', checkpoint_dir)")
    fresh = sorted(set(after or {}) - set(before or {}))
    if before and fresh:
        where = ", ".join("checkpoint_dir" if f == "." else f"checkpoint_dir/{f}" for f in fresh)
        yield CheckResult.failed(f"the restarted query did not resume from its checkpoint: it started a new one "
                                 f"({where}) instead of the one the first run kept; the output was exactly once "
                                 "only because the sink skips batch numbers it has written. Use checkpoint_dir "
                                 "itself (the same folder every run) as checkpointLocation")
    if run.get("restart_rows", 0) >= run.get("rows", 0):
        yield CheckResult.failed(f"the restarted query did not resume from checkpoint_dir: it wrote "
                                 f"{run.get('restart_rows')} rows for the {run.get('rows')} input rows, so every file "
                                 "was scored again although earlier micro-batches had finished before the crash; "
                                 "restart on the same checkpoint and sink instead of clearing them")
    yield CheckResult.passed(f"{len(got)} rows from {run.get('files')} files, each exactly once ({crash} from the "
                             "checkpoint)")


def exactly_once_score_requests(ctx, check):
    return reference_requests(ctx, check) + [probe_request(ctx, STREAM_PROBE, "stream_probe")]


@sdk.takes(Param("tolerance", float, "largest gap between a prediction and the grader's own scoring", required=True))
def exactly_once(ctx, check):
    """The sink after a SIGKILL right after a micro-batch wrote, and a restart: every input row exactly once,
    correctly scored, and the sink's earlier files kept (observed by the scoring process)."""
    return judge_outputs(ctx, check, _exactly_once_outputs)


# ------------------------------------------------------------------------------------------------- q4


def _served_outputs(ctx, check, expected):
    import pandas as pd

    exchanges, problem = observed(ctx, SERVE_PROBE, "serving create_app(model_path)")
    if problem:
        yield problem
    rows = exchanges["rows"]
    for name, sent in (("valid", rows), ("valid_one", rows[-1:])):
        reply = exchanges.get(name) or {}
        what = f"POST /predict with {len(sent)} valid row{'s' if len(sent) != 1 else ''}"
        if reply.get("status") != 200:
            yield CheckResult.failed(f"{what} answered {reply.get('status')}: {str(reply.get('body'))[:300]}")
        try:
            predictions = json.loads(reply["body"])["predictions"]
            got = pd.DataFrame([{c: p[c] for c in COLUMNS} for p in predictions])
        except (ValueError, KeyError, TypeError) as exc:
            yield CheckResult.failed(f"{what} answered {str(reply.get('body'))[:200]!r}; expected "
                                     f"{{\"predictions\": [{{\"id\": ..., \"prediction\": ..., \"p_bad\": ...}}, ...]}} "
                                     f"({type(exc).__name__}: {exc})")
        order = [r["id"] for r in sent]
        if list(got["id"]) != order:
            yield CheckResult.failed(f"{what} answered ids {list(got['id'])[:10]}; expected one per row in the "
                                     f"request's order {order[:10]}")
        yield got.astype({"prediction": float, "p_bad": float}), expected.loc[order], what
    if "model_reads_while_serving" not in exchanges:
        yield CheckResult.error(f"the grader could not watch the saved model's files while the app served: "
                                f"{exchanges.get('model_watch', 'no record')}")
    reads = exchanges["model_reads_while_serving"]
    if reads:
        yield CheckResult.failed(f"the app read the saved model's files again while it served the requests ({reads} "
                                 "file events, watched by the grader): load the model once, in create_app(), "
                                 "and keep it for every request")
    yield CheckResult.passed(f"{len(rows)} rows (and a single row) scored over HTTP like the saved model, which "
                             "was loaded once, when the app was created")


@sdk.takes(Param("tolerance", float, "largest gap between a prediction and the grader's own scoring", required=True))
def served(ctx, check):
    """POST /predict on valid rows: 200, one prediction per row in request order, equal to the saved model's."""
    return judge_outputs(ctx, check, _served_outputs)


def served_score_requests(ctx, check):
    return reference_requests(ctx, check) + [probe_request(ctx, SERVE_PROBE, "serve_probe")]


# Every check of this assignment compares with the same scoring of the saved model.
batch_score_requests = reference_requests
