"""Student phase, grader side: copies what the child may read into its area, runs it in the sandbox,
seals each task's outputs as the task ends and gives its own verdict, never orders a task whose
dependencies failed, stops a task that ignores its time limit, records how a task that killed the process
ended, and starts a fresh child for the tasks after it (the earlier tasks they need are re-run for their
in-memory results, without sealing them again). The child is :mod:`autograder.harness.student`."""

from __future__ import annotations

import shutil
import time
from dataclasses import replace
from pathlib import Path

from autograder.harness.artifacts import read_json, write_json
from autograder.harness.jobs import HARNESS, MAX_RESTARTS, StudentJob
from autograder.harness.sealing import TaskPlan, TaskSequencer
from autograder.spark import SparkOptions
from autograder.timings import sequence_rows


def copy_input(source: Path, target: Path) -> None:
    """Copy a file or folder the grader gives a child (never following links)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target, symlinks=False, dirs_exist_ok=True)
    else:
        shutil.copyfile(source, target)


def copy_assignment(assignment_dir: Path, target: Path) -> None:
    """What the tasks read of the assignment: ``tasks.py`` and the fixtures, public and hidden in one folder
    (hidden fixtures are the inputs of hidden checks, never in a handout)."""
    if (assignment_dir / "tasks.py").is_file():
        copy_input(assignment_dir / "tasks.py", target / "tasks.py")
    for fixtures in (assignment_dir / "fixtures", assignment_dir / "hidden" / "fixtures"):
        if fixtures.is_dir():
            copy_input(fixtures, target / "fixtures")
    target.mkdir(parents=True, exist_ok=True)


def run_student_phase(area, assignment_dir: Path, module_name: str, submission: Path, data: dict,
                      tasks: list[TaskPlan], spark: dict, id_col: str, limit_s: float, memory_mb: int,
                      hidden: tuple = (), starter=None, timings=None):
    """Run the student phase in ``area`` (a :class:`autograder.sandbox.ChildArea`); return the last
    :class:`ChildRun` and notes for the report. Sealed task outputs and the grader's verdicts end up in
    :func:`sealed_folder` (``<task>/outcome.json``).
    ``starter``: a fork server to start the children from (see :func:`autograder.sandbox.run_child`)."""
    from autograder.sandbox import Jail, needs_network, network_notes, run_child

    inp = area.input
    copy_input(submission, inp / submission.name)
    copy_assignment(assignment_dir, inp / "assignment")
    public = {}
    for name, path in data.items():
        public[name] = str(inp / "data" / Path(path).name)
        copy_input(Path(path), Path(public[name]))
    artifacts = area.output("artifacts")
    area.open_for_child(artifacts)
    jail = Jail(area.iso, area, writable=(artifacts, area.home, area.tmp), hidden=tuple(hidden),
                network=needs_network(spark))
    notes = network_notes(jail) + [f"sandbox: made unreadable for the submission: {p}" for p in jail.protect()]
    plans = list(tasks)
    load_timeout = min(120.0, max(10.0, limit_s / 3))
    sequencer = TaskSequencer(artifacts=artifacts, control=inp / "control", sealed=sealed_folder(area),
                              order=list(plans), load_timeout_s=load_timeout)
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
        write_json(job_file, job.to_dict())
        run = run_child("autograder.harness.student", job_file, area.home, remaining, memory_mb,
                        jail=jail, watch=sequencer, starter=starter)
        run.keep_log(area.root.parent / f"student-{attempt}.log")
        sequencer.settle()
        if not sequencer.loaded:
            run = replace(run, during="while running the submission's top-level code (before any task)")
            break
        killer = sequencer.interrupted(run.describe(limit_s, memory_mb))
        if killer is not None:
            run = replace(run, during=f"while {killer.label} was running")
        left = [p for p in pending if p.name not in sequencer.verdicts]
        if not left or run.timed_out:
            break
        pending = left
    notes += sequencer.notes
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
    return run, notes


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
