"""Grade one submission: stage it, run the student phase and the scoring phase in sandboxed children,
then judge every check from the artifacts. A crashing check is an ``error`` for that check only."""

from __future__ import annotations

import os
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from autograder.blame import below_minimum, task_problem
from autograder.box import Box, machine_slowdown, read_box, size
from autograder.checks import CHECK_KINDS, judge_check
from autograder.checks.context import JudgeContext, ScoreRequest
from autograder.data import PreparedData, prepare
from autograder.engine.guard import REFUSED_SIGN
from autograder.engine.python_workers import NO_PYTHON_WORKERS
from autograder.engine.sessions import release_sessions
from autograder.errors import SubmissionError
from autograder.harness.artifacts import read_json
from autograder.harness.scoring_phase import run_scoring_phase
from autograder.harness.sealing import TaskPlan
from autograder.harness.student_phase import (late_tasks, run_student_phase, sealed_folder, tainted_tasks,
                                              withhold_tainted)
from autograder.registry import project_root
from autograder.results import Cause, CheckResult, GradeReport, Status
from autograder.sandbox import ChildArea, isolation
from autograder.spark import SparkOptions, build_session, session_ids, sized_options, stop_jvm, with_session
from autograder.spec import AssignmentSpec, CheckSpec, TaskSpec
from autograder.staging import stage
from autograder.text import from_child
from autograder.timings import Timings
from autograder.walk import remove_tree

MAX_LOAD_PROBLEMS = 20      # problems the child reports about loading the submission, kept as notes


