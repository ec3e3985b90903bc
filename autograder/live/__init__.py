"""Public checks on the live objects of a notebook kernel (``grader.check("q2")``), in a second or two.

The questions' public tasks run in this process, on the functions and classes the student defined (the
kernel's namespace) and with the student's own Spark session, through the harness's own task code
(:class:`autograder.harness.context.TaskContext`, :func:`autograder.harness.student.run_task`); their
artifacts go to a temporary folder and the same check library (``CHECK_KINDS`` and
:class:`autograder.checks.context.JudgeContext`) judges them as the autograder judges a sealed copy. Checks
that need a fresh process (persistence: another process loads the saved model) get one plain subprocess,
which receives the student's functions and classes by value (cloudpickle; Spark objects and other JVM
handles do not cross: a fresh process has none of them either) and scores the saved models with the
harness's own helpers (:mod:`autograder.harness.scorer`).

The modules: :mod:`~autograder.live.tasks` (running the tasks in this process),
:mod:`~autograder.live.fresh` (the fresh scoring process), :mod:`~autograder.live.judging` (verdicts) and
:mod:`~autograder.live.tracebacks` (where student code failed, as the student sees it).

Nothing here is a verdict of record: it runs in the student's own kernel, unsandboxed, to give quick
feedback. The autograder's verdicts come from ``sparkgrade check`` / the submission (fresh processes).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from autograder.checks.context import JudgeContext
from autograder.data import PreparedData, prepare
from autograder.errors import SubmissionError
from autograder.live.fresh import Standbys, score_in_fresh_process, student_objects
from autograder.live.judging import judge
from autograder.live.memo import TaskMemo
from autograder.live.tasks import run_tasks
from autograder.registry import project_root
from autograder.results import GradeReport
from autograder.spec import AssignmentSpec


def live_data(spec: AssignmentSpec, spark) -> PreparedData:
    """The prepared public data: shipped with a handout (``.sparkgrade/prepared``), else the cache."""
    shipped = project_root() / "prepared" / spec.slug
    if shipped.is_dir():
        return PreparedData(shipped)
    return prepare(spec, lambda: spark, project_root() / ".cache")


def check_live(spec: AssignmentSpec, namespace: dict, spark, questions: tuple[str, ...] = (),
               keep: Path | None = None, standbys: Standbys | None = None, memo: TaskMemo | None = None) -> GradeReport:
    """The public checks of ``questions`` (all when empty) on the objects in ``namespace``, with ``spark``;
    a check that needs a fresh process takes the one ``standbys`` keeps ready, if given, and the tasks
    ``memo`` remembers with the same inputs are not run again."""
    started = time.monotonic()
    checks = tuple(c for c in spec.public_checks() if not questions or c.question in questions)
    unknown = set(questions) - {q.name for q in spec.questions}
    if unknown:
        raise SubmissionError(f"unknown question {', '.join(sorted(unknown))}; {spec.slug} has "
                              f"{', '.join(q.name for q in spec.questions)}")
    module_name = str(namespace.get("__name__", "__main__"))
    live_spec = replace(spec, module=f"{module_name}.py")   # the student's classes live in this module
    workdir = Path(tempfile.mkdtemp(prefix="sparkgrade-live-"))
    try:
        data = live_data(spec, spark)
        run = run_tasks(live_spec, spec.tasks_for(checks), namespace, spark, data, workdir / "artifacts", memo)
        ctx = JudgeContext(spec=live_spec, artifacts=workdir / "artifacts", scores=workdir / "scores", data=data,
                           spark_factory=lambda: spark)
        results, notes = judge(live_spec, checks, ctx, run, namespace, workdir, standbys,
                               memo.scoring if memo is not None else None)
    finally:
        if keep is not None:
            shutil.copytree(workdir, keep, dirs_exist_ok=True)
        shutil.rmtree(workdir, ignore_errors=True)
    return GradeReport(assignment=spec.slug, submission="this notebook's kernel", checks=tuple(results),
                       seconds=time.monotonic() - started, notes=tuple(notes))


__all__ = ["TaskMemo", "check_live", "run_tasks", "score_in_fresh_process", "student_objects"]
