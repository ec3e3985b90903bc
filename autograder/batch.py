"""Grade a whole class: a folder of submissions -> per-student feedback, then the chosen class-level outputs
(gradebook, Canvas import, summary: :mod:`autograder.writers.classes`).

Each student's folder (``<out>/<student>/report.json`` and ``report.md``) holds only what the student may
see (:mod:`autograder.feedback`: hidden checks' results and internal notes are left out); the instructor's
full copy is ``<out>/_instructor/<student>.json`` (and ``.md``).

Resumable and loss-free: the instructor's copy is written atomically first, when the report is final, and
marks the student as graded; a rerun skips students already graded (refreshing their feedback files only
where it changed, e.g. with another ``release``), and the class-level outputs are rebuilt (atomically)
from the instructor's copies on disk.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from autograder.build.templating import render
from autograder.engine.server import ConnectServer
from autograder.errors import SparkgradeError, SubmissionError
from autograder.feedback import view
from autograder.engine.prefork import fork_server
from autograder.results import GradeReport
from autograder.runner import Grader
from autograder.spark import SparkOptions
from autograder.spec import AssignmentSpec
from autograder.writers.classes import CLASS_OUTPUTS, atomic_write, class_outputs, write_class_outputs

SUBMISSION_SUFFIXES = (".py", ".ipynb", ".zip")
INSTRUCTOR = "_instructor"      # <out>/_instructor/<student>.json: the full reports, never handed out


def default_workers() -> int:
    """Parallel submissions: one per core, at most 4 (the warm server's CPU is the limit beyond that)."""
    return max(1, min(4, os.cpu_count() or 1))


@dataclass(frozen=True)
class ClassResult:
    """What a batch run produced."""

    graded: int
    skipped: int
    reports: dict[str, GradeReport]
    outputs: dict[str, tuple[Path, ...]]    # the class-level outputs written, by name
    seconds: float

    @property
    def gradebook(self) -> Path | None:
        return self.outputs["gradebook"][0] if "gradebook" in self.outputs else None


def class_submissions(folder: Path) -> list[tuple[str, Path]]:
    """(student, path) for every entry of a class folder: files named after the student, or one folder each."""
    found = []
    for entry in sorted(Path(folder).iterdir()):
        if entry.name.startswith(".") or entry.is_symlink():
            continue
        if entry.is_dir() or entry.suffix in SUBMISSION_SUFFIXES:
            found.append((entry.stem if entry.is_file() else entry.name, entry))
    return found


def write_if_changed(path: Path, data: str) -> None:
    """Atomically write ``data`` unless the file already holds exactly it (its time stays then)."""
    try:
        if path.read_text(encoding="utf-8") == data:
            return
    except (OSError, UnicodeDecodeError):
        pass
    atomic_write(path, data)


def finished_report(out: Path, student: str, spec: AssignmentSpec) -> GradeReport | None:
    """The instructor's copy of a student's final report, if the student was graded already; a report with
    a check the grader could not grade (status ``error``) is not final, so that student is graded again."""
    path = out / INSTRUCTOR / f"{student}.json"
    try:
        report = GradeReport.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if report.assignment != spec.slug or report.grader_errors:
        return None
    return report


def write_feedback(out: Path, student: str, report: GradeReport, release: str = "none") -> None:
    """The instructor's copy first (it marks the student as graded), then the student's files, which
    are derived from it and rewritten only when they change."""
    write_if_changed(out / INSTRUCTOR / f"{student}.json", report.to_json())
    full = view(report, student, instructor=True)
    write_if_changed(out / INSTRUCTOR / f"{student}.md", render("feedback/report.md.j2", view=full))
    mine = view(report, student, release)
    write_if_changed(out / student / "report.md", render("feedback/report.md.j2", view=mine))
    write_if_changed(out / student / "report.json", json.dumps(mine, indent=2, sort_keys=True))


@contextlib.contextmanager
def engine(kind: str, options: SparkOptions, work_root: Path | None = None):
    """(Spark options for the children, the folder for work folders): a warm local Spark Connect server
    (whose sandbox sees only its work root), or the options as given."""
    if kind == "local":
        yield dataclasses.replace(options, remote=None), work_root
    elif options.remote is None:
        with ConnectServer(options) as server:
            yield SparkOptions(remote=server.url, shuffle_partitions=options.shuffle_partitions), server.work_root
    else:
        yield options, work_root


def grade_class(spec: AssignmentSpec, folder: Path, out: Path, options: SparkOptions, workers: int = 0,
                engine_kind: str = "connect", progress: bool = True, work_root: Path | None = None,
                release: str = "none", outputs=tuple(CLASS_OUTPUTS)) -> ClassResult:
    """Grade every submission in ``folder`` into ``out``; skip students already graded. ``work_root``:
    where the per-submission work folders go (the work root of the Connect server given as
    ``options.remote``, if it is a :class:`ConnectServer` of this process). ``release``: which delayed
    checks the students' files show (:data:`autograder.feedback.RELEASES`). ``outputs``: the class-level
    outputs to write once every student is graded (names of :data:`autograder.writers.classes.CLASS_OUTPUTS`)."""
    import time

    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)

    started = time.monotonic()
    outputs = class_outputs(outputs)        # an unknown name fails now, not after the class is graded
    if not Path(folder).is_dir():
        raise SparkgradeError(f"{folder} is not a folder: --class grades a folder holding one file or one "
                              "folder per student")
    out.mkdir(parents=True, exist_ok=True)
    students = class_submissions(folder)
    if any(s == INSTRUCTOR for s, _ in students):
        raise SparkgradeError(f"{folder}/{INSTRUCTOR}: this name is reserved for the instructor's copies; "
                              "rename that submission")
    reports = {s: r for s, _ in students if (r := finished_report(out, s, spec)) is not None}
    for student, report in reports.items():
        write_feedback(out, student, report, release)       # missing or with another release: refreshed
    todo = [(s, p) for s, p in students if s not in reports]
    workers = workers or default_workers()
    if todo:
        kind = engine_kind if spec.spark_connect else "local"
        console = Console(stderr=True, quiet=not progress)
        with contextlib.ExitStack() as stack:
            with console.status(f"{spec.slug}: starting the grading engine ("
                                f"{'a warm Spark Connect server' if kind == 'connect' else 'local Spark'}) and "
                                "preparing the data; this takes a minute or two"):
                child_options, child_work_root = stack.enter_context(engine(kind, options, work_root))
                starter = stack.enter_context(fork_server(enabled=child_options.remote is not None))
                grader = Grader(spark_options=child_options, work_root=child_work_root, starter=starter)
                grader.prepared(spec)
            bar = stack.enter_context(Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                               TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                                               console=console, transient=False))
            task = bar.add_task(f"grading {spec.slug}", total=len(todo))
            running: set[str] = set()
            lock = threading.Lock()

            def graded(student: str, path: Path) -> GradeReport:
                with lock:
                    running.add(student)
                    bar.update(task, description=now_grading(spec.slug, running))
                try:
                    return grade_one(grader, spec, student, path)
                finally:
                    with lock:
                        running.discard(student)
                        bar.update(task, description=now_grading(spec.slug, running))

            with ThreadPoolExecutor(max_workers=workers) as pool:
                futures = {pool.submit(graded, student, path): student for student, path in todo}
                for future in as_completed(futures):
                    student = futures[future]
                    report = future.result()
                    write_feedback(out, student, report, release)
                    reports[student] = report
                    bar.advance(task)
            bar.update(task, description=f"{spec.slug}: done")
    written = write_class_outputs(out, spec, reports, outputs)
    return ClassResult(len(todo), len(students) - len(todo), reports, written, time.monotonic() - started)


def now_grading(slug: str, running: set[str], width: int = 48) -> str:
    """The progress line's description: the assignment and the students being graded right now."""
    names = ", ".join(sorted(running))
    return f"{slug}: {names[:width] + '...' if len(names) > width else names or 'between students'}"


def grade_one(grader: Grader, spec: AssignmentSpec, student: str, path: Path) -> GradeReport:
    """One student's report; a submission that cannot even be staged still gets a report."""
    try:
        return grader.grade(spec, path)
    except SubmissionError as exc:  # raised only for a bad --question; staging errors are reported
        from autograder.results import CheckResult
        from autograder.runner import attach

        return GradeReport(spec.slug, str(path), tuple(attach(CheckResult.failed(str(exc)), c) for c in spec.checks))
