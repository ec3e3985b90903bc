"""The fresh scoring process of the live checks (its own side; the kernel's side is
:mod:`autograder.live.fresh`): the student's objects recreated from their pickle in ``__main__``, then each
request scored with the harness's own helpers (:mod:`autograder.harness.scorer`).

Requests that load the same saved folder with Spark's reader share one load, and the loads run side by
side in threads (Spark runs a process's jobs concurrently): a persistence check loads one model two or
three ways; the requests are then scored side by side too. A standby process (:func:`standby_main`) warms
itself up before its job comes: it saves, loads and scores a small model of its own, so the classes
and code paths a persistence check uses are loaded and compiled while the student works."""

from __future__ import annotations

import os
import pickle
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from autograder.engine.shared_files import read_metadata_locally
from autograder.harness.artifacts import read_json, write_json, write_predictions
from autograder.harness.scorer import column_metadata, load_model, model_facts, request_rows, student_loaded_model
from autograder.live.tracebacks import first_line
from autograder.spark import SparkOptions, build_session
from autograder.submission import LoadedSubmission

MAX_THREADS = 4
WARM_UP_ROUNDS = 3
WARM_UP_GROUP = "sparkgrade-warm-up"


def fresh_session():
    """This process's own local SparkSession. A saved stage's metadata is read straight from its one JSON
    file where Spark wrote it plainly (else Spark reads it): one query fewer per stage of a loaded
    pipeline (:func:`autograder.engine.shared_files.read_metadata_locally`)."""
    spark = build_session(SparkOptions(app_name="sparkgrade-fresh-process"))
    read_metadata_locally()
    return spark


def warm_up(spark, stop: threading.Event) -> float:
    """Fit, save, load and score a small pipeline of the grader's own (nothing of the student's), so that
    the first real load finds Spark's ML readers, writers and query paths already loaded and compiled;
    the seconds it took. It gives way as soon as ``stop`` is set (its running job is cancelled by
    :func:`standby_main`). A failure here only means a colder first check."""
    from pyspark.ml import Pipeline, PipelineModel
    from pyspark.ml.classification import LogisticRegression
    from pyspark.ml.feature import OneHotEncoder, StandardScaler, StringIndexer, VectorAssembler

    t0 = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="sparkgrade-warm-up-"))
    model, rows = folder / "model", folder / "rows"

    def fit_and_save() -> None:
        frame = spark.createDataFrame([(i, float(i % 7), "abc"[i % 3], float(i % 2)) for i in range(40)],
                                      "id long, x double, c string, label double")
        stages: list = [StringIndexer(inputCol="c", outputCol="c_i"),
                        OneHotEncoder(inputCols=["c_i"], outputCols=["c_v"]),
                        VectorAssembler(inputCols=["x", "c_v"], outputCol="raw"),
                        StandardScaler(inputCol="raw", outputCol="features"), LogisticRegression(maxIter=5)]
        Pipeline(stages=stages).fit(frame).write().overwrite().save(str(model))
        frame.write.parquet(str(rows))

    def load_and_score() -> None:
        loaded, _ = load_model(model, spark)
        write_predictions(loaded.transform(spark.read.parquet(str(rows))), folder / "predictions", "id")
        PipelineModel.load(str(model))

    try:
        spark.sparkContext.setJobGroup(WARM_UP_GROUP, "warming up", interruptOnCancel=True)
        # each round's load is faster: the JVM compiles what it repeats
        for step in [fit_and_save] + [load_and_score] * WARM_UP_ROUNDS:
            if stop.is_set():
                break
            step()
    except Exception:  # noqa: BLE001 - warming up is an optimisation only (and is cancelled when a job comes)
        pass
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return time.monotonic() - t0


def standby_main() -> None:
    """Standby side: start the session and warm up, until one job path comes on standard input (none:
    exit); the warm-up then gives way to the job."""
    spark = fresh_session()
    stop = threading.Event()
    warming = threading.Thread(target=warm_up, args=(spark, stop), daemon=True)
    warming.start()
    line = sys.stdin.readline().strip()
    if not line:
        os._exit(0)
    stop.set()                      # the warm-up starts no further step, and its running job is cancelled
    spark.sparkContext.cancelJobGroup(WARM_UP_GROUP)
    score_main(line, spark)


