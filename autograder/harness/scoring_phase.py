"""Scoring phase, grader side: copies the data each request needs into the child's area (the hidden
features only for the duration of this phase), refuses any request for the labels, runs the scoring
children (:mod:`autograder.harness.scorer`: first the one that runs the submission's own code, then the
one that never imports it) in the sandbox and seals each request's output as it ends."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import replace
from pathlib import Path

from autograder.box import oom_kills
from autograder.harness.artifacts import write_json
from autograder.harness.jobs import REQUEST_TIMEOUT_S, ScoringJob
from autograder.harness.saved_models import custom_classes
from autograder.harness.sealing import TaskPlan, TaskSequencer
from autograder.harness.student_phase import copy_input
from autograder.sandbox import Jail, needs_network, run_child
from autograder.spark import SparkOptions
from autograder.timings import sequence_rows

PROBE_TIMEOUT_S = 240.0     # a probe's time limit: it starts the submission's processes and waits on them


def _within(path: Path, folder: Path) -> bool:
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(folder))
        return True
    except ValueError:
        return False


def run_scoring_phase(area, data, module_name: str, submission: Path, requests: list[dict], spark: dict,
                      id_col: str, limit_s: float, memory_mb: int, hidden: tuple = (), starter=None, timings=None,
                      abort=None, submission_spark: dict | None = None):
    """Score saved models in a sandboxed child; returns (ChildRun, notes). ``data`` is the grader's
    :class:`autograder.data.PreparedData`; ``submission`` is the staged file (copied by the student
    phase into the area already, else copied here); ``starter``: a fork server for the child.

    Every request's ``out`` names a folder of one grader-side scores folder: the child writes into a
    folder of that name in its area, and each request's folder is sealed into ``out`` as it ends (see
    :mod:`autograder.harness.sealing`).

    Scoring takes two children. What needs the submission's code (its custom stages up to the last one,
    its loader, its preprocessing function) runs first, in a child that imports it, with its own Spark
    session (``submission_spark``; default ``spark``); its outputs are sealed. Every prediction is then
    made in a second child that never imports the submission, from Spark's own readers and those sealed
    rows (:mod:`autograder.harness.scorer`), so nothing the submission patches can touch a score."""
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
                             "preprocess": request.get("preprocess"), "metadata_of": request.get("metadata_of"),
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
    child = _ScoringChild(area, staged, module_name, id_col, memory_mb, train_copy, hidden, starter, timings, abort)
    started = time.monotonic()
    run = None
    try:
        parts = [r for r in job_requests if r["needs_submission"] and not r["probe"]]
        if parts:
            run, part_notes = _submission_parts(child, parts, sealed, submission_spark or spark, limit_s)
            notes += part_notes
        rest = [r for r in job_requests if not r["needs_submission"] or r["probe"]]
        if rest:
            budget = limit_s - (time.monotonic() - started) if parts else limit_s
            run, grader_notes, _ = child.run("grader", rest, area.output("scores"), sealed, spark,
                                             max(budget, min(90.0, limit_s / 3)))
            notes += grader_notes
    finally:
        shutil.rmtree(inp / "hidden", ignore_errors=True)
    return run, notes


def _submission_parts(child: "_ScoringChild", parts: list[dict], sealed: Path, spark: dict, limit_s: float):
    """Run the parts of ``parts`` that need the submission's code in a child that imports it; each request
    whose part succeeded then names its sealed output (``given``) for the grader's child, and every other
    one gets that part's verdict as its own. Returns (ChildRun, notes)."""
    area = child.area
    own = sealed.with_name(sealed.name + "-submission")
    out = area.output("submission-parts")
    first: dict[tuple, str] = {}        # requests that differ only in their out folder share one part
    for request in parts:
        first.setdefault(_part_key(request), Path(request["out"]).name)
    run, notes, verdicts = child.run("submission", [{**r, "out": str(out / Path(r["out"]).name)} for r in parts
                                                    if first[_part_key(r)] == Path(r["out"]).name],
                                     out, own, spark, limit_s)
    for request in parts:
        name = first[_part_key(request)]
        verdict = verdicts.get(name) or {"status": "not run", "message": "the scoring process that runs the "
                                               "submission's own code ended before it reached this model"}
        if verdict.get("status") == "ok":
            copy = area.input / "submission-parts" / name
            if not copy.exists():
                copy_input(own / name, copy)
            request["given"], request["needs_submission"] = str(copy), False
        else:
            write_json(sealed / Path(request["out"]).name / "outcome.json", verdict)
    if run is not None and run.ended_abnormally:
        notes.append(f"running the submission's own code for scoring: {run.describe(limit_s, child.memory_mb)}")
    return run, notes


