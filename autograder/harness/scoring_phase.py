"""Scoring phase, grader side: copies the data each request needs into the child's area (the hidden
features only for the duration of this phase), refuses any request for the labels, runs the scoring child
(:mod:`autograder.harness.scorer`) in the sandbox and seals each request's output as it ends."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

from autograder.box import oom_kills
from autograder.harness.artifacts import stage_metadata, write_json
from autograder.harness.jobs import REQUEST_TIMEOUT_S, ScoringJob
from autograder.harness.scorer import tuning_model
from autograder.harness.sealing import TaskPlan, TaskSequencer
from autograder.harness.student_phase import copy_input
from autograder.sandbox import Jail, needs_network, run_child
from autograder.spark import SparkOptions
from autograder.timings import sequence_rows

SPARK_CLASS_PREFIXES = ("org.apache.spark.", "pyspark.ml.")
PROBE_TIMEOUT_S = 240.0     # a probe's time limit: it starts the submission's processes and waits on them


def _within(path: Path, folder: Path) -> bool:
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(folder))
        return True
    except ValueError:
        return False


def custom_classes(model: Path) -> list[str]:
    """Classes in a saved model's metadata (nested stages included) that are not Spark's own: loading
    such a model needs the submission's code. Of Spark's own tuning model only the best model counts:
    the scorer loads nothing else of it (:func:`autograder.harness.scorer.load_model`)."""
    try:
        if tuning_model(stage_metadata(Path(model))):
            return custom_classes(Path(model) / "bestModel")
    except (OSError, ValueError):
        pass
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
                      id_col: str, limit_s: float, memory_mb: int, hidden: tuple = (), starter=None, timings=None,
                      abort=None):
    """Score saved models in a sandboxed child; returns (ChildRun, notes). ``data`` is the grader's
    :class:`autograder.data.PreparedData`; ``submission`` is the staged file (copied by the student
    phase into the area already, else copied here); ``starter``: a fork server for the child.

    Every request's ``out`` names a folder of one grader-side scores folder: the child writes into a
    folder of that name in its area, and each request's folder is sealed into ``out`` as it ends (see
    :mod:`autograder.harness.sealing`). Requests whose models are made only of Spark's own classes are
    scored first, before the submission's code is imported at all (it is needed only for custom stages
    and the submission's own loader), so nothing the submission runs can touch their results."""
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
    read_copies: dict[str, Path] = {}       # one copy per saved model that Spark's own reader loads
    for i, request in enumerate(requests):
        source, out, model = os.path.realpath(request["data"]), Path(request["out"]), Path(request["model"])
        fit_source = os.path.realpath(request["fit"]) if request.get("fit") else None
        if source == labels or labels.startswith(source.rstrip("/") + "/") or out.parent != sealed \
                or _within(out, area.root) or (fit_source and (fit_source == labels or fit_source in {
                    os.path.realpath(f) for f in data.hidden_features()} | {os.path.realpath(data.test_features)})):
            skipped.append(request)
            continue
        target, is_hidden = mapping.get(source, (inp / "extra" / f"{i}-{Path(source).name}", False))
        if not target.exists():
            copy_input(Path(source), target)
        custom = custom_classes(model) if model.exists() else []
        if not _within(model, area.root) and model.exists():
            # Requests that read one saved model with Spark's reader share one copy, which the child loads
            # once; a loader request gets a copy of its own (the submission's code runs on it).
            shared = not request.get("loader")
            copy = read_copies.get(os.path.realpath(model)) if shared else None
            if copy is None:
                copy = inp / "models" / f"{i}-{model.name}"
                copy_input(model, copy)
                if shared:
                    read_copies[os.path.realpath(model)] = copy
            model = copy
        fit = None
        if request.get("fit"):
            fit = mapping.get(os.path.realpath(request["fit"]), (inp / "extra" / f"{i}-fit-{Path(request['fit']).name}",
                                                                False))[0]
            if not fit.exists():
                copy_input(Path(request["fit"]), fit)
        probe = request.get("probe")
        job_requests.append({"model": str(model), "data": str(target), "out": str(scores / out.name),
                             "hidden": is_hidden, "loader": request.get("loader"),
                             "timeout_s": min(PROBE_TIMEOUT_S if probe else REQUEST_TIMEOUT_S, limit_s),
                             "fit": str(fit) if fit else None, "where": request.get("where"),
                             "fit_params": request.get("fit_params"), "rows": request.get("rows"),
                             "preprocess": request.get("preprocess"),
                             "probe": f"{inp / 'assignment' / 'tasks.py'}:{probe.split(':', 1)[-1]}" if probe else None,
                             # a probe runs the submission in processes of its own, never in the scorer
                             "needs_submission": bool(request.get("loader") or request.get("preprocess")
                                                      or (custom and not probe))})
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
    # Stable: Spark-only first, then probes (the submission runs beside the scorer), then what imports it.
    ordered = sorted(job_requests, key=lambda r: (r["needs_submission"], bool(r["probe"])))
    plans = [TaskPlan(name=Path(r["out"]).name, label="scoring",
                      outputs=("observed.json",) if r["probe"] else ("predictions",),
                      timeout_s=r["timeout_s"] + (load_timeout if r["needs_submission"] else 0.0))
             for r in ordered]
    area.open_for_child(scores)
    sequencer = TaskSequencer(artifacts=scores, control=inp / "control-scoring", sealed=sealed, order=plans,
                              load_timeout_s=load_timeout, memory_events=oom_kills, abort=abort)
    sequencer.start()
    job = ScoringJob(submission=staged, module_name=module_name, spark=SparkOptions.from_dict(spark), id_col=id_col,
                     scores=scores, control=sequencer.control, requests=tuple(ordered), train=train_copy,
                     memory_mb=memory_mb, load_timeout_s=load_timeout)
    job_file = inp / "score-job.json"
    write_json(job_file, job.to_dict())
    jail = Jail(area.iso, area, writable=(scores, area.home, area.tmp), hidden=tuple(hidden),
                network=needs_network(spark))
    try:
        run = run_child("autograder.harness.scorer", job_file, area.home, limit_s, memory_mb, jail=jail,
                        watch=sequencer, starter=starter)
        run.keep_log(area.root.parent / "scorer.log")
    finally:
        shutil.rmtree(inp / "hidden", ignore_errors=True)
    sequencer.settle()
    sequencer.interrupted(f"{run.describe(limit_s, memory_mb)}", run.cause)
    notes += sequencer.notes
    if timings is not None:
        timings.rows += sequence_rows(sequencer, "child start to ready (interpreter, Spark)", "request")
    area.seal(scores)
    if run.ended_abnormally and not run.during:
        run = replace(run, during="while scoring the saved models")
    return run, notes
