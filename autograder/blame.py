"""Whose fault it is: the verdict for a check whose task did not succeed, from what the grader itself
observed (the cause it sealed with the task's verdict, the sandbox's limits, the box's kernel OOM kills and
its size against the assignment's measured minimum), never from a message or an exception class the child
produced. Grader side."""

from __future__ import annotations

from dataclasses import replace

from autograder.box import HARDWARE_SETTING, Box, MemoryEvidence, box_error, upstream_failure
from autograder.checks.context import JudgeContext
from autograder.results import Cause, CheckResult, Status
from autograder.sandbox import ChildRun
from autograder.spec import AssignmentSpec, CheckSpec, TaskSpec


def task_label(task: TaskSpec) -> str:
    return f"{task.call}()" if task.call else f"task '{task.name}'"


def task_problem(ctx: JudgeContext, spec: AssignmentSpec, check: CheckSpec, run: ChildRun,
                  box: Box) -> CheckResult | None:
    """A verdict if a task the check needs did not succeed, else None. Whose fault it is comes from the
    grader's sealed verdict (its ``cause``, set from what the grader observed) and the box's memory
    accounting, never from the text of a message."""
    for name in check.tasks:
        task = spec.task(name)
        outcome = ctx.outcome(name)
        status = outcome.get("status")
        if status == "ok":
            continue
        label = task_label(task)
        message = str(outcome.get("message", ""))
        if status == "raised":
            return blamed(spec, outcome, run, box, f"{label} failed: {message}")
        if status == "timeout":
            return blamed(spec, outcome, run, box, f"{label} did not finish within {task.timeout_s:g} s; look for "
                                                    "an endless loop or an action on a very large DataFrame")
        if status == "started":         # stopped by the grader for a reason of its own
            return blamed(spec, outcome, run, box, f"{label} could not be graded: {message}")
        if status == "skipped":
            upstream = upstream_failure(spec, name, ctx.outcome)
            return blamed(spec, {**upstream, "message": message}, run, box, f"{label} was {message or 'not run'}")
        ended = run.describe(spec.time_limit_s, spec.memory_mb)
        evidence = MemoryEvidence(tree_limit=run.memory_exceeded)
        return (box_error(spec, evidence, run, box)
                or CheckResult.because(Cause(run.cause), f"{label} was not run: {ended}"))
    return None


def blamed(spec: AssignmentSpec, outcome: dict, run: ChildRun, box: Box, message: str) -> CheckResult:
    """The verdict for a task that did not succeed, from the cause the grader sealed with it: a memory death
    the grader observed in a box too small for the assignment is the grader's ``error``."""
    try:
        cause = Cause(outcome.get("cause") or Cause.STUDENT_ERROR.value)
    except ValueError:
        cause = Cause.STUDENT_ERROR
    if cause.status is Status.FAILED:
        kills = outcome.get("oom_kills")
        evidence = MemoryEvidence(tree_limit=cause is Cause.STUDENT_MEMORY,
                                  kernel_kills=kills if isinstance(kills, int) else 0)
        blamed_box = box_error(spec, evidence, run, box)
        if blamed_box is not None:
            return blamed_box
    if cause is Cause.GRADER_INFRASTRUCTURE:
        message += "; this is a problem on the grader's side, not in the submission: it will be graded again"
    return CheckResult.because(cause, message)


def below_minimum(spec: AssignmentSpec, box: Box, results: list[CheckResult]) -> list[CheckResult]:
    """In a box smaller than the assignment's measured minimum (``[box] min_memory_mb``), a check that did not
    pass cannot be judged: its processes may have died of the box's memory without any sign the grader could
    tell from the submission's own failure. Every such check is the grader's ``error`` (the box's), never the
    student's ``failed``; passes stand."""
    needs = spec.box.min_memory_mb if spec.box is not None else None
    if needs is None or box.memory_mb >= needs:
        return results
    text = (f"this autograder box has {box.memory_mb} MB of memory and {box.cpus:g} CPU, less than assignment "
            f"{spec.slug} needs at least {needs} MB (measured), so a check that did not pass cannot be judged here; "
            f"this is not a verdict on the submission. Instructor: in Gradescope, open {HARDWARE_SETTING} and choose a box "
            f"with at least {needs} MB of memory, then regrade.")
    return [r if r.status is Status.PASSED else
            replace(r, status=Status.ERROR, cause=Cause.GRADER_INFRASTRUCTURE, message=text, hint="", score=0.0)
            for r in results]