@dataclass
class Grader:
    """Grades submissions; holds the grader's own Spark session (created on first need) across a batch."""

    spark_options: SparkOptions = field(default_factory=sized_options)   # sized to the box
    box: Box = field(default_factory=read_box)      # the memory and CPUs this grader runs in
    cache_dir: Path = field(default_factory=lambda: project_root() / ".cache")
    prepared_dir: Path | None = None
    keep_workdir: bool = False
    scale: int = 0                  # > 0: grade on a synthetic variant with this many times the rows
    work_root: Path | None = None   # where work folders are made (a sandboxed Connect server's work root)
    local_fallback: bool = True     # over Spark Connect: regrade with local Spark what needs the JVM
    starter: Any = None             # a running fork server for the children (autograder.engine.prefork)
    server: Any = None              # the supervised Spark Connect server of spark_options.remote, if ours
    _spark: Any = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def spark(self):
        """The grader's own session (data preparation); created once, thread-safe. Always a classic
        session on the configured master, even when the children are Spark Connect clients: the grader
        never mixes the two kinds of session in one process."""
        with self._lock:
            if self._spark is None:
                self._spark = build_session(replace(self.spark_options, remote=None))
            return self._spark

    def prepared(self, spec: AssignmentSpec) -> PreparedData:
        """Prepared data: a shipped folder (autograder bundles) or the cache, built on first use."""
        if self.prepared_dir is not None:
            return PreparedData(self.prepared_dir)
        shipped = project_root() / "prepared" / spec.slug
        if shipped.is_dir() and not self.scale:
            return PreparedData(shipped)
        data = prepare(spec, self.spark, self.cache_dir, scale=self.scale)
        if self._spark is not None and size(self.box).max_jvms < 2:   # no idle JVM beside the children's
            stop_jvm(self._spark)
            self._spark = None
        return data

    def grade(self, spec: AssignmentSpec, submission: Path, public_only: bool = False,
              questions: tuple[str, ...] = ()) -> GradeReport:
        """Grade one submission (all checks, or the public ones, optionally of some questions only)."""
        started = time.monotonic()
        checks = spec.public_checks() if public_only else spec.checks
        if questions:
            unknown = set(questions) - {q.name for q in spec.questions}
            if unknown:
                raise SubmissionError(f"unknown question {', '.join(sorted(unknown))}; "
                                      f"{spec.slug} has {', '.join(q.name for q in spec.questions)}")
            checks = tuple(c for c in checks if c.question in questions)
        workdir = Path(tempfile.mkdtemp(prefix="sparkgrade-", dir=self.work_root))
        timings = Timings()
        generation = self.server.generation if self.server is not None else 0
        opened: list[str] = []          # this grading's sessions on the server (its children add theirs)
        refused = len(self.server.refusals(opened)) if self.server is not None else 0
        try:
            results, notes = self._grade_in(spec, Path(submission), checks, workdir, timings,
                                            self._server_watch(generation), opened)
        finally:
            if not self.keep_workdir:
                remove_tree(workdir, ignore_errors=True)
        # died, restarted, or no longer answering a query (a client stopped its SparkContext): what the
        # grading did on it cannot be trusted
        lost = self.server is not None and (self.server.lost_since(generation) or not self.server.responsive())
        refused_now = self.server.refusals(opened)[refused:] if self.server is not None else []
        fallback = self.spark_options.remote and self.local_fallback and (
            SERVER_LOST_NOTE if lost else refusal_note(refused_now) if refused_now
            else f"{JVM_FALLBACK_NOTE} (Spark said {sign})" if (sign := needs_jvm(results, notes))
            else TIMEOUT_FALLBACK_NOTE if timed_out(results) else None)
        if lost and not fallback:           # no local regrade allowed: what the server's death touched is not final
            results = [r if r.status is Status.PASSED else
                       attach(CheckResult.error(SERVER_LOST_ERROR, cause=Cause.GRADER_INFRASTRUCTURE), _spec_of(spec, r))
                       for r in results]
        if fallback:
            local = replace(self, spark_options=replace(self.spark_options, remote=None), work_root=None,
                            starter=None, server=None)
            report = local.grade(spec, submission, public_only, questions)
            return replace(report, seconds=time.monotonic() - started, notes=(fallback, *report.notes))
        return GradeReport(assignment=spec.slug, submission=str(submission), checks=tuple(results),
                           seconds=time.monotonic() - started, notes=tuple(notes), timings=tuple(timings.rows))

    def _server_watch(self, generation: int):
        """The reason to stop a child of this grading (the shared server died or was restarted since the
        grading began), checked by the grader while the child runs; None without a supervised server."""
        if self.server is None:
            return None
        return lambda: SERVER_LOST_REASON if self.server.lost_since(generation) else None

    def _grade_in(self, spec: AssignmentSpec, submission: Path, checks: tuple[CheckSpec, ...],
                  workdir: Path, timings: Timings, abort=None,
                  opened: list[str] | None = None) -> tuple[list[CheckResult], list[str]]:
        spec = replace(spec, memory_mb=size(self.box, spec.memory_mb).tree_limit_mb)   # the tree fits the box
        declared = spec                 # what the checks are judged and their messages written against
        slowdown = machine_slowdown()
        if slowdown > 1:                # a busy machine never turns into a student's time-out
            spec = slowed(spec, slowdown)
        try:
            with timings.span("stage the submission"):
                staged = stage(submission, spec, workdir / "submission")
        except SubmissionError as exc:
            unstaged = CheckResult.failed(str(exc), hint="nothing was graded: do as this message says and resubmit")
            return [attach(unstaged, c) for c in checks], [str(exc)]
        notes = list(staged.notes)
        with timings.span("prepare the data"):
            data = self.prepared(spec)
        area = ChildArea(workdir / "child", isolation())      # the only folder the children may see
        area.create()
        artifacts, scores = area.output("artifacts"), workdir / "sealed-scores"
        tasks = spec.tasks_for(checks)
        hidden = (self.cache_dir, data.root, spec.path, project_root(), workdir)
        started, detail = time.monotonic(), Timings()
        with self.child_session(len(tasks), opened) as spark:
            launch = dict(spark)
            plans = [_task_plan(t) for t in tasks]
            watched = any(t.watched for t in tasks)
            inputs = {"train": data.train, "sample": data.sample, **({"watched": data.train} if watched else {})}
            run, phase_notes, reads = run_student_phase(area, spec.path, spec.module_name, staged.path, inputs,
                                                        plans, spark, spec.data.id_col,
                                                        spec.time_limit_s, spec.memory_mb, hidden, self.starter, detail,
                                                        abort=abort, late=late_tasks(plans, checks),
                                                        watched="watched" if watched else None)
        notes += area.iso.notes() + phase_notes
        load = _read(artifacts / "_load.json")
        timings.add("student phase", time.monotonic() - started)
        timings.rows += child_rows(detail.rows, load)
        problems = load.get("problems")
        notes += [f"while loading the submission: {from_child(p)}"
                  for p in (problems[:MAX_LOAD_PROBLEMS] if isinstance(problems, list) else [])]
        remove_tree(artifacts, ignore_errors=True)        # only sealed copies count; the scorer sees none
        ctx = JudgeContext(spec=declared, artifacts=sealed_folder(area), scores=scores, data=data,
                           spark_factory=self.spark, launch=launch, watched_reads=reads)
        box = self.box
        ready = [c for c in checks if not task_problem(ctx, declared, c, run, box)]
        requests = unique_requests([r for c in ready if CHECK_KINDS[c.kind].score_requests
                                    for r in CHECK_KINDS[c.kind].score_requests(ctx, c)])
        if requests:
            budget = max(spec.time_limit_s - (time.monotonic() - started), min(90.0, spec.time_limit_s / 3))
            t0, detail = time.monotonic(), Timings()
            # The child that runs the submission's own code gets a Spark session of its own.
            with self.child_session(len(requests), opened) as spark, self.child_session(len(requests), opened) as own:
                scoring, scoring_notes = run_scoring_phase(area, data, spec.module_name, staged.path, requests,
                                                           spark, spec.data.id_col, budget, spec.memory_mb,
                                                           hidden, self.starter, detail, abort=abort,
                                                           submission_spark=own)
            timings.add("scoring phase (a fresh process)", time.monotonic() - t0)
            timings.rows += child_rows(detail.rows)
            notes += scoring_notes
            if scoring is not None and (scoring.timed_out or scoring.memory_exceeded):
                notes.append(f"scoring saved models: {scoring.describe(budget, spec.memory_mb)}")
        results = []
        with timings.span("judges"):
            for check in checks:
                t0 = time.monotonic()
                verdict = task_problem(ctx, declared, check, run, box) or judge_check(ctx, check)
                results.append(attach(verdict, check, time.monotonic() - t0))
        results = below_minimum(declared, box, results)
        results = withhold_tainted(results, checks, tainted_tasks(area))
        scored_hidden = hidden_scoring_failures(ctx, ready, data)
        return [replace(r, withheld=True) if r.name in scored_hidden else r for r in results], notes

    @contextmanager
    def child_session(self, restarts: int, opened: list[str] | None = None):
        """The Spark options of one child (as a dict). Over Spark Connect the child gets a session id of its
        own (added to ``opened``), and once it has ended, that session and those of its up to ``restarts``
        restarts are released."""
        if not self.spark_options.remote:
            yield self.spark_options.to_dict()
            return
        remote = with_session(self.spark_options.remote)
        if opened is not None:
            opened += session_ids(remote, restarts)
        if self.server is not None:
            self.server.allow_sessions(session_ids(remote, restarts))
        try:
            yield replace(self.spark_options, remote=remote).to_dict()
        finally:
            release_sessions(remote, session_ids(remote, restarts))


