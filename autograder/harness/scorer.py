"""Scoring phase, child side: ``python -m autograder.harness.scorer <job.json>`` (the grader's driver is
:mod:`autograder.harness.scoring_phase`).

It loads saved models from disk with Spark's own readers (a tuning model: only its best model; an
unfitted estimator is fitted first on the rows the grader names) or, for a loader check, with the
submission's loader function, and writes their predictions on the requested data as Parquet, one request
at a time as the grader orders them, each under its own time limit. A probe request runs an assignment's
``tasks.py`` function instead, which starts the submission in processes of its own and records what it
observes of them (a server's answers over HTTP, a stream's sink across kills it times). The submission's
code is imported into this process only when a request needs it (custom stages, its loader), after every
request that does not.
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

from autograder.harness.artifacts import read_json, stage_metadata, write_json, write_predictions
from autograder.harness.child_runtime import (TaskTimeout, alive, arm, disarm, finish, handout_names, harness_error,
                                              jvm_broken, limit_python_memory, memory_message, pickle_by_value,
                                              revive, stop_running_work)
from autograder.harness.jobs import REQUEST_TIMEOUT_S, ScoringJob
from autograder.harness.processes import ProbeFailed
from autograder.harness.sealing import await_order, report_ready
from autograder.spark import build_session
from autograder.submission import load_submission


def stage_class(metadata: dict):
    """The Python class of a saved stage, from the ``class`` Spark recorded in its metadata."""
    name = str(metadata.get("class", ""))
    if name.startswith("org.apache.spark.ml."):
        name = "pyspark.ml." + name[len("org.apache.spark.ml."):]
    module_name, _, cls_name = name.rpartition(".")
    if not module_name:
        raise ValueError(f"the saved metadata names no class ({name!r})")
    return getattr(importlib.import_module(module_name), cls_name)


TUNING_MODELS = ("org.apache.spark.ml.tuning.", "pyspark.ml.tuning.")
TUNING_METRICS = ("avgMetrics", "validationMetrics")


def tuning_model(metadata: dict) -> bool:
    """Whether saved metadata is Spark's own CrossValidatorModel or TrainValidationSplitModel."""
    name = str(metadata.get("class", ""))
    return name.startswith(TUNING_MODELS) and name.endswith(("CrossValidatorModel", "TrainValidationSplitModel"))


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
        metrics = next((metadata[k] for k in TUNING_METRICS if metadata.get(k)), [])
        name = str(metadata["class"]).replace("org.apache.spark.ml.", "pyspark.ml.")
        return best, {"class": name, "metrics": [float(m) for m in metrics]}
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
    models: dict[str, object] = {}      # loaded once per saved model read with Spark's reader
    broken, restarts = False, 0
    seq = 0
    report_ready(scores, seq)
    while (name := await_order(control, seq)) in requests:     # the grader decides what runs next
        request = requests[name]
        if broken or not alive(spark):                  # the submission stopped or broke the session
            restarts += 1
            spark = revive(options, restarts, fresh_jvm=broken)
            models.clear()
        broken = False
        out = Path(request["out"])
        write_json(out / "outcome.json", {"status": "started"})
        timeout = float(request.get("timeout_s", REQUEST_TIMEOUT_S))
        t0 = time.monotonic()
        touched_data = False
        try:
            if request.get("needs_submission") and loaded is None and job.submission:
                loaded = _load_student(job, spark)
                if not alive(spark):                    # its top-level code stopped the session
                    restarts += 1
                    spark = revive(options, restarts)
                    models.clear()
            arm(timeout)
            if request.get("probe"):
                run_probe(request["probe"], spark, job, request, out)
                status, message = "ok", ""
            else:
                if request.get("loader"):
                    model = student_loaded_model(loaded, request["loader"], Path(request["model"]))
                    facts = model_facts(model)
                else:
                    key = (request["model"], request.get("fit"), request.get("where"), request.get("fit_params"))
                    if key not in models:
                        models[key] = load_model(Path(request["model"]), spark, request.get("fit"),
                                                 request.get("where"), request.get("fit_params"))
                    model, facts = models[key]
                write_json(out / "model.json", facts)
                touched_data = True
                data = request_rows(spark, request, loaded)
                write_predictions(model.transform(data), out / "predictions", job.id_col)
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
