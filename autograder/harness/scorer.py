"""Scoring phase, child side: ``python -m autograder.harness.scorer <job.json>`` (the grader's driver is
:mod:`autograder.harness.scoring_phase`).

A scoring job has one of two roles. The **grader** role never imports the submission: it loads saved
models from disk with Spark's own readers (a tuning model: only its best model; an unfitted estimator is
fitted first on the rows the grader names), writes their predictions on the requested data as Parquet,
and writes the facts the checks judge from the saved files. The **submission** role runs, in a process of
its own before that one, only what needs the submission's code (:func:`submission_model`,
:func:`run_submission_part`): its ``preprocess`` function, its loader, and a model's leading stages up to
its last stage of the submission's own classes; the grader role then runs every stage after those, on the rows that part left
(:func:`score_given`). So no score is computed in a process the submission's code ran in, whatever that
code patches there. A probe request runs an assignment's ``tasks.py`` function instead, which starts the
submission in processes of its own and records what it observes of them (a server's answers over HTTP,
a stream's sink across kills it times). Requests are run one at a time as the grader orders them, each
under its own time limit.
The data given here never carries labels: held-out requests get a copy of the hidden *features* only, and
their error messages never quote the data (only the exception type and Spark's error condition). Ends
with ``os._exit`` like the student phase.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
import time
from pathlib import Path

from autograder.harness.artifacts import HarnessError, read_json, stage_metadata, write_json, write_predictions
from autograder.harness.child_runtime import (LazySession, TaskTimeout, alive, arm, disarm, finish,
                                              handout_names, harness_error, jvm_broken, limit_python_memory,
                                              memory_message, pickle_by_value, revive, stop_running_work)
from autograder.harness.jobs import REQUEST_TIMEOUT_S, ScoringJob
from autograder.harness.processes import ProbeFailed, keep_secondary_conf, one_jvm_at_a_time
from autograder.harness.saved_models import python_class_name, saved_facts, split_leaves, tuning_model
from autograder.harness.sealing import await_order, report_ready
from autograder.spark import build_session, stop_jvm
from autograder.submission import load_submission


def stage_class(metadata: dict):
    """The Python class of a saved stage, from the ``class`` Spark recorded in its metadata."""
    name = python_class_name(metadata)
    module_name, _, cls_name = name.rpartition(".")
    if not module_name:
        raise ValueError(f"the saved metadata names no class ({name!r})")
    return getattr(importlib.import_module(module_name), cls_name)


def set_params(estimator, fit_params: str | None):
    """Set a grid point (JSON ``[{"parent": uid, "name": ..., "value": ...}]``, as Spark saves one) on the
    stages of ``estimator`` (nested pipelines included) that have those uids."""
    stages, todo = {}, [estimator]
    while todo:
        stage = todo.pop()
        stages[stage.uid] = stage
        todo += list(stage.getStages()) if hasattr(stage, "getStages") else []
    for entry in json.loads(fit_params or "[]"):
        stage = stages.get(entry["parent"])
        if stage is None or not stage.hasParam(entry["name"]):
            raise ValueError(f"the saved estimator has no stage {entry['parent']} with param {entry['name']}")
        stage.set(stage.getParam(entry["name"]), entry["value"])
    return estimator


def load_model(path: Path, spark=None, fit: str | None = None, where: str | None = None,
               fit_params: str | None = None):
    """(model, its facts for the grader). A Spark tuning model is read as its ``bestModel`` (all its
    transform uses), with its metrics from its metadata: its estimator, evaluator and sub-models, which
    may name the submission's own Python classes, are never loaded. With ``fit``, the saved stage is an
    unfitted estimator, fitted here on the Parquet rows at ``fit`` that match ``where`` (the grader's SQL),
    with the grid point ``fit_params`` set on its stages."""
    metadata = stage_metadata(path)
    if tuning_model(metadata):
        best, _ = load_model(Path(path) / "bestModel")
        return best, saved_facts(path)
    model = stage_class(metadata).load(str(path))
    if fit:
        set_params(model, fit_params)
        rows = spark.read.parquet(fit)
        model = model.fit(rows.where(where) if where else rows)
    return model, model_facts(model)


def run_probe(target: str, spark, job: ScoringJob, request: dict, out: Path) -> None:
    """Run ``<tasks.py>:<function>`` of the assignment as ``function(spark, job, request, out)``: it starts
    the submission's processes itself (:mod:`autograder.harness.entry`), never imports the submission into
    this process, and leaves what it observed under ``out``."""
    path, _, name = target.rpartition(":")
    spec = importlib.util.spec_from_file_location("_sparkgrade_probe_tasks", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    getattr(module, name)(spark, job, request, out)


def student_loaded_model(loaded, loader: str, path: Path):
    """The model the submission's own loader function returns for ``path`` (in this fresh process, on a
    copy of the saved folder at a path the submission has never seen)."""
    if loaded is None:
        raise RuntimeError("the submission was not loaded in the scoring process")
    model = loaded.lookup(loader)(str(path))
    if not hasattr(model, "transform"):
        raise TypeError(f"{loader}() returned a {type(model).__module__}.{type(model).__qualname__}, not a model "
                        "with transform()")
    return model


def request_rows(spark, request: dict, loaded=None):
    """The rows a request scores: the Parquet at ``data``, narrowed by the grader's SQL ``rows`` (over the
    view ``rows``), then passed through the submission's ``preprocess`` function, if the request names one."""
    data = spark.read.parquet(request["data"])
    if request.get("rows"):
        data.createOrReplaceTempView("rows")
        data = spark.sql(request["rows"])
    if request.get("preprocess"):
        data = preprocessed(loaded, request["preprocess"], data)
    return data


