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
import sys
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from autograder.build.templating import render
from autograder.engine.server import ConnectServer
from autograder.errors import SparkgradeError, SubmissionError
from autograder.feedback import view
from autograder.engine.prefork import fork_server
from autograder.results import Cause, CheckResult, GradeReport
from autograder.runner import Grader, attach
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
    problems: tuple[str, ...] = ()          # what could not be written (each output is written on its own)

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
def engine(kind: str, options: SparkOptions, work_root: Path | None = None, server: ConnectServer | None = None):
    """(Spark options for the children, the folder for work folders, the supervised server or None): a warm
    local Spark Connect server (whose sandbox sees only its work root), or the options as given (with
    ``server``, the :class:`ConnectServer` of ``options.remote`` when the caller runs it)."""
    if kind == "local":
        yield dataclasses.replace(options, remote=None), work_root, None
    elif options.remote is None:
        started = ConnectServer(options)
        try:
            started.start()
        except RuntimeError as exc:         # no guard (no javac) or it would not start: the class still runs
            started.stop(keep_log=True, record=False)
            print(f"sparkgrade: {exc}; grading with local Spark instead", file=sys.stderr)
            yield dataclasses.replace(options, remote=None), work_root, None
            return
        with started:
            yield (SparkOptions(remote=started.url, shuffle_partitions=options.shuffle_partitions),
                   started.work_root, started)
    else:
        yield options, work_root, server


def grade_class(spec: AssignmentSpec, folder: Path, out: Path, options: SparkOptions, workers: int = 0,
                engine_kind: str = "connect", progress: bool = True, work_root: Path | None = None,
                release: str = "none", outputs=tuple(CLASS_OUTPUTS), server: ConnectServer | None = None) -> ClassResult:
    """Grade every submission in ``folder`` into ``out``; skip students already graded. ``work_root``:
    where the per-submission work folders go (the work root of the Connect server given as
    ``options.remote``, if it is a :class:`ConnectServer` of this process). ``release``: which delayed
    checks the students' files show (:data:`autograder.feedback.RELEASES`). ``outputs``: the class-level
    outputs to write once every student is graded (names of :data:`autograder.writers.classes.CLASS_OUTPUTS`).
    ``server``: the supervised :class:`ConnectServer` behind ``options.remote`` (one this function starts
    itself is supervised anyway): restarted when it dies, the students graded while it died graded again.

    A class run never aborts on one student: whatever goes wrong while grading or writing one student is
    that student's ``error`` (the grader's cause, so the next run grades them again), and the class files
    are written."""
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
    for student, report in list(reports.items()):
        if safe_feedback(out, student, report, release) is not None:    # missing or with another release: refreshed
            del reports[student]
    todo = [(s, p) for s, p in students if s not in reports]
    workers = workers or default_workers()
    if todo:
        kind = engine_kind if spec.spark_connect else "local"
        console = Console(stderr=True, quiet=not progress)
        with contextlib.ExitStack() as stack:
            with console.status(f"{spec.slug}: starting the grading engine ("
                                f"{'a warm Spark Connect server' if kind == 'connect' else 'local Spark'}) and "
                                "preparing the data; this takes a minute or two"):
                child_options, child_work_root, supervised = stack.enter_context(
                    engine(kind, options, work_root, server))
                starter = stack.enter_context(fork_server(enabled=child_options.remote is not None))
                grader = Grader(spark_options=child_options, work_root=child_work_root, starter=starter,
                                server=supervised)
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
                    if supervised is not None:
                        supervised.ensure_alive()       # a server that died is restarted before the next student
                    return grade_one(grader, spec, student, path)
                finally:
                    with lock:
                        running.discard(student)
                        bar.update(task, description=now_grading(spec.slug, running))

            with ThreadPoolExecutor(max_workers=workers) as pool:
                futures = {pool.submit(graded, student, path): student for student, path in todo}
                for future in as_completed(futures):
                    student = futures[future]
                    try:
                        report = future.result()
                    except Exception as exc:  # noqa: BLE001 - one student's grading never ends the class run
                        report = grader_failure(spec, futures_path(todo, student), "grading", exc)
                    if (problem := safe_feedback(out, student, report, release)) is not None:
                        report = grader_failure(spec, futures_path(todo, student), "writing the feedback of",
                                                problem)
                    reports[student] = report
                    bar.advance(task)
            bar.update(task, description=f"{spec.slug}: done")
    written, problems = {}, []
    for name in outputs:                # each class-level output on its own: one that fails leaves the others
        try:
            written.update(write_class_outputs(out, spec, reports, (name,)))
        except Exception as exc:  # noqa: BLE001 - reported to the instructor, never the end of the run
            problems.append(f"{name} could not be written ({type(exc).__name__}: {exc}); free space or fix "
                            f"{out} and run the same command again: graded students are not graded again")
    return ClassResult(len(todo), len(students) - len(todo), reports, written, time.monotonic() - started,
                       tuple(problems))


def now_grading(slug: str, running: set[str], width: int = 48) -> str:
    """The progress line's description: the assignment and the students being graded right now."""
    names = ", ".join(sorted(running))
    return f"{slug}: {names[:width] + '...' if len(names) > width else names or 'between students'}"


def grade_one(grader: Grader, spec: AssignmentSpec, student: str, path: Path) -> GradeReport:
    """One student's report, whatever happens: a submission that cannot even be staged still gets one, and
    an exception of the grader's own is that student's ``error`` (graded again by the next run)."""
    try:
        return grader.grade(spec, path)
    except SubmissionError as exc:  # raised only for a bad --question; staging errors are reported
        return GradeReport(spec.slug, str(path), tuple(attach(CheckResult.failed(str(exc)), c) for c in spec.checks))
    except Exception as exc:  # noqa: BLE001 - one student's grading never ends the class run
        return grader_failure(spec, path, "grading", exc)


def grader_failure(spec: AssignmentSpec, path: Path, doing: str, exc: BaseException | None) -> GradeReport:
    """The report of a student whose grading the grader itself could not finish: every check ``error``
    (cause ``grader_bug``), so the total is not final and the next run grades the student again."""
    why = f" ({type(exc).__name__}: {str(exc)[:300]!r})" if exc is not None else ""
    message = (f"the grader failed while {doing} this submission{why}; this is a problem on the grader's side, "
               "not in the submission: it will be graded again")
    return GradeReport(spec.slug, str(path),
                       tuple(attach(CheckResult.error(message, cause=Cause.GRADER_BUG), c) for c in spec.checks),
                       notes=(message,))


def futures_path(todo: list[tuple[str, Path]], student: str) -> Path:
    return next(p for s, p in todo if s == student)


def safe_feedback(out: Path, student: str, report: GradeReport, release: str) -> Exception | None:
    """:func:`write_feedback`; the exception when it could not be written (a full disk, an unwritable
    folder): the student then counts as not graded, and the batch goes on."""
    try:
        write_feedback(out, student, report, release)
        return None
    except Exception as exc:  # noqa: BLE001 - one student's files never end the class run
        with contextlib.suppress(OSError):
            (out / INSTRUCTOR / f"{student}.json").unlink()      # never left behind as if final
        return exc
