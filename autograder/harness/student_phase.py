"""Student phase, grader side: copies what the child may read into its area, runs it in the sandbox,
seals each task's outputs as the task ends and gives its own verdict, never orders a task whose
dependencies failed, stops a task that ignores its time limit, records how a task that killed the process
ended, and starts a fresh child for the tasks after it (the earlier tasks they need are re-run for their
in-memory results, without sealing them again). The child is :mod:`autograder.harness.student`.

Hidden inputs (:class:`HiddenInputs`). The tasks that only non-visible checks need (:func:`late_tasks`) run
after every other task, and the hidden fixtures (``<assignment>/hidden/fixtures``) are copied into the child's
``input/assignment/fixtures`` only just before the first of them is ordered; the job file names those tasks
only from then on. From that point every verdict the grader records (and the notes of the tasks it seals,
and what a later child reports about loading the submission) counts as *tainted*: the runner marks the
checks of tainted tasks ``withheld`` (:func:`withhold_tainted`), and students see a generic message for them
(:mod:`autograder.feedback`); the instructor keeps the full text. The fixtures are removed when the phase ends
(the scoring child never sees them).

What this protects: the text (messages, hints, notes, load problems) of everything that ran while hidden
fixtures or hidden task declarations were in the submission's reach; a visible check's message comes from a
task that ended, and was sealed, before they were. What it does not: the pass/fail and points of the
tainted checks (the total score includes them, as on Gradescope); ``tasks.py`` and the public fixtures, which
stay readable throughout (the handout ships them, and 06 runs ``tasks.py`` functions in subprocesses); the
scoring phase's own hidden inputs (the held-out features, see :mod:`autograder.harness.scoring_phase`).
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

from autograder.box import oom_kills
from autograder.harness.artifacts import read_json, write_json
from autograder.harness.jobs import HARNESS, MAX_RESTARTS, StudentJob
from autograder.harness.sealing import TaskPlan, TaskSequencer
from autograder.results import CheckResult
from autograder.sandbox import Jail, needs_network, network_notes, run_child
from autograder.sandbox.reads import ReadWatch, WatchUnavailable
from autograder.spark import SparkOptions
from autograder.timings import sequence_rows


def copy_input(source: Path, target: Path) -> None:
    """Copy a file or folder the grader gives a child (never following links)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target, symlinks=False, dirs_exist_ok=True)
    else:
        shutil.copyfile(source, target)


def copy_assignment(assignment_dir: Path, target: Path, hidden_fixtures: bool = True) -> None:
    """What the tasks read of the assignment: ``tasks.py`` and the fixtures, public and (``hidden_fixtures``)
    hidden in one folder (hidden fixtures are the inputs of hidden checks, never in a handout; the student
    phase adds them later, see :class:`HiddenInputs`)."""
    if (assignment_dir / "tasks.py").is_file():
        copy_input(assignment_dir / "tasks.py", target / "tasks.py")
    for fixtures in (assignment_dir / "fixtures", *((assignment_dir / "hidden" / "fixtures",) if hidden_fixtures else ())):
        if fixtures.is_dir():
            copy_input(fixtures, target / "fixtures")
    (target / "fixtures").mkdir(parents=True, exist_ok=True)


def late_tasks(plans: Iterable[TaskPlan], checks: Iterable) -> frozenset[str]:
    """Tasks that no ``visible`` check needs, directly or as a dependency of one (``checks``: the
    :class:`autograder.spec.CheckSpec` s graded): they run last, with the hidden fixtures."""
    plans = {p.name: p for p in plans}
    early: set[str] = set()
    stack = [t for c in checks if c.visibility == "visible" for t in c.tasks]
    while stack:
        name = stack.pop()
        if name not in early and name in plans:
            early.add(name)
            stack += plans[name].needs
    return frozenset(plans) - early


@dataclass
class HiddenInputs:
    """The hidden fixtures and late task declarations, kept out of the child's reach until the first late
    task is ordered (:meth:`reveal`); what the grader records from then on is tainted."""

    source: Path                        # <assignment>/hidden/fixtures (the grader's)
    target: Path                        # the child's input/assignment/fixtures
    load: Path                          # the child's _load.json
    job: Callable[[], None] = lambda: None      # rewrites the current child's job with every task
    revealed: bool = False
    copied: list[Path] = field(default_factory=list)
    load_before: dict | None = None     # the load report of a child that loaded before the reveal

    def reveal(self) -> None:
        if self.revealed:
            return
        self.revealed = True
        self.load_before = _read_dict(self.load)
        if self.source.is_dir():
            for path in sorted(self.source.iterdir()):
                if path.is_file() and not path.is_symlink() and not (self.target / path.name).exists():
                    copy_input(path, self.target / path.name)
                    self.copied.append(self.target / path.name)
        self.job()

    def withdraw(self) -> list[str]:
        """After the last child: remove the hidden fixtures and put back the load report made before the
        reveal; returns the later children's load problems as instructor-only notes."""
        for path in self.copied:
            path.unlink(missing_ok=True)
        if not self.revealed or self.load_before is None:
            return []
        later = _read_dict(self.load).get("problems")
        write_json(self.load, self.load_before)
        before = self.load_before.get("problems") or []
        return [f"instructor: while loading the submission with hidden inputs in its reach (not shown to "
                f"students): {str(p)[:2000]}" for p in (later if isinstance(later, list) else []) if p not in before]


