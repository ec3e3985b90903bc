"""The live checks' tasks, run in the student's kernel on the live namespace, through the harness's own
task code (:func:`autograder.harness.student.run_task`); each task's outcome is recorded in a
:class:`LiveRun` with a message that says what to fix."""

from __future__ import annotations

import signal
import threading
import time
import types
from dataclasses import dataclass, field
from pathlib import Path

from autograder.data import PreparedData
from autograder.harness.artifacts import write_json
from autograder.harness.child_runtime import stop_running_work
from autograder.harness.context import TaskContext, TaskFailed, load_tasks_module
from autograder.harness.sealing import TaskPlan
from autograder.harness.student import run_task
from autograder.live.memo import TaskMemo
from autograder.live.tracebacks import first_line, location, not_written
from autograder.spec import AssignmentSpec, TaskSpec
from autograder.submission import LoadedSubmission


class _Timeout(BaseException):
    pass


class _alarm:
    """A task's time limit with SIGALRM when this is the main thread (a kernel's cells are); else none."""

    def __init__(self, seconds: float):
        self.seconds, self.armed = seconds, False

    def _fire(self, signum, frame):
        raise _Timeout()

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGALRM, self._fire)
            signal.setitimer(signal.ITIMER_REAL, max(float(self.seconds), 0.01))
            self.armed = True
        return self

    def __exit__(self, *exc):
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
        return False


def task_label(task: TaskSpec) -> str:
    return f"{task.call}()" if task.call else f"task '{task.name}'"


@dataclass
class LiveRun:
    """Outcomes of the tasks run in this process: ``{task: {"status", "message", "culprits"}}``."""

    spec: AssignmentSpec
    artifacts: Path
    outcomes: dict[str, dict] = field(default_factory=dict)

    def record(self, task: str, status: str, message: str = "", culprits: tuple[str, ...] = (),
               seconds: float = 0.0) -> None:
        verdict = {"status": status, "message": message, "culprits": list(culprits), "seconds": round(seconds, 3)}
        self.outcomes[task] = verdict
        write_json(self.artifacts / task / "outcome.json", verdict)


def _student_names(spec: AssignmentSpec, task: TaskSpec) -> list[str]:
    """The student functions and classes a task exercises: its ``call``, else those of the questions
    whose checks use it."""
    if task.call:
        return [task.call]
    questions = {c.question for c in spec.checks if task.name in c.tasks}
    return [n for q in spec.questions if q.name in questions for n in q.functions]


def _failure(spec: AssignmentSpec, task: TaskSpec, exc: BaseException, namespace: dict) -> str:
    names = _student_names(spec, task)
    undefined = [n for n in names if n not in namespace]
    if undefined:
        return (f"{', '.join(undefined)} {'is' if len(undefined) == 1 else 'are'} not defined in this notebook's "
                "kernel: run the cell that defines it (keep exactly this name)")
    unwritten = [n for n in names if not_written(namespace.get(n))]
    if unwritten:
        named = ", ".join(n if isinstance(namespace.get(n), type) else f"{n}()" for n in unwritten)
        return (f"{named} {'is' if len(unwritten) == 1 else 'are'} not written yet (the cell still "
                f"raises NotImplementedError: replace it with your code and run the cell)")
    label = task_label(task)
    if isinstance(exc, TaskFailed):
        return f"{label}: {exc}"
    if isinstance(exc, NameError) or (isinstance(exc, AttributeError) and "is not defined" in str(exc)):
        return f"{label} failed: {first_line(exc)}{location(exc)}; run the cell that defines it first"
    return f"{label} failed: {first_line(exc)}{location(exc)}"


def run_tasks(spec: AssignmentSpec, tasks: tuple[TaskSpec, ...], namespace: dict, spark, data: PreparedData,
              artifacts: Path, memo: TaskMemo | None = None) -> LiveRun:
    """Run ``tasks`` in order on the live ``namespace``; a task whose dependencies failed is skipped, and a
    task ``memo`` remembers with the same inputs is not run again."""
    module = types.ModuleType(str(namespace.get("__name__", "__main__")))
    module.__dict__.update(namespace)
    submission = LoadedSubmission(module)
    tasks_module = load_tasks_module(spec.path) if (spec.path / "tasks.py").is_file() else None
    run = LiveRun(spec, artifacts)
    results: dict = {}
    keys: dict[str, str | None] = {}
    inputs = [Path(data.train), Path(data.sample), spec.path / "tasks.py"]
    by_name = {t.name: t for t in tasks}
    for task in tasks:
        failed = [d for d in sorted(task.dependencies()) if run.outcomes.get(d, {}).get("status") != "ok"]
        if failed:
            culprits = tuple(dict.fromkeys(c for d in failed for c in run.outcomes.get(d, {}).get("culprits", [d])))
            labels = ", ".join(task_label(by_name[c]) if c in by_name else c for c in culprits)
            run.record(task.name, "skipped", f"skipped: {labels} did not succeed (fix that first)", culprits)
            continue
        if memo is not None:
            keys[task.name] = memo.key(task, namespace, spark, [keys.get(d) for d in sorted(task.dependencies())],
                                       inputs)
            recalled = memo.recall(keys[task.name], artifacts / task.name)
            if recalled is not None:
                results[task.name] = recalled[1]
                run.record(task.name, "ok", seconds=recalled[0].get("seconds", 0.0))
                continue
        plan = TaskPlan.from_dict(task.plan())
        ctx = TaskContext(spark=spark, submission=submission, assignment_dir=spec.path,
                          artifact_dir=artifacts / task.name, data={"train": str(data.train), "sample": str(data.sample)},
                          id_col=spec.data.id_col, results=results)
        ctx.artifact_dir.mkdir(parents=True, exist_ok=True)
        t0 = time.monotonic()
        try:
            with _alarm(task.timeout_s):
                run_task(ctx, plan, tasks_module)
        except _Timeout:
            stop_running_work(spark)
            run.record(task.name, "timeout", f"{task_label(task)} did not finish within {task.timeout_s:g} s; look "
                       "for an endless loop or an action on a very large DataFrame", (task.name,), time.monotonic() - t0)
            continue
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - the student's failure becomes the task's outcome
            results.pop(task.name, None)
            run.record(task.name, "raised", _failure(spec, task, exc, namespace), (task.name,), time.monotonic() - t0)
            continue
        missing = [p for p in plan.required() if not (ctx.artifact_dir / p).exists()]
        if missing:
            run.record(task.name, "raised", f"{plan.label} ended without leaving its result ({', '.join(missing)} "
                       "is missing)", (task.name,), time.monotonic() - t0)
        else:
            run.record(task.name, "ok", seconds=time.monotonic() - t0)
            if memo is not None:
                memo.keep(task.name, keys.get(task.name), ctx.artifact_dir, run.outcomes[task.name],
                          results.get(task.name))
    return run