# A stopped session's id is closed for good on the server, so code that stops the session and then
# reopens it (within one task) fails over Spark Connect with SESSION_CLOSED but works with local Spark.
JVM_SIGNS = ("JVM_ATTRIBUTE_NOT_SUPPORTED", "is not supported in Spark Connect", "SESSION_CLOSED",
             "CANNOT_CONFIGURE_SPARK_CONNECT_MASTER", NO_PYTHON_WORKERS, REFUSED_SIGN)
JVM_FALLBACK_NOTE = ("graded with local Spark instead of the shared Spark Connect engine: the submission uses "
                     "APIs that need the JVM (such as spark.sparkContext), sets a master in its own session builder, "
                     "or reopens a session it stopped, which a Spark Connect session does not allow")


def refusal_note(refused: list[str]) -> str:
    """Why a grading was done again with local Spark: what the shared engine refused while it ran."""
    return ("graded with local Spark instead of the shared Spark Connect engine, which refused: "
            + "; ".join(dict.fromkeys(from_child(what, 200) for what in refused[:3]))
            + " (the shared engine runs no Python UDF or JVM code of a submission's and reads only its own "
              "work folder; local Spark gives the grade Gradescope gives)")


SERVER_LOST_REASON = "the shared Spark Connect server stopped (not the submission's fault)"
SERVER_LOST_NOTE = ("graded again with local Spark, alone in its own sandbox: the shared Spark Connect server stopped "
                    "while this submission was being graded, so its first grading did not count")
SERVER_LOST_ERROR = ("the shared Spark Connect server stopped while this submission was being graded; this is a "
                     "problem on the grader's side, not in the submission: it will be graded again")

TIMEOUT_FALLBACK_NOTE = ("graded again with local Spark: a task ran out of time on the shared Spark Connect engine, "
                         "where some pyspark.ml calls run much slower; this is the local grade, as on Gradescope")