def _part_key(request: dict) -> tuple:
    """What makes the submission's part of two requests the same work."""
    return tuple(request.get(k) for k in ("model", "data", "rows", "preprocess", "loader", "fit", "where",
                                           "fit_params"))


class _ScoringChild:
    """Runs one scoring child (of either role) in the sandbox and seals each request's output as it ends."""

    def __init__(self, area, staged: Path, module_name: str, id_col: str, memory_mb: int, train: str, hidden,
                 starter, timings, abort):
        self.area, self.staged, self.module_name, self.id_col = area, staged, module_name, id_col
        self.memory_mb, self.train, self.hidden, self.starter = memory_mb, train, tuple(hidden), starter
        self.timings, self.abort = timings, abort

    def run(self, role: str, requests: list[dict], scores: Path, sealed: Path, spark: dict, limit_s: float):
        """Run one child of ``role`` on ``requests``; returns (ChildRun, notes, the grader's verdict of each
        request by its output folder's name)."""
        area, inp = self.area, self.area.input
        load_timeout = min(120.0, max(10.0, limit_s / 3))
        importing = role == "submission"
        # Stable: Spark-only first, then probes (the submission runs beside the scorer).
        ordered = sorted(requests, key=lambda r: bool(r["probe"]))
        plans = [TaskPlan(name=Path(r["out"]).name, label="scoring",
                          outputs=(("observed.json",) if r["probe"] else
                                   ("rows",) + (("model",) if r.get("loader") or r.get("fit") else ()) if importing
                                   else ("predictions",)),
                          timeout_s=r["timeout_s"] + (load_timeout if importing else 0.0))
                 for r in ordered]
        area.open_for_child(scores)
        sequencer = TaskSequencer(artifacts=scores, control=inp / f"control-{role}", sealed=sealed, order=plans,
                                  load_timeout_s=load_timeout, memory_events=oom_kills, abort=self.abort)
        sequencer.start()
        # The grader role gets the submission's path only for probes, which start it in processes of their
        # own (autograder.harness.entry); the role itself never imports it.
        job = ScoringJob(submission=self.staged, module_name=self.module_name,
                         spark=SparkOptions.from_dict(spark), id_col=self.id_col, scores=scores,
                         control=sequencer.control, requests=tuple(ordered), train=self.train, role=role,
                         memory_mb=self.memory_mb, load_timeout_s=load_timeout)
        job_file = inp / f"score-job-{role}.json"
        write_json(job_file, job.to_dict())
        jail = Jail(area.iso, area, writable=(scores, area.home, area.tmp), hidden=self.hidden,
                    network=needs_network(spark))
        run = run_child("autograder.harness.scorer", job_file, area.home, limit_s, self.memory_mb, jail=jail,
                        watch=sequencer, starter=self.starter)
        run.keep_log(area.root.parent / f"scorer-{role}.log")
        sequencer.settle()
        sequencer.interrupted(f"{run.describe(limit_s, self.memory_mb)}", run.cause)
        if self.timings is not None:
            what = "the submission's own stages" if importing else "request"
            self.timings.rows += sequence_rows(sequencer, f"child start to ready ({role} role)", what)
        area.seal(scores)
        if run.ended_abnormally and not run.during:
            run = replace(run, during="while scoring the saved models")
        return run, list(sequencer.notes), dict(sequencer.verdicts)