def preprocessed(loaded, name: str, data):
    """``data`` after the submission's preprocessing function ``name`` (``f(df) -> df``)."""
    if loaded is None:
        raise RuntimeError("the submission was not loaded in the scoring process")
    rows = loaded.lookup(name)(data)
    if not hasattr(rows, "columns") or not hasattr(rows, "select"):
        raise TypeError(f"{name}() returned a {type(rows).__qualname__}, not a DataFrame")
    return rows


def save_again(model, target: Path, what: str) -> Path:
    """Save a model this process holds (the submission's loader's, or one fitted here) with its own writer,
    so that the process that never imports the submission reads it from files."""
    if not hasattr(model, "write"):
        raise TypeError(f"{what} is a {type(model).__qualname__}, which cannot be saved with .write(); "
                        "return the model Spark's reader gives")
    model.write().overwrite().save(str(target))
    return target


def submission_model(spark, loaded, request: dict, out: Path) -> Path:
    """The folder of the model a request scores, for the process that imported the submission: the saved
    one, or the one its loader returns (or a fit of a saved estimator with its classes), saved again under
    ``out/model`` so that the process that never imports it reads it from files."""
    path = Path(request["model"])
    if request.get("loader"):
        return save_again(student_loaded_model(loaded, request["loader"], path), out / "model",
                          f"what {request['loader']}(path) returned")
    if request.get("fit"):
        fitted, _ = load_model(path, spark, request["fit"], request.get("where"), request.get("fit_params"))
        return save_again(fitted, out / "model", "the model fitted from the saved estimator")
    return path


def run_submission_part(spark, loaded, request: dict, path: Path, out: Path) -> None:
    """The rows part of a request that needs the submission's code, in a process that imported it: the
    rows (through its ``preprocess`` function) through the leading stages of the model at ``path`` up to
    its last stage of the submission's own classes. Leaves ``out/rows`` for :func:`score_given`, which
    runs the rest elsewhere."""
    rows = request_rows(spark, request, loaded)
    for stage in leading_stages(path):
        rows = stage.transform(rows)
    rows.write.mode("overwrite").parquet(str(out / "rows"))


def leading_stages(path: Path) -> list:
    """The leaf stages of the saved model at ``path`` up to its last one of the submission's own classes,
    each loaded from its own folder (the submission's classes through the module it was loaded as)."""
    return load_leaves(split_leaves(path)[0])


def load_leaves(leaves: list[Path]) -> list:
    """Each leaf stage read from its own folder by the reader its metadata names."""
    return [stage_class(stage_metadata(leaf)).load(str(leaf)) for leaf in leaves]


def score_given(spark, request: dict, loaded: dict):
    """(transformed rows, model facts) for a request whose submission part ran elsewhere
    (:func:`run_submission_part`, sealed at ``request["given"]``): only the stages after the split, all
    Spark's own, read here with Spark's readers (``loaded``: those already read, by folder), on the rows
    that part left; the facts from the files."""
    given = Path(request["given"])
    path = given / "model" if request.get("loader") or request.get("fit") else Path(request["model"])
    key = str(path)
    if key not in loaded:
        loaded[key] = load_leaves(split_leaves(path)[1])
    rows = spark.read.parquet(str(given / "rows"))
    for stage in loaded[key]:
        rows = stage.transform(rows)
    return rows, saved_facts(path)


def column_metadata(df, column: str) -> dict:
    """The metadata Spark attached to ``column`` of ``df`` (an assembled vector's slot names, ``ml_attr``)."""
    if column not in df.columns:
        raise ValueError(f"the model's output has no column '{column}'")
    return dict(df.schema[column].metadata or {})


def model_facts(model) -> dict:
    """Raw facts about a loaded model for the grader: its class and, for tuned models, the validation
    metrics it kept."""
    metrics = getattr(model, "avgMetrics", None) or getattr(model, "validationMetrics", None) or []
    try:
        metrics = [float(m) for m in metrics]
    except (TypeError, ValueError):
        metrics = []
    return {"class": f"{type(model).__module__}.{type(model).__qualname__}", "metrics": metrics}