def timed_out(results: list[CheckResult]) -> bool:
    """Whether the grader stopped a task at its time limit (over Spark Connect the same code may just be
    slower: such a submission is graded again with local Spark, so that its score does not depend on the
    engine)."""
    return any(r.cause is Cause.STUDENT_TIMEOUT for r in results)


def needs_jvm(results: list[CheckResult], notes: list[str]) -> str | None:
    """The sign (one of JVM_SIGNS) that a submission graded over Spark Connect failed on an API that exists
    only with a JVM in the process (it would have run with local Spark, as on Gradescope), or None. This
    reads the child's text, so it only ever decides to grade again with local Spark (whose grade is the one
    Gradescope gives), never a verdict or whose fault anything is."""
    texts = (*notes, *(r.message for r in results))
    return next((sign for sign in JVM_SIGNS if any(sign in text for text in texts)), None)


def hidden_scoring_failures(ctx: JudgeContext, checks: list[CheckSpec], data: PreparedData) -> set[str]:
    """Checks whose scoring did not succeed in a scoring child that held held-out rows: the submission's code
    (a custom stage, its own loader) ran in that process, so the text of any failure there may carry those
    rows; students see a generic message for these checks (``withheld``), the instructor the full text."""
    hidden = {os.path.realpath(p) for p in (data.test_features, *data.hidden_features())}
    requests = {c.name: list(map(ScoreRequest.of, make(ctx, c))) for c in checks
                if (make := CHECK_KINDS[c.kind].score_requests)}
    if not any(os.path.realpath(r.data) in hidden for rs in requests.values() for r in rs):
        return set()

    def failed(request: ScoreRequest) -> bool:
        try:
            return ctx.scored(Path(request.out)).get("status") != "ok"
        except Exception:  # noqa: BLE001 - an unreadable outcome is withheld as well
            return True

    return {name for name, rs in requests.items() if any(failed(r) for r in rs)}


def slowed(spec: AssignmentSpec, factor: float) -> AssignmentSpec:
    """``spec`` with every time limit (the whole grading's and each task's) multiplied by ``factor``."""
    return replace(spec, time_limit_s=spec.time_limit_s * factor,
                   tasks=tuple(replace(t, timeout_s=t.timeout_s * factor) for t in spec.tasks))


def child_rows(rows: list[tuple[str, float]], load: dict | None = None) -> list[tuple[str, float]]:
    """A phase's spans, indented under it; after the first child's start-up, the two parts of it the
    child reports itself (``_load.json``): its Spark session and the import of the submission."""
    out = [(f"  {name}", s) for name, s in rows]
    session = (load or {}).get("session_s")
    if out and isinstance(session, (int, float)):
        loaded = float(load.get("seconds", session))
        out[1:1] = [("    Spark session (as the child reports it)", round(session, 3)),
                    ("    submission import (as the child reports it)", round(max(0.0, loaded - session), 3))]
    return out


def unique_requests(requests: list[ScoreRequest | dict]) -> list[dict]:
    """Scoring requests without repeats, as the plain mappings the scoring phase reads: checks that share
    one scoring (same model, data and output folder) have it done once."""
    unique = {r.key: r for r in map(ScoreRequest.of, requests)}
    return [r.to_dict() for r in unique.values()]


def attach(verdict: CheckResult, check: CheckSpec, seconds: float = 0.0) -> CheckResult:
    """A verdict attached to its declared check (name, points, question, visibility)."""
    from dataclasses import replace

    return replace(verdict.scored(check.name, check.points, check.question, check.visibility, check.hint),
                   seconds=round(seconds, 3))


def _read(path: Path) -> dict:
    try:
        data = read_json(path)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _task_plan(task: TaskSpec) -> TaskPlan:
    """The task as the student phase orders and runs it; its dependencies are its ``@`` arguments and its
    declared ``needs`` (never ordered unless they succeeded; re-run first in a restarted child)."""
    return TaskPlan.from_dict(task.plan())


def _spec_of(spec: AssignmentSpec, result: CheckResult) -> CheckSpec:
    return next(c for c in spec.checks if c.name == result.name)


def grade_submission(assignment: AssignmentSpec, submission: Path, public_only: bool = False,
                     spark_options: SparkOptions | None = None) -> GradeReport:
    """Grade one submission with a fresh Grader (convenience for scripts and tests)."""
    return Grader(spark_options=spark_options or SparkOptions()).grade(assignment, submission, public_only)
