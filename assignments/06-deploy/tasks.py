"""Harness tasks and scoring probes of assignment 06.

The batch job, the stream and the service all use the model the harness itself saved from
``train_model()`` (task ``model``), so that a broken ``export_model()`` costs only its own checks. What
they produce is judged against the grader's own scoring of the saved model, in the scoring process.

- Task ``batch`` (student process): ``spark-submit <submission> <input> <model> <output>`` for real (a
  fresh JVM), then ``score_batch()`` once more on the same paths (a rerun must leave the same output).
- Probe ``stream_probe`` (scoring process, which never imports the submission): ``start_stream()`` in a
  fresh process (:mod:`autograder.harness.entry`), fed Parquet files; once its sink has grown, more files
  arrive and the process is SIGKILLed the moment the sink grows again (right after a micro-batch wrote
  its files, before it could record that it did); a second fresh process restarts the query with
  ``once=True``; the probe reads the sink with its own session.
- Probe ``serve_probe`` (scoring process): ``create_app()`` served by uvicorn in a fresh process on a
  listening socket the probe made; the probe sends valid (in a shuffled order) and invalid requests over
  HTTP from its own process and keeps the answers as they came.
"""

import json
import os
import sys
import time
from pathlib import Path

from autograder.harness.context import TaskFailed
from autograder.harness.artifacts import write_json
from autograder.harness.processes import (ProbeFailed, ProcessTimeout, loopback_socket, secondary_options, spark_submit_command,
                                          start, wait_until)

LABEL_COLUMNS = ("status", "label")
OUTPUT_COLUMNS = ("id", "prediction", "p_bad")
BATCH_TIMEOUT_S = 150.0       # spark-submit: a JVM start plus scoring ~3,600 rows took 12-20 s here
STREAM_FILES = 8              # the training rows, without labels, in 8 Parquet files of ~445 rows
STREAM_FIRST = 4              # files present when the stream starts; the rest arrive before the crash
STREAM_STARTUP_S = 90.0       # fresh process: JVM, model load and a first micro-batch took 12-25 s here
GROWTH_WAIT_S = 45.0          # files that arrive while the query runs must reach the sink within this
SINK_POLL_S = 0.002           # how often the probe looks at the sink while it waits to kill
RESTART_TIMEOUT_S = 90.0
SERVER_START_S = 60.0         # fresh process: JVM and model load, then uvicorn
REQUEST_TIMEOUT_S = 60.0
SERVED_ROWS = 20
SHUFFLE_SEED = 6              # the valid rows are sent in this seeded shuffled order


def given_model(ctx):
    """Where train_model() did not succeed, the given build_pipeline() fitted here on the training rows and
    saved: the batch job, the stream and the service are then judged with it, so that a missing or broken
    train_model() costs Q1's checks only. Saves nothing when train_model() succeeded."""
    if "model" in ctx.results:
        return
    deployers = ("score_batch", "main", "start_stream", "create_app")
    if not any(_written(ctx, name) for name in deployers):
        raise TaskFailed(f"skipped: train_model() did not succeed and none of {', '.join(deployers)} is written yet")
    ctx.save_stage(ctx.student("build_pipeline")().fit(ctx.dataframe("train")))


def _written(ctx, name: str) -> bool:
    """Whether the submission defines ``name`` with a body of its own (not the handout's stub, which only
    raises NotImplementedError)."""
    try:
        code = getattr(ctx.student(name), "__code__", None)
    except TaskFailed:
        return False
    return code is None or code.co_names != ("NotImplementedError",)


def _model_path(ctx) -> str:
    """The deployed model: train_model()'s, else the one given_model() fitted."""
    for task in ("model", "given_model"):
        path = ctx.artifact_dir.parent / task / "stage"
        if task in ctx.results and (path / "metadata").is_dir():
            return str(path)
    raise TaskFailed("skipped: neither train_model() nor the given build_pipeline() gave a model")


def request_rows(path, id_col: str):
    """The public training rows at ``path`` without their labels, ordered by id (a pyarrow Table)."""
    import pyarrow.parquet as pq

    table = pq.read_table(path).sort_by(id_col)
    return table.select([c for c in table.column_names if c not in LABEL_COLUMNS])


def _request_rows(ctx):
    return request_rows(ctx.data["train"], ctx.id_col)


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
# Probes run in the scoring process: the submission runs only in the processes they start (entry points),
# and what they judge (the sink's rows, a server's answers) is read here with the probe's own code.


def _entry(job, target: str, args) -> list[str]:
    """argv of a fresh process that loads the submission and calls ``target`` of this file (entry.py)."""
    return [sys.executable, "-m", "autograder.harness.entry", str(job.submission), job.module_name,
            f"{Path(__file__).resolve()}:{target}", *map(str, args)]


