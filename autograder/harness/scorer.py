"""Scoring phase: ``python -m autograder.harness.scorer <job.json>``, and its driver in the grader.

Child side (:func:`main`): loads saved models from disk with Spark's own readers (or, for a loader check,
with the submission's loader function) and writes their predictions on the requested data as Parquet, one
request at a time as the grader orders them, each under its own time limit. The submission's code is
imported only when a request needs it (custom stages, its loader), after every request that does not.
The data given here never carries labels: held-out requests get a copy of the hidden *features* only, and
their error messages never quote the data (only the exception type and Spark's error condition). Ends
with ``os._exit`` like the student phase.

Grader side (:func:`run_scoring_phase`): copies the data each request needs into the child's area (the
hidden features only for the duration of this phase), refuses any request for the labels, runs the child
in the sandbox and seals each request's output as it ends.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
import time
from pathlib import Path

from autograder.harness.artifacts import read_json, stage_metadata, write_json, write_predictions
from autograder.harness.sealing import TaskPlan, TaskSequencer, await_order, report_ready
from autograder.harness.student import (TaskTimeout, _alive, _arm, _disarm, _harness_error, _revive, finish,
                                        handout_names, jvm_broken, limit_python_memory, memory_message,
                                        pickle_by_value, stop_running_work)
from autograder.spark import SparkOptions, build_session
from autograder.submission import load_submission

REQUEST_TIMEOUT_S = 120.0
SPARK_CLASS_PREFIXES = ("org.apache.spark.", "pyspark.ml.")


def stage_class(metadata: dict):
    """The Python class of a saved stage, from the ``class`` Spark recorded in its metadata."""
    name = str(metadata.get("class", ""))
    if name.startswith("org.apache.spark.ml."):
        name = "pyspark.ml." + name[len("org.apache.spark.ml."):]
    module_name, _, cls_name = name.rpartition(".")
    if not module_name:
        raise ValueError(f"the saved metadata names no class ({name!r})")
    return getattr(importlib.import_module(module_name), cls_name)


def load_model(path: Path):
    return stage_class(stage_metadata(path)).load(str(path))


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


def _load_student(job: dict, spark):
    """Import the submission (only when a request needs its code: a custom stage or its loader)."""
    _arm(float(job.get("load_timeout_s", 120)))
    try:
        loaded = load_submission(Path(job["submission"]), job["module_name"],
                                 handout_names(spark, job.get("train")))
    finally:
        _disarm()
    pickle_by_value(loaded.module)
    return loaded


def main(job_path: str) -> int:
    job = read_json(Path(job_path))
    options = SparkOptions.from_dict(job["spark"])
    spark = build_session(options)
    python_mb = limit_python_memory(int(job.get("memory_mb", 2048)))
    scores, control = Path(job["scores"]), Path(job["control"])
    requests = {Path(r["out"]).name: r for r in job["requests"]}
    loaded = None
    broken, restarts = False, 0
    seq = 0
    report_ready(scores, seq)
    while (name := await_order(control, seq)) in requests:     # the grader decides what runs next
        request = requests[name]
        if broken or not _alive(spark):                 # the submission stopped or broke the session
            restarts += 1
            spark = _revive(options, restarts, fresh_jvm=broken)
        broken = False
        out = Path(request["out"])
        write_json(out / "outcome.json", {"status": "started"})
        timeout = float(request.get("timeout_s", REQUEST_TIMEOUT_S))
        t0 = time.monotonic()
        touched_data = False
        try:
            if request.get("needs_submission") and loaded is None and job.get("submission"):
                loaded = _load_student(job, spark)
                if not _alive(spark):                   # its top-level code stopped the session
                    restarts += 1
                    spark = _revive(options, restarts)
            _arm(timeout)
            if request.get("loader"):
                model = student_loaded_model(loaded, request["loader"], Path(request["model"]))
            else:
                model = load_model(Path(request["model"]))
            write_json(out / "model.json", model_facts(model))
            touched_data = True
            data = spark.read.parquet(request["data"])
            write_predictions(model.transform(data), out / "predictions", job["id_col"])
            status, message = "ok", ""
        except TaskTimeout:
            status, message = "timeout", f"scoring did not finish within {timeout:g} s"
            stop_running_work(spark)
        except MemoryError:
            status, message = "raised", f"MemoryError: {memory_message(python_mb, int(job.get('memory_mb', 2048)))}"
        except BaseException as exc:  # noqa: BLE001 - recorded for the grader
            try:
                raw = f"{type(exc).__name__}: {exc}"
            except Exception:  # noqa: BLE001
                raw = type(exc).__name__
            broken = jvm_broken(raw)
            if _harness_error(exc):
                status, message = "error", raw[:1000]
            elif request.get("hidden") and touched_data:
                status, message = "raised", hidden_message(exc)
            else:
                first = (raw.split(": ", 1)[-1].strip().splitlines() or [""])[0][:400]
                status, message = "raised", f"{type(exc).__name__}: {first}"
        finally:
            _disarm()
        write_json(out / "outcome.json", {"status": status, "message": message,
                                          "seconds": round(time.monotonic() - t0, 3)})
        seq += 1
        report_ready(scores, seq)
    finish(0)
    return 0


# ------------------------------------------------------------------------------------------------------
# Grader side


def _within(path: Path, folder: Path) -> bool:
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(folder))
        return True
    except ValueError:
        return False


def custom_classes(model: Path) -> list[str]:
    """Classes in a saved model's metadata (nested stages included) that are not Spark's own: loading
    such a model needs the submission's code."""
    found = []
    for part in sorted(Path(model).rglob("metadata/part-*")):
        try:
            name = str(stage_metadata(part.parent.parent).get("class", ""))
        except (OSError, ValueError):
            continue
        if not name.startswith(SPARK_CLASS_PREFIXES):
            found.append(name)
    return found


