"""Harness tasks of assignment 06 (run in the sandboxed student process).

The batch, streaming and serving tasks all use the model the harness itself saved from
``train_model()`` (task ``model``), so that a broken ``export_model()`` costs only its own checks. Every
task only *runs* the student's code and saves what came out (plain JSON and Parquet written here); the
grader judges it against its own scoring of the saved model, in a separate process.

- ``batch``: ``spark-submit <submission> <input> <model> <output>`` for real (a fresh JVM), then
  ``score_batch()`` once more on the same paths (a rerun must leave the same output).
- ``stream_start`` (right after ``model``, so that its JVM starts while ``export`` and ``batch`` run) and
  ``stream``: ``start_stream()`` in a fresh process, fed Parquet files; once it has committed two
  micro-batches, more files arrive and the whole process is SIGKILLed while a batch is in flight; the
  query is then restarted from its checkpoint (``once=True``) in the student process and the sink is
  read back.
- ``serve``: ``create_app()`` served by uvicorn on 127.0.0.1 (a free port), sent valid and invalid
  requests over HTTP; the responses are saved as they came.
"""

import json
import os
import shutil
import sys
import threading
import time
from pathlib import Path

from autograder.harness.context import TaskFailed
from autograder.harness.processes import loopback_socket, secondary_options, spark_submit_command, wait_until

LABEL_COLUMNS = ("status", "label")
OUTPUT_COLUMNS = ("id", "prediction", "p_bad")
BATCH_TIMEOUT_S = 150.0       # spark-submit: a JVM start plus scoring ~3,600 rows took 12-20 s here
STREAM_FILES = 8              # the training rows, without labels, in 8 Parquet files of ~445 rows
STREAM_FIRST = 4              # files present when the stream starts; the rest arrive before the crash
STREAM_STARTUP_S = 90.0       # fresh process: JVM, model load and two micro-batches took 12-25 s here
IN_FLIGHT_WAIT_S = 20.0
RESTART_TIMEOUT_S = 90.0
SERVER_START_S = 30.0
REQUEST_TIMEOUT_S = 60.0
SERVED_ROWS = 20


def _model_path(ctx) -> str:
    path = ctx.artifact_dir.parent / "model" / "stage"
    if "model" not in ctx.results or not (path / "metadata").is_dir():
        raise TaskFailed("skipped: it needs the model returned by train_model(), which did not succeed")
    return str(path)


def _request_rows(ctx):
    """The public training rows without their labels, ordered by id (a pyarrow Table)."""
    import pyarrow.parquet as pq

    table = pq.read_table(ctx.data["train"]).sort_by(ctx.id_col)
    return table.select([c for c in table.column_names if c not in LABEL_COLUMNS])


def _read_scored(ctx, path: Path, what: str):
    """What a job wrote at ``path``, as (id, prediction, p_bad), read with the harness's own session."""
    from pyspark.sql import functions as F

    if not path.exists():
        raise TaskFailed(f"{what} wrote nothing at the output path it was given ({path.name})")
    try:
        df = ctx.spark.read.parquet(str(path))
        columns = df.columns
    except Exception as exc:  # noqa: BLE001 - reported to the student
        raise TaskFailed(f"{what} left no readable Parquet at the output path ({type(exc).__name__}: "
                         f"{str(exc).splitlines()[0][:200] if str(exc) else ''})") from None
    missing = [c for c in OUTPUT_COLUMNS if c not in columns]
    if missing:
        raise TaskFailed(f"{what} wrote the columns {columns}; expected {list(OUTPUT_COLUMNS)} (missing: "
                         f"{missing}); use the given score(model, df)")
    return df.select(*(F.col(c).cast("long" if c == "id" else "double").alias(c) for c in OUTPUT_COLUMNS))


# ---------------------------------------------------------------------------------------------- batch


def batch_job(ctx):
    """The batch job under spark-submit, then a rerun of score_batch() on the same paths."""
    import pyarrow.parquet as pq

    model = _model_path(ctx)
    source, output = ctx.artifact_dir / "input", ctx.artifact_dir / "scored"
    source.mkdir(parents=True, exist_ok=True)
    pq.write_table(_request_rows(ctx), source / "part-00000.parquet")
    submission = Path(ctx.submission.module.__file__)
    args = [str(source), model, str(output)]
    if submission.suffix == ".py":              # the module itself: its __main__ block must call main()
        command = spark_submit_command(submission, args)
    else:                                       # a notebook: load it, then call main(argv)
        import autograder.harness.entry as entry

        command = spark_submit_command(entry.__file__, ctx.submission_entry("main", args))
    shown = f"spark-submit {submission.name} <input> <model> <output>"
    proc = ctx.run_process(command, BATCH_TIMEOUT_S, log="spark-submit")
    if proc.returncode != 0:
        raise TaskFailed(f"`{shown}` exited with code {proc.returncode}: {proc.error()}")
    if not output.exists():
        raise TaskFailed(f"`{shown}` exited normally but wrote nothing at <output>; does your module end with "
                         "`if __name__ == \"__main__\": sys.exit(main(sys.argv[1:]))` and does main() call "
                         "score_batch()?")
    ctx.save_dataframe(_read_scored(ctx, output, f"`{shown}`"), "first")
    ctx.student("score_batch")(ctx.spark, str(source), model, str(output))
    ctx.save_dataframe(_read_scored(ctx, output, "score_batch() run a second time"), "second")