def stream_driver(module, argv):
    """Runs in a fresh streaming process: start the student's query (``argv[4] == "once"``: with
    once=True, until it stops by itself) on the other arguments and wait on it."""
    from autograder.spark import build_session

    spark = build_session(secondary_options("sparkgrade-stream"))     # sized for the box (autograder.box)
    once = argv[4:] == ["once"]
    query = module.start_stream(spark, *argv[:4], once=once)
    if not hasattr(query, "awaitTermination"):
        raise TypeError(f"start_stream() should return the started StreamingQuery, got {type(query).__name__}")
    if once and not query.awaitTermination(RESTART_TIMEOUT_S):
        print(f"the restarted query (once=True) was still running after {RESTART_TIMEOUT_S:g} s; use "
              "trigger(availableNow=True) so that it stops when the files are processed", file=sys.stderr)
        return 3
    query.awaitTermination()
    return 0


def sink_files(sink: Path) -> frozenset[str]:
    """The data files in the sink folder (paths relative to it; folders and files whose name starts with
    ``_`` or ``.``, such as ``_spark_metadata`` and ``_temporary``, left out)."""
    found, stack = [], [sink]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith(("_", ".")):
                continue
            if entry.is_dir(follow_symlinks=False):
                stack.append(Path(entry.path))
            elif entry.name.endswith(".parquet"):
                found.append(os.path.relpath(entry.path, sink))
    return frozenset(found)


def checkpoint_logs(folder: Path) -> dict[str, int]:
    """Every streaming checkpoint under ``folder`` (a folder holding an ``offsets`` log), relative to it, with
    the highest batch id its offsets log names (-1 when it names none yet)."""
    found = {}
    for offsets in sorted(folder.rglob("offsets")):
        if not offsets.is_dir():
            continue
        ids = [int(f.name) for f in offsets.iterdir() if f.name.isdigit()]
        found[str(offsets.parent.relative_to(folder))] = max(ids, default=-1)
    return found


def _feed(rows, folders, i: int) -> None:
    """Stream file ``i`` of STREAM_FILES: written aside, then moved in, so that it appears whole."""
    import pyarrow.parquet as pq

    size = -(-rows.num_rows // STREAM_FILES)
    name = f"part-{i:02d}.parquet"
    pq.write_table(rows.slice(i * size, size), folders["staging"] / name)
    os.replace(folders["staging"] / name, folders["incoming"] / name)
    time.sleep(0.01)                            # distinct modification times: the source keeps their order


def stream_probe(spark, job, request, out: Path) -> None:
    """start_stream() in a fresh process, fed files, SIGKILLed the moment its sink grows after more files
    arrived; restarted with once=True in another fresh process; the sink read back with this process's
    session into ``out/predictions`` and what was seen into ``out/observed.json``."""
    import tempfile

    from pyspark.sql import functions as F

    work = Path(tempfile.mkdtemp(prefix="stream-"))
    folders = {n: work / n for n in ("incoming", "staging", "scored", "checkpoint")}
    folders["incoming"].mkdir()
    folders["staging"].mkdir()
    sink = folders["scored"]
    rows = request_rows(request["data"], job.id_col)
    for i in range(STREAM_FIRST):
        _feed(rows, folders, i)
    args = [folders["incoming"], request["model"], sink, folders["checkpoint"]]
    with start(_entry(job, "stream_driver", args), out / "stream.log", cwd=work) as proc:
        wrote = wait_until(lambda: bool(sink_files(sink)), STREAM_STARTUP_S, proc)
        if not wrote:
            if not proc.running():
                raise ProbeFailed(f"start_stream(spark, input_dir, model_path, output_dir, checkpoint_dir) in a fresh "
                                  f"process stopped by itself (exit code {proc.returncode}) before it wrote anything "
                                  f"to output_dir: {proc.error()}")
            raise ProbeFailed(f"the query started by start_stream() wrote nothing to output_dir within "
                              f"{STREAM_STARTUP_S:g} s although {STREAM_FIRST} files were waiting in input_dir")
        first = sink_files(sink)                # a later write means the batch that wrote these is done
        wait_until(lambda: sink_files(sink) != first, GROWTH_WAIT_S, proc)
        before = sink_files(sink)
        for i in range(STREAM_FIRST, STREAM_FILES):
            _feed(rows, folders, i)
        grew = wait_until(lambda: sink_files(sink) != before, GROWTH_WAIT_S, proc, poll_s=SINK_POLL_S)
        proc.kill()                             # SIGKILL, JVM included: a crash, not a shutdown
        if not grew:
            raise ProbeFailed(f"the query started by start_stream() wrote nothing more to output_dir within "
                              f"{GROWTH_WAIT_S:g} s while files kept arriving in input_dir (exit code "
                              f"{proc.returncode}): {proc.error()}")
    at_kill = sink_files(sink)
    checkpoints_at_kill = checkpoint_logs(folders["checkpoint"])
    with start(_entry(job, "stream_driver", [*args, "once"]), out / "restart.log", cwd=work) as restart:
        try:
            code = restart.wait(RESTART_TIMEOUT_S + 60)
        except ProcessTimeout as exc:
            raise ProbeFailed(f"the restarted query (start_stream(..., once=True) in a fresh process) {exc}") from None
        if code != 0:
            raise ProbeFailed(f"the restarted query (start_stream(..., once=True) in a fresh process) ended with "
                              f"exit code {code}: {restart.error()}")
    try:
        scored = spark.read.parquet(str(sink))
        scored = scored.select(*(F.col(c).cast("long" if c == "id" else "double").alias(c) for c in OUTPUT_COLUMNS))
        scored.write.mode("overwrite").parquet(str(out / "predictions"))
    except Exception as exc:  # noqa: BLE001 - reported to the student
        raise ProbeFailed(f"output_dir holds no readable Parquet with the columns {list(OUTPUT_COLUMNS)} after the "
                          f"restart ({type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:200]})") from None
    write_json(out / "observed.json", {"files": STREAM_FILES, "rows": rows.num_rows,
                                      "files_at_kill": len(at_kill),
                                      "restart_rows": file_rows(sink, sink_files(sink) - at_kill),
                                      "checkpoints_at_kill": checkpoints_at_kill,
                                      "checkpoints_after": checkpoint_logs(folders["checkpoint"])})


def file_rows(sink: Path, files) -> int:
    """Rows in these data files of the sink, from their Parquet footers (an unreadable file counts 0)."""
    import pyarrow.parquet as pq

    total = 0
    for name in files:
        try:
            total += pq.read_metadata(sink / name).num_rows
        except (OSError, ValueError):
            continue
    return total


# ------------------------------------------------------------------------------------------- serving


def serve_driver(module, argv):
    """Runs in a fresh serving process: create_app(argv[0]) served by uvicorn on the listening socket
    whose file descriptor is argv[1] (made and passed by the probe)."""
    import socket

    import uvicorn

    from autograder.spark import build_session

    build_session(secondary_options("sparkgrade-serve"))     # the session the app's getOrCreate() finds
    app = module.create_app(argv[0])
    if not callable(app):
        raise TypeError(f"create_app() should return the FastAPI app, got {type(app).__name__}")
    sock = socket.socket(fileno=int(argv[1]))
    uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="auto")).run(sockets=[sock])
    return 0