@dataclass
class GatedSequencer(TaskSequencer):
    """A :class:`TaskSequencer` that reveals the hidden inputs just before it orders the first late task,
    and knows which verdicts were recorded from then on (:attr:`tainted`)."""

    late: frozenset[str] = frozenset()
    hidden: HiddenInputs | None = None
    before: frozenset[str] | None = None        # the tasks with a verdict when the hidden inputs were revealed
    notes_at: int = 0                           # len(notes) then

    def _next(self) -> None:
        upcoming = next((p for p in self.order if all(self.verdict(d).get("status") == "ok" for d in p.needs)),
                        None)
        if self.before is None and upcoming is not None and upcoming.name in self.late:
            self.before, self.notes_at = frozenset(self.verdicts), len(self.notes)
            if self.hidden is not None:
                self.hidden.reveal()
        super()._next()

    @property
    def tainted(self) -> frozenset[str]:
        return frozenset() if self.before is None else frozenset(self.verdicts) - self.before

    def tainted_notes(self) -> list[str]:
        """The notes, those written after the reveal as instructor-only."""
        if self.before is None:
            return list(self.notes)
        return self.notes[:self.notes_at] + [f"instructor: {n}" for n in self.notes[self.notes_at:]]


def _read_dict(path: Path) -> dict:
    try:
        data = read_json(path)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def tainted_record(area) -> Path:
    """Where the grader records the tainted tasks of a student phase (beside the area, out of its reach)."""
    return area.root.parent / "tainted.json"


def tainted_tasks(area) -> frozenset[str]:
    """The tasks whose verdicts were recorded while hidden inputs were in the child's reach."""
    tasks = _read_dict(tainted_record(area)).get("tasks", [])
    return frozenset(str(t) for t in tasks) if isinstance(tasks, list) else frozenset()


def withhold_tainted(results: list[CheckResult], checks: Iterable, tainted: frozenset[str]) -> list[CheckResult]:
    """``results`` (one per check of ``checks``, in order) with the checks of tainted tasks marked
    ``withheld``: their text may carry what the submission read of the hidden inputs."""
    return [replace(r, withheld=True) if set(c.tasks) & tainted else r for r, c in zip(results, checks)]