# ------------------------------------------------------------------------------------------ streaming


def stream_driver(module, argv):
    """Runs in the fresh streaming process (see autograder.harness.entry): start the student's query
    with a processing-time trigger and keep it running until the process is killed."""
    from autograder.spark import build_session

    spark = build_session(secondary_options("sparkgrade-stream"))     # sized for the box (autograder.box)
    query = module.start_stream(spark, *argv)
    if not hasattr(query, "awaitTermination"):
        raise TypeError(f"start_stream() should return the started StreamingQuery, got {type(query).__name__}")
    query.awaitTermination()
    return 0


def _batch_ids(folder: Path) -> list[int]:
    try:
        return sorted(int(p.name) for p in folder.iterdir() if p.name.isdigit())
    except OSError:
        return []


def _committed(checkpoint: Path) -> int:
    return len(_batch_ids(checkpoint / "commits"))


def _in_flight(checkpoint: Path) -> bool:
    """A micro-batch has been planned (offsets written) but not committed yet."""
    offsets, commits = _batch_ids(checkpoint / "offsets"), _batch_ids(checkpoint / "commits")
    return bool(offsets) and (not commits or offsets[-1] > commits[-1])


def _checkpoint_state(checkpoint: Path) -> dict:
    """The committed batch ids and the first micro-batch's offsets file: a restart that resumes from the
    checkpoint keeps both; one that clears the checkpoint (and scores everything again) does not."""
    try:
        first = (checkpoint / "offsets" / "0").read_text(encoding="utf-8", errors="replace")
    except OSError:
        first = None
    return {"commits": _batch_ids(checkpoint / "commits"), "first_offsets": first}


def _stream_folders(ctx) -> dict[str, Path]:
    base = ctx.artifact_dir.parent / "stream_start"
    return {n: base / n for n in ("incoming", "staging", "scored", "checkpoint")}