def served_rows(rows) -> list[dict]:
    """SERVED_ROWS training rows (the first ones by id, and rows with missing values), as JSON objects, in a
    seeded shuffled order (a service that sorts its answer by id does not keep the request's order)."""
    import random

    rows = rows.to_pylist()
    with_nulls = [r for r in rows if any(v is None for v in r.values())]
    chosen = rows[: SERVED_ROWS // 2] + with_nulls[: SERVED_ROWS - SERVED_ROWS // 2]
    random.Random(SHUFFLE_SEED).shuffle(chosen)
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


def _answers(client) -> bool:
    """Whether anything answers HTTP on the server's socket yet."""
    import httpx

    try:
        client.get("/", timeout=2.0)
        return True
    except httpx.HTTPError:
        return False


def serve_probe(spark, job, request, out: Path) -> None:
    """create_app(model_path) served in a fresh process; valid and invalid requests sent from this process
    over HTTP; the answers saved as they came in ``out/observed.json``, with how many times the saved model's
    files were read while the app served them (the grader's own watch: it must have loaded it before)."""
    import httpx

    from autograder.sandbox.reads import ReadWatch, WatchUnavailable

    sock = loopback_socket()
    port = sock.getsockname()[1]
    try:
        proc = start(_entry(job, "serve_driver", [request["model"], sock.fileno()]), out / "server.log",
                     cwd=out, pass_fds=(sock.fileno(),))
    finally:
        sock.close()                            # the server holds its own copy
    with proc, httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=REQUEST_TIMEOUT_S) as client:
        if not wait_until(lambda: _answers(client), SERVER_START_S, proc, poll_s=0.2):
            if not proc.running():
                raise ProbeFailed(f"serving create_app(model_path) in a fresh process ended (exit code "
                                  f"{proc.returncode}) before it answered any HTTP request: {proc.error()}")
            raise ProbeFailed(f"the app returned by create_app() did not answer HTTP within {SERVER_START_S:g} s: "
                              f"{proc.error()}")
        rows = served_rows(request_rows(request["data"], job.id_col))
        exchanges: dict = {"rows": rows}
        try:    # the app is up: from here on, reading the saved model again means loading it per request
            watch = ReadWatch(Path(request["model"])).start()
        except WatchUnavailable as exc:
            watch, exchanges["model_watch"] = None, str(exc)
        try:
            for name, body in _requests(rows).items():
                try:
                    response = client.post("/predict", content=body, headers={"content-type": "application/json"})
                except httpx.HTTPError as exc:
                    exchanges[name] = {"status": None, "body": f"{type(exc).__name__}: {exc}"[:2000]}
                    continue
                exchanges[name] = {"status": response.status_code, "body": response.text[:20000]}
        finally:
            if watch is not None:
                exchanges["model_reads_while_serving"] = sum(watch.stop().values())
    write_json(out / "observed.json", exchanges)