def hidden_message(exc: BaseException) -> str:
    """What may be said about a failure on held-out rows: the exception type and Spark's error condition,
    never the message (it could quote held-out values)."""
    condition = ""
    try:
        condition = str(exc.getCondition() or "") if hasattr(exc, "getCondition") else ""
    except Exception:  # noqa: BLE001
        condition = ""
    what = type(exc).__name__ + (f" [{condition}]" if condition else "")
    return (f"{what} while scoring the held-out rows (the details are not shown because they could reveal "
            "held-out data; run your model on the training data to find the problem)")


def _load_student(job: ScoringJob, spark):
    """Import the submission (only when a request needs its code: a custom stage or its loader)."""
    arm(job.load_timeout_s)
    try:
        loaded = load_submission(job.submission, job.module_name, handout_names(spark, job.train))
    finally:
        disarm()
    pickle_by_value(loaded.module)
    return loaded


def main(job_path: str) -> int:
    job = ScoringJob.from_dict(read_json(Path(job_path)))
    options = job.spark
    spark = build_session(options)
    python_mb = limit_python_memory(job.memory_mb)
    scores, control = job.scores, job.control
    requests = {Path(r["out"]).name: r for r in job.requests}
    loaded = None
    models: dict[tuple, tuple] = {}     # loaded once per saved model read with Spark's reader
    suffixes: dict[str, list] = {}      # the stages after the submission's own, once per saved model
    broken, restarts = False, 0
    seq = 0
    report_ready(scores, seq)
    while (name := await_order(control, seq)) in requests:     # the grader decides what runs next
        request = requests[name]
        if request.get("probe") and options.remote is None and one_jvm_at_a_time():
            # its processes run with no JVM of this process beside them; reading with Spark starts one
            keep_secondary_conf()
            stop_jvm()
            spark = LazySession(options)
            models.clear()
            suffixes.clear()
        elif broken or not alive(spark):                  # the submission stopped or broke the session
            restarts += 1
            spark = revive(options, restarts, fresh_jvm=broken)
            models.clear()
            suffixes.clear()
        broken = False
        out = Path(request["out"])
        write_json(out / "outcome.json", {"status": "started"})
        timeout = float(request.get("timeout_s", REQUEST_TIMEOUT_S))
        t0 = time.monotonic()
        touched_data = False
        try:
            if job.role == "submission" and loaded is None:
                loaded = _load_student(job, spark)
                if not alive(spark):                    # its top-level code stopped the session
                    restarts += 1
                    spark = revive(options, restarts)
            arm(timeout)
            if request.get("probe"):
                run_probe(request["probe"], spark, job, request, out)
            elif job.role == "submission":
                path = submission_model(spark, loaded, request, out)     # its messages may be shown
                touched_data = True
                run_submission_part(spark, loaded, request, path, out)
            else:
                if request.get("given"):
                    touched_data = True
                    scored, facts = score_given(spark, request, suffixes)
                elif request.get("needs_submission"):
                    raise HarnessError("a request that needs the submission's code reached the scoring process "
                                       "that never imports it, without its part done elsewhere")
                else:
                    key = (request["model"], request.get("fit"), request.get("where"), request.get("fit_params"))
                    if key not in models:
                        models[key] = load_model(Path(request["model"]), spark, request.get("fit"),
                                                 request.get("where"), request.get("fit_params"))
                    model, facts = models[key]
                    touched_data = True
                    scored = model.transform(request_rows(spark, request))
                write_json(out / "model.json", facts)
                if request.get("metadata_of"):
                    write_json(out / "column_metadata.json", column_metadata(scored, request["metadata_of"]))
                write_predictions(scored, out / "predictions", job.id_col)
            status, message = "ok", ""
        except ProbeFailed as exc:
            status, message = "raised", str(exc)[:2000]
        except TaskTimeout:
            status, message = "timeout", f"scoring did not finish within {timeout:g} s"
            stop_running_work(spark)
        except MemoryError:
            status, message = "raised", f"MemoryError: {memory_message(python_mb, job.memory_mb)}"
        except BaseException as exc:  # noqa: BLE001 - recorded for the grader
            try:
                raw = f"{type(exc).__name__}: {exc}"
            except Exception:  # noqa: BLE001
                raw = type(exc).__name__
            broken = jvm_broken(raw)
            if harness_error(exc):
                status, message = "error", raw[:1000]
            elif request.get("hidden") and touched_data:
                status, message = "raised", hidden_message(exc)
            else:
                first = (raw.split(": ", 1)[-1].strip().splitlines() or [""])[0][:400]
                status, message = "raised", f"{type(exc).__name__}: {first}"
        finally:
            disarm()
        write_json(out / "outcome.json", {"status": status, "message": message,
                                          "seconds": round(time.monotonic() - t0, 3)})
        seq += 1
        report_ready(scores, seq)
    finish(0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
