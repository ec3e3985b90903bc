"""Grade one submission: stage it, run the student phase and the scoring phase in sandboxed children,
then judge every check from the artifacts. A crashing check is an ``error`` for that check only."""

from __future__ import annotations

import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from autograder.box import Box, box_error, read_box, size, upstream_failure
from autograder.checks import CHECK_KINDS, judge_check
from autograder.checks.context import JudgeContext, ScoreRequest
from autograder.data import PreparedData, prepare
from autograder.engine.sessions import release_sessions
from autograder.errors import SubmissionError
from autograder.harness.artifacts import read_json
from autograder.harness.scoring_phase import run_scoring_phase
from autograder.harness.sealing import TaskPlan
from autograder.harness.student_phase import run_student_phase, sealed_folder
from autograder.registry import project_root
from autograder.results import CheckResult, GradeReport
from autograder.sandbox import ChildArea, ChildRun, isolation
from autograder.spark import SparkOptions, build_session, session_ids, sized_options, stop_jvm, with_session
from autograder.spec import AssignmentSpec, CheckSpec, TaskSpec
from autograder.staging import stage
from autograder.text import from_child
from autograder.timings import Timings
from autograder.walk import remove_tree

MAX_LOAD_PROBLEMS = 20      # problems the child reports about loading the submission, kept as notes


def task_label(task: TaskSpec) -> str:
    return f"{task.call}()" if task.call else f"task '{task.name}'"


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
        try:
            results, notes = self._grade_in(spec, Path(submission), checks, workdir, timings)
        finally:
            if not self.keep_workdir:
                remove_tree(workdir, ignore_errors=True)
        fallback = self.spark_options.remote and self.local_fallback and (
            JVM_FALLBACK_NOTE if needs_jvm(results, notes) else TIMEOUT_FALLBACK_NOTE if timed_out(results) else None)
        if fallback:
            local = replace(self, spark_options=replace(self.spark_options, remote=None), work_root=None,
                            starter=None)
            report = local.grade(spec, submission, public_only, questions)
            return replace(report, seconds=time.monotonic() - started, notes=(fallback, *report.notes))
        return GradeReport(assignment=spec.slug, submission=str(submission), checks=tuple(results),
                           seconds=time.monotonic() - started, notes=tuple(notes), timings=tuple(timings.rows))

    def _grade_in(self, spec: AssignmentSpec, submission: Path, checks: tuple[CheckSpec, ...],
                  workdir: Path, timings: Timings) -> tuple[list[CheckResult], list[str]]:
        spec = replace(spec, memory_mb=size(self.box, spec.memory_mb).tree_limit_mb)   # the tree fits the box
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
        with self.child_session(len(tasks)) as spark:
            run, phase_notes = run_student_phase(area, spec.path, spec.module_name, staged.path,
                                                 {"train": data.train, "sample": data.sample},
                                                 [_task_plan(t) for t in tasks], spark, spec.data.id_col,
                                                 spec.time_limit_s, spec.memory_mb, hidden, self.starter, detail)
        notes += area.iso.notes() + phase_notes
        load = _read(artifacts / "_load.json")
        timings.add("student phase", time.monotonic() - started)
        timings.rows += child_rows(detail.rows, load)
        problems = load.get("problems")
        notes += [f"while loading the submission: {from_child(p)}"
                  for p in (problems[:MAX_LOAD_PROBLEMS] if isinstance(problems, list) else [])]
        remove_tree(artifacts, ignore_errors=True)        # only sealed copies count; the scorer sees none
        ctx = JudgeContext(spec=spec, artifacts=sealed_folder(area), scores=scores, data=data,
                           spark_factory=self.spark)
        ready = [c for c in checks if not _task_problem(ctx, spec, c, run)]
        requests = unique_requests([r for c in ready if CHECK_KINDS[c.kind].score_requests
                                    for r in CHECK_KINDS[c.kind].score_requests(ctx, c)])
        if requests:
            budget = max(spec.time_limit_s - (time.monotonic() - started), min(90.0, spec.time_limit_s / 3))
            t0, detail = time.monotonic(), Timings()
            with self.child_session(len(requests)) as spark:
                scoring, scoring_notes = run_scoring_phase(area, data, spec.module_name, staged.path, requests,
                                                           spark, spec.data.id_col, budget, spec.memory_mb,
                                                           hidden, self.starter, detail)
            timings.add("scoring phase (a fresh process)", time.monotonic() - t0)
            timings.rows += child_rows(detail.rows)
            notes += scoring_notes
            if scoring is not None and (scoring.timed_out or scoring.memory_exceeded):
                notes.append(f"scoring saved models: {scoring.describe(budget, spec.memory_mb)}")
        results = []
        with timings.span("judges"):
            for check in checks:
                t0 = time.monotonic()
                verdict = _task_problem(ctx, spec, check, run) or judge_check(ctx, check)
                results.append(attach(verdict, check, time.monotonic() - t0))
        return results, notes

    @contextmanager
    def child_session(self, restarts: int):
        """The Spark options of one child (as a dict). Over Spark Connect the child gets a session id of its
        own, and once it has ended, that session and those of its up to ``restarts`` restarts are released."""
        if not self.spark_options.remote:
            yield self.spark_options.to_dict()
            return
        options = replace(self.spark_options, remote=with_session(self.spark_options.remote))
        try:
            yield options.to_dict()
        finally:
            release_sessions(options.remote, session_ids(options.remote, restarts))