def _feed(rows, folders, i: int) -> None:
    """Stream file ``i`` of STREAM_FILES: written aside, then moved in, so that it appears whole."""
    import pyarrow.parquet as pq

    size = -(-rows.num_rows // STREAM_FILES)
    name = f"part-{i:02d}.parquet"
    pq.write_table(rows.slice(i * size, size), folders["staging"] / name)
    os.replace(folders["staging"] / name, folders["incoming"] / name)
    time.sleep(0.01)                            # distinct modification times: the source keeps their order


def stream_start(ctx):
    """The first STREAM_FIRST files, and start_stream() in a fresh process (left running: its JVM starts
    while the next tasks run; task `stream` crashes and restarts it)."""
    model = _model_path(ctx)
    folders = _stream_folders(ctx)
    for folder in folders.values():             # a fresh start, also when the harness re-runs this task
        shutil.rmtree(folder, ignore_errors=True)
    folders["incoming"].mkdir(parents=True)
    folders["staging"].mkdir(parents=True)
    rows = _request_rows(ctx)
    for i in range(STREAM_FIRST):
        _feed(rows, folders, i)
    args = [folders["incoming"], model, folders["scored"], folders["checkpoint"]]
    argv = [sys.executable, "-m", "autograder.harness.entry", *ctx.submission_entry("tasks:stream_driver", args)]
    return ctx.start_process(argv, log="stream-driver")


def stream(ctx):
    """The running stream gets the rest of the files and is SIGKILLed mid-batch, then restarted from its
    checkpoint in this process; what the sink holds afterwards is saved."""
    proc = ctx.results.get("stream_start")
    if proc is None:
        raise TaskFailed("skipped: the streaming process could not be started (see the task before)")
    model = _model_path(ctx)
    folders = _stream_folders(ctx)
    checkpoint, output = folders["checkpoint"], folders["scored"]
    rows = _request_rows(ctx)
    with proc:                                  # killed on every way out of this block
        wait_until(lambda: _committed(checkpoint) >= 2, STREAM_STARTUP_S, proc)
        progressed = _committed(checkpoint) >= 1
        if not proc.running():
            raise TaskFailed(f"start_stream(spark, input_dir, model_path, output_dir, checkpoint_dir) in a fresh "
                             f"process stopped by itself (exit code {proc.returncode}) instead of running until "
                             f"it was stopped: {proc.error()}")
        for i in range(STREAM_FIRST, STREAM_FILES):
            _feed(rows, folders, i)
        in_flight = wait_until(lambda: _in_flight(checkpoint), IN_FLIGHT_WAIT_S, proc) if progressed else False
        committed = _committed(checkpoint)
        proc.kill()                             # SIGKILL, JVM included: a crash, not a shutdown
    before = _checkpoint_state(checkpoint)
    query = ctx.student("start_stream")(ctx.spark, str(folders["incoming"]), model, str(output), str(checkpoint),
                                        once=True)
    if not hasattr(query, "awaitTermination"):
        raise TaskFailed(f"start_stream(..., once=True) should return the started StreamingQuery, got "
                         f"{type(query).__name__}")
    try:
        finished = query.awaitTermination(RESTART_TIMEOUT_S)
    except Exception as exc:  # noqa: BLE001 - the query failed: reported to the student
        raise TaskFailed(f"the restarted query failed: {type(exc).__name__}: "
                         f"{(str(exc).splitlines() or [''])[0][:300]}") from None
    if not finished:
        query.stop()
        raise TaskFailed(f"the restarted query (once=True) was still running after {RESTART_TIMEOUT_S:g} s; "
                         "use trigger(availableNow=True) so that it stops when the files are processed")
    ctx.save_dataframe(_read_scored(ctx, output, "the stream"))
    after = _checkpoint_state(checkpoint)
    resumed = (bool(before["commits"]) and before["first_offsets"] is not None
               and set(before["commits"]) <= set(after["commits"]) and after["first_offsets"] == before["first_offsets"])
    ctx.save_value({"files": STREAM_FILES, "rows": rows.num_rows, "progressed": progressed,
                    "committed_before_kill": committed, "in_flight_at_kill": in_flight, "resumed": resumed})


# ------------------------------------------------------------------------------------------- serving


def _json_rows(ctx) -> list[dict]:
    """SERVED_ROWS training rows (the first ones by id, and rows with missing values), as JSON objects."""
    rows = _request_rows(ctx).to_pylist()
    with_nulls = [r for r in rows if any(v is None for v in r.values())]
    chosen = rows[: SERVED_ROWS // 2] + with_nulls[: SERVED_ROWS - SERVED_ROWS // 2]
    return chosen


def _requests(rows: list[dict]) -> dict[str, bytes]:
    wrong_type = dict(rows[0], age="forty")
    missing = {k: v for k, v in rows[1].items() if k != "price"}
    return {
        "valid": json.dumps({"rows": rows}).encode(),
        "valid_one": json.dumps({"rows": rows[-1:]}).encode(),
        "wrong_type": json.dumps({"rows": [wrong_type]}).encode(),
        "missing_field": json.dumps({"rows": [missing]}).encode(),
        "empty": json.dumps({"rows": []}).encode(),
        "not_json": b'{"rows": [{"id": 1,',
    }


def serve(ctx):
    """create_app(model_path) served by uvicorn on 127.0.0.1; valid and invalid requests over HTTP."""
    try:
        import httpx
        import uvicorn
    except ImportError as exc:
        raise TaskFailed(f"serving needs fastapi, uvicorn and httpx ({exc}); install them with "
                         "`pip install fastapi uvicorn httpx`") from None
    model = _model_path(ctx)
    app = ctx.student("create_app")(model)
    if not callable(app):
        raise TaskFailed(f"create_app() should return the FastAPI app, got {type(app).__name__}")
    sock = loopback_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="auto"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name="sparkgrade-server")
    thread.start()
    try:
        wait_until(lambda: server.started or not thread.is_alive(), SERVER_START_S)
        if not server.started:
            raise TaskFailed(f"the app returned by create_app() did not start serving within {SERVER_START_S:g} s")
        rows = _json_rows(ctx)
        exchanges = {"rows": rows}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=REQUEST_TIMEOUT_S) as client:
            for name, body in _requests(rows).items():
                try:
                    response = client.post("/predict", content=body, headers={"content-type": "application/json"})
                except httpx.HTTPError as exc:
                    exchanges[name] = {"status": None, "body": f"{type(exc).__name__}: {exc}"[:2000]}
                    continue
                exchanges[name] = {"status": response.status_code, "body": response.text[:20000]}
        ctx.save_value(exchanges)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