def run_student_phase(area, assignment_dir: Path, module_name: str, submission: Path, data: dict,
                      tasks: list[TaskPlan], spark: dict, id_col: str, limit_s: float, memory_mb: int,
                      hidden: tuple = (), starter=None, timings=None, abort=None, late: frozenset[str] = frozenset(),
                      watched: str | None = None):
    """Run the student phase in ``area`` (a :class:`autograder.sandbox.ChildArea`); return the last
    :class:`ChildRun`, notes for the report, and how often the children opened or read ``data[watched]``
    (counted by the grader's kernel watch over every child's life; None when nothing is watched or the
    platform cannot watch). Sealed task outputs and the grader's verdicts end up in
    :func:`sealed_folder` (``<task>/outcome.json``).
    ``starter``: a fork server to start the children from (see :func:`autograder.sandbox.run_child`).
    ``abort``: called while a child runs; a reason it returns (the shared Spark server died) stops the child
    and is the grader's cause of the task that was running.
    ``late``: the tasks run last, with the hidden fixtures (:func:`late_tasks`); the tainted tasks are
    recorded for :func:`tainted_tasks`."""
    inp = area.input
    copy_input(submission, inp / submission.name)
    copy_assignment(assignment_dir, inp / "assignment", hidden_fixtures=False)
    tainted_record(area).unlink(missing_ok=True)
    public = {}
    for name, path in data.items():
        public[name] = str(inp / "data" / f"{name}{Path(path).suffix}")
        copy_input(Path(path), Path(public[name]))
    artifacts = area.output("artifacts")
    area.open_for_child(artifacts)
    jail = Jail(area.iso, area, writable=(artifacts, area.home, area.tmp), hidden=tuple(hidden),
                network=needs_network(spark))
    notes = network_notes(jail) + [f"sandbox: made unreadable for the submission: {p}" for p in jail.protect()]
    plans = [p for p in tasks if p.name not in late] + [p for p in tasks if p.name in late]
    hidden_inputs = HiddenInputs(source=assignment_dir / "hidden" / "fixtures", target=inp / "assignment" / "fixtures",
                                 load=artifacts / "_load.json")
    load_timeout = min(120.0, max(10.0, limit_s / 3))
    sequencer = GatedSequencer(artifacts=artifacts, control=inp / "control", sealed=sealed_folder(area),
                               order=list(plans), load_timeout_s=load_timeout, memory_events=oom_kills, abort=abort,
                               late=frozenset(late), hidden=hidden_inputs)
    watch = _watch(Path(public[watched])) if watched else None     # from before the first child to after the last
    try:
        deadline = time.monotonic() + limit_s
        pending = list(plans)
        run = None
        for attempt in range(MAX_RESTARTS + 1):
            remaining = deadline - time.monotonic()
            if remaining < 1:
                break
            rerun = reruns_needed(plans, pending, sequencer.verdicts)
            sequencer.start([p for p in plans if p.name in rerun] + pending, frozenset(rerun))
            job = StudentJob(submission=inp / submission.name, module_name=module_name,
                             assignment_dir=inp / "assignment", artifacts=artifacts, control=sequencer.control,
                             spark=SparkOptions.from_dict(spark), id_col=id_col, data=public, tasks=tuple(plans),
                             memory_mb=memory_mb, load_timeout_s=load_timeout)
            job_file = inp / f"student-job-{attempt}.json"
            hidden_inputs.job = lambda job=job, job_file=job_file: write_json(job_file, job.to_dict())
            shown = job if hidden_inputs.revealed else replace(job, tasks=tuple(p for p in plans if p.name not in late))
            write_json(job_file, shown.to_dict())       # the late tasks' declarations come with the hidden inputs
            run = run_child("autograder.harness.student", job_file, area.home, remaining, memory_mb,
                            jail=jail, watch=sequencer, starter=starter)
            run.keep_log(area.root.parent / f"student-{attempt}.log")
            if run.disk_exceeded:
                area.open_for_child()           # its scratch emptied: the next child starts under the cap again
            sequencer.settle()
            if not sequencer.loaded:
                run = replace(run, during="while running the submission's top-level code (before any task)")
                break
            killer = sequencer.interrupted(run.describe(limit_s, memory_mb), run.cause)
            if killer is not None:
                run = replace(run, during=f"while {killer.label} was running")
            left = [p for p in pending if p.name not in sequencer.verdicts]
            if not left or run.timed_out or sequencer.aborted:
                break
            pending = left
    finally:
        if watch is not None:
            watch.stop()
    notes += sequencer.tainted_notes() + hidden_inputs.withdraw()
    for job_file in inp.glob("student-job-*.json"):     # they declare the late tasks: not for the scoring child
        job_file.unlink(missing_ok=True)
    write_json(tainted_record(area), {"tasks": sorted(sequencer.tainted)})
    if timings is not None:             # an autograder.timings.Timings: where the phase's time went
        timings.rows += sequence_rows(sequencer, "child start to loaded (interpreter, Spark, submission)", "task")
    if run is not None and run.output_bytes > 1_000_000:
        notes.append(f"the submission printed {run.output_bytes / 2**20:.0f} MB; only the first and last "
                     "16 KB of the output were kept")
    try:
        events = read_json(artifacts / HARNESS)
    except (OSError, ValueError):
        events = {}
    if isinstance(events, dict) and events.get("spark_restarted"):
        notes.append("the submission stopped (or broke) the Spark session; the grader started a new one for "
                     "the following tasks (never call spark.stop() in submitted code)")
    if isinstance(events, dict) and events.get("conf_restored"):
        notes.append("the submission changed Spark settings; the grader put them back before each task")
    area.seal(artifacts)
    return run, notes, (watch.total if watch is not None else None)


def _watch(path: Path):
    """A started :class:`ReadWatch` of ``path``; None where reads cannot be watched (the checks that need
    it are then the grader's ``error``)."""
    try:
        return ReadWatch(path).start()
    except WatchUnavailable:
        return None


def sealed_folder(area) -> Path:
    """Where the grader keeps sealed task outputs: beside the child's area, never inside it."""
    return area.root.parent / "sealed"


def reruns_needed(plans: list[TaskPlan], pending: list[TaskPlan], verdicts: dict) -> set[str]:
    """Tasks that succeeded earlier and that ``pending`` tasks need (transitively) for their in-memory
    results: a fresh child runs them again first; their outputs are not sealed again."""
    by_name = {p.name: p for p in plans}
    need: set[str] = set()
    stack = [d for p in pending for d in p.needs]
    while stack:
        name = stack.pop()
        if name in need or name not in by_name or verdicts.get(name, {}).get("status") != "ok":
            continue
        need.add(name)
        stack += by_name[name].needs
    return need