# A stopped session's id is closed for good on the server, so code that stops the session and then
# reopens it (within one task) fails over Spark Connect with SESSION_CLOSED but works with local Spark.
JVM_SIGNS = ("JVM_ATTRIBUTE_NOT_SUPPORTED", "is not supported in Spark Connect", "SESSION_CLOSED",
             "CANNOT_CONFIGURE_SPARK_CONNECT_MASTER")
JVM_FALLBACK_NOTE = ("graded with local Spark instead of the shared Spark Connect engine: the submission uses "
                     "APIs that need the JVM (such as spark.sparkContext), sets a master in its own session "
                     "builder, or reopens a session it stopped, which a Spark Connect session does not allow")


TIMEOUT_FALLBACK_NOTE = ("graded again with local Spark: a task ran out of time on the shared Spark Connect engine, "
                         "where some pyspark.ml calls run much slower; this is the local grade, as on Gradescope")


def timed_out(results: list[CheckResult]) -> bool:
    """Whether a task ran out of time (over Spark Connect the same code may just be slower: such a
    submission is graded again with local Spark, so that its score does not depend on the engine)."""
    return any("did not finish within" in r.message for r in results)


def needs_jvm(results: list[CheckResult], notes: list[str]) -> bool:
    """Whether a submission graded over Spark Connect failed on an API that exists only with a JVM in
    the process (it would have run with local Spark, as on Gradescope)."""
    return any(sign in text for text in (*notes, *(r.message for r in results)) for sign in JVM_SIGNS)


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
    return TaskPlan.from_dict({"name": task.name, "call": task.call, "function": task.function,
                               "args": list(task.args), "kwargs": dict(task.kwargs), "save": task.save,
                               "timeout_s": task.timeout_s, "predict_sample": task.predict_sample,
                               "needs": list(task.needs)})


def _task_problem(ctx: JudgeContext, spec: AssignmentSpec, check: CheckSpec, run: ChildRun) -> CheckResult | None:
    """A failed verdict if a task the check needs did not succeed, else None."""
    for name in check.tasks:
        task = spec.task(name)
        outcome = ctx.outcome(name)
        status = outcome.get("status")
        if status == "ok":
            continue
        label = task_label(task)
        if status == "raised":
            return (box_error(spec, outcome.get("message", ""), run)
                    or CheckResult.failed(f"{label} failed: {outcome.get('message', '')}"))
        if status == "timeout":
            return CheckResult.failed(f"{label} did not finish within {task.timeout_s:g} s; look for an endless "
                                      "loop or an action on a very large DataFrame")
        if status == "skipped":
            return (box_error(spec, upstream_failure(spec, name, ctx.outcome), run)
                    or CheckResult.failed(f"{label} was {outcome.get('message', 'not run')}"))
        if status == "error":
            return CheckResult.error(f"{label} ran, but the grader could not record its result: "
                                     f"{outcome.get('message', '')}; this is a grader problem, please report it")
        ended = run.describe(spec.time_limit_s, spec.memory_mb)
        if status == "started":
            return box_error(spec, ended, run) or CheckResult.failed(f"{label} did not return: {ended}")
        return CheckResult.failed(f"{label} was not run: {ended}")
    return None


def grade_submission(assignment: AssignmentSpec, submission: Path, public_only: bool = False,
                     spark_options: SparkOptions | None = None) -> GradeReport:
    """Grade one submission with a fresh Grader (convenience for scripts and tests)."""
    return Grader(spark_options=spark_options or SparkOptions()).grade(assignment, submission, public_only)
