"""Checks on plain results: the task ran, or its returned value equals what is expected."""

from __future__ import annotations

from typing import Mapping

from autograder.checks.context import JudgeContext
from autograder.checks.dataframe import close_enough
from autograder.results import CheckResult
from autograder.spec import CheckSpec


def thaw(value):
    """A spec value (read-only mappings, tuples) as the plain JSON shapes a task saves (dicts, lists)."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [thaw(v) for v in value]
    return value


def judge_task_ok(ctx: JudgeContext, check: CheckSpec) -> CheckResult:
    """Passes when every task of the check ran without error (the runner has already verified that)."""
    return CheckResult.passed(f"{', '.join(check.tasks)} ran without error")


def judge_value(ctx: JudgeContext, check: CheckSpec) -> CheckResult:
    """The returned value equals ``params.expected`` (floats within ``tolerance``, relative)."""
    got = ctx.value(check.tasks[0])
    want = thaw(check.params["expected"])
    if not close_enough(got, want, float(check.params["tolerance"])):
        return CheckResult.failed(f"returned {got!r}; expected {want!r}")
    return CheckResult.passed(f"returned {got!r}")