def _load_key(request: dict) -> tuple:
    """Requests with the same key load one model once: Spark's reader on the same folder, the same way.
    A request with the student's loader, or a probe, is always its own."""
    if request.get("loader") or request.get("probe"):
        return ("own", id(request))
    return ("reader", request["model"], request.get("fit"), request.get("where"), request.get("fit_params"))


def _outcome(out: Path, status: str, message: str, t0: float) -> None:
    write_json(out / "outcome.json", {"status": status, "message": message,
                                      "seconds": round(time.monotonic() - t0, 3)})


def _load_group(requests: list[dict], spark, loaded: LoadedSubmission, problem: str):
    """The group's model and its facts, loaded once (Spark's reader or the student's loader); the exception
    instead when it cannot be loaded."""
    first = requests[0]
    try:
        if problem:
            raise RuntimeError(problem)
        if first.get("probe"):
            raise RuntimeError("this check starts your code in processes of the grader's own and is graded "
                               "only when you submit")
        if first.get("loader"):
            model = student_loaded_model(loaded, first["loader"], Path(first["model"]))
            return model, model_facts(model)
        return load_model(Path(first["model"]), spark, first.get("fit"), first.get("where"), first.get("fit_params"))
    except BaseException as exc:  # noqa: BLE001 - recorded for the judge
        return exc


def _score_one(request: dict, loaded_model, spark, loaded: LoadedSubmission, id_col: str, t0: float) -> None:
    """One request scored with its group's model (or the group's load failure recorded)."""
    out = Path(request["out"])
    out.mkdir(parents=True, exist_ok=True)
    if isinstance(loaded_model, BaseException):
        _outcome(out, "raised", first_line(loaded_model), t0)
        return
    model, facts = loaded_model
    try:
        write_json(out / "model.json", facts)
        scored = model.transform(request_rows(spark, request, loaded))
        if request.get("metadata_of"):
            write_json(out / "column_metadata.json", column_metadata(scored, request["metadata_of"]))
        write_predictions(scored, out / "predictions", id_col)
        status, message = "ok", ""
    except BaseException as exc:  # noqa: BLE001 - recorded for the judge
        status, message = "raised", first_line(exc)
    _outcome(out, status, message, t0)


def score_main(job_path: str, spark=None) -> None:
    """The student's objects into ``__main__`` (where the saved metadata names their classes), then every
    request: load the model (Spark's reader or the student's loader), predict, write Parquet."""
    job = read_json(Path(job_path))
    spark = spark or fresh_session()
    main = sys.modules["__main__"]
    main.__dict__["spark"] = spark

    class Unpickler(pickle.Unpickler):
        def persistent_load(self, pid):
            return spark if pid == "spark" else None

    problem = ""
    try:
        with open(job["objects"], "rb") as fh:
            main.__dict__.update(Unpickler(fh).load())
    except Exception as exc:  # noqa: BLE001 - reported per request
        problem = f"your code could not be recreated in a fresh process ({first_line(exc)})"
    loaded = LoadedSubmission(main)
    groups: dict[tuple, list[dict]] = {}
    for request in job["requests"]:
        groups.setdefault(_load_key(request), []).append(request)
    t0 = time.monotonic()
    # every model loaded once, side by side; then every request scored side by side
    with ThreadPoolExecutor(max_workers=max(1, min(MAX_THREADS, len(job["requests"])))) as pool:
        models = list(pool.map(lambda group: _load_group(group, spark, loaded, problem), groups.values()))
        scorings = [pool.submit(_score_one, request, model, spark, loaded, job["id_col"], t0)
                    for model, group in zip(models, groups.values()) for request in group]
        for scoring in scorings:
            scoring.result()
    sys.stdout.flush()
    os._exit(0)