def run_scoring_phase(area, data, module_name: str, submission: Path, requests: list[dict], spark: dict,
                      id_col: str, limit_s: float, memory_mb: int, hidden: tuple = (), starter=None):
    """Score saved models in a sandboxed child; returns (ChildRun, notes). ``data`` is the grader's
    :class:`autograder.data.PreparedData`; ``submission`` is the staged file (copied by the student
    phase into the area already, else copied here); ``starter``: a fork server for the child.

    Every request's ``out`` names a folder of one grader-side scores folder: the child writes into a
    folder of that name in its area, and each request's folder is sealed into ``out`` as it ends (see
    :mod:`autograder.harness.sealing`). Requests whose models are made only of Spark's own classes are
    scored first, before the submission's code is imported at all (it is needed only for custom stages
    and the submission's own loader), so nothing the submission runs can touch their results."""
    from dataclasses import replace

    from autograder.harness.student_phase import copy_input
    from autograder.sandbox import Jail, needs_network, run_child

    inp = area.input
    scores = area.output("scores")
    staged = inp / submission.name
    if not staged.is_file():
        copy_input(submission, staged)
    labels = os.path.realpath(data.test_labels)
    mapping = {os.path.realpath(data.test_features): (inp / "hidden" / "test_features.parquet", True),
               os.path.realpath(data.sample): (inp / "data" / Path(data.sample).name, False),
               os.path.realpath(data.train): (inp / "data" / Path(data.train).name, False)}
    for features in data.hidden_features():      # a target view's held-out features are hidden too
        mapping.setdefault(os.path.realpath(features), (inp / "hidden" / features.name, True))
    sealed = Path(requests[0]["out"]).parent if requests else scores
    job_requests, skipped = [], []
    for i, request in enumerate(requests):
        source, out, model = os.path.realpath(request["data"]), Path(request["out"]), Path(request["model"])
        if source == labels or labels.startswith(source.rstrip("/") + "/") or out.parent != sealed \
                or _within(out, area.root):
            skipped.append(request)
            continue
        target, is_hidden = mapping.get(source, (inp / "extra" / f"{i}-{Path(source).name}", False))
        if not target.exists():
            copy_input(Path(source), target)
        custom = custom_classes(model) if model.exists() else []
        if not _within(model, area.root) and model.exists():
            copy = inp / "models" / f"{i}-{model.name}"
            copy_input(model, copy)
            model = copy
        job_requests.append({"model": str(model), "data": str(target), "out": str(scores / out.name),
                             "hidden": is_hidden, "timeout_s": min(REQUEST_TIMEOUT_S, limit_s),
                             "loader": request.get("loader"),
                             "needs_submission": bool(request.get("loader") or custom)})
    notes = []
    if skipped:
        notes.append(f"{len(skipped)} scoring request(s) were refused (labels or an output outside the "
                     "scoring folder); this is a grader problem, please report it")
    if not job_requests:
        return None, notes
    train_copy = str(mapping[os.path.realpath(data.train)][0])
    if not Path(train_copy).exists():
        copy_input(Path(data.train), Path(train_copy))
    load_timeout = min(120.0, max(10.0, limit_s / 3))
    ordered = sorted(job_requests, key=lambda r: r["needs_submission"])        # stable: Spark-only first
    plans = [TaskPlan(name=Path(r["out"]).name, label="scoring", outputs=("predictions",),
                      timeout_s=r["timeout_s"] + (load_timeout if r["needs_submission"] else 0.0))
             for r in ordered]
    area.open_for_child(scores)
    sequencer = TaskSequencer(artifacts=scores, control=inp / "control-scoring", sealed=sealed, order=plans,
                              load_timeout_s=load_timeout)
    sequencer.start()
    job = {"submission": str(staged), "module_name": module_name, "spark": spark, "id_col": id_col,
           "requests": ordered, "memory_mb": memory_mb, "scores": str(scores), "train": train_copy,
           "control": str(sequencer.control), "load_timeout_s": load_timeout}
    job_file = inp / "score-job.json"
    write_json(job_file, job)
    jail = Jail(area.iso, area, writable=(scores, area.home, area.tmp), hidden=tuple(hidden),
                network=needs_network(spark))
    try:
        run = run_child("autograder.harness.scorer", job_file, area.home, limit_s, memory_mb, jail=jail,
                        watch=sequencer, starter=starter)
        run.keep_log(area.root.parent / "scorer.log")
    finally:
        shutil.rmtree(inp / "hidden", ignore_errors=True)
    sequencer.settle()
    sequencer.interrupted(f"{run.describe(limit_s, memory_mb)}")
    notes += sequencer.notes
    area.seal(scores)
    if run.ended_abnormally and not run.during:
        run = replace(run, during="while scoring the saved models")
    return run, notes


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
