"""The check library: each kind judges saved artifacts and returns a CheckResult (never a bare assert).

A kind may also ask for scoring requests (a saved model to run on some data in a fresh child process)
before it judges.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from autograder.checks import basic, custom, dataframe, metrics, persistence, pipeline
from autograder.checks.context import MissingArtifact
from autograder.results import CheckResult
from autograder.spec.kinds import KINDS, KindDeclaration
from autograder.spec.params import Param


@dataclass(frozen=True)
class CheckKind:
    """How one kind of check judges and what it needs scored first; what it takes is its
    :class:`~autograder.spec.kinds.KindDeclaration` (declared with the spec, which holds each check to it)."""

    judge: Callable
    score_requests: Callable | None = None
    declaration: KindDeclaration = KindDeclaration()

    @property
    def params(self) -> tuple[Param, ...]:
        return self.declaration.params


_JUDGES: dict[str, tuple[Callable, Callable | None]] = {
    "task_ok": (basic.judge_task_ok, None),
    "value": (basic.judge_value, None),
    "pipeline": (pipeline.judge, None),
    "schema": (dataframe.judge_schema, None),
    "values": (dataframe.judge_values, None),
    "metric": (metrics.judge, metrics.score_requests),
    "persistence": (persistence.judge, persistence.score_requests),
    "custom": (custom.judge, custom.score_requests),
}

CHECK_KINDS: dict[str, CheckKind] = {name: CheckKind(*_JUDGES[name], declaration=declared)
                                     for name, declared in KINDS.items()}


def judge_check(ctx, check) -> CheckResult:
    """One check's verdict on the artifacts: a missing artifact fails it; a check that crashes is the
    grader's ``error`` for that check only, never the end of the run."""
    try:
        return CHECK_KINDS[check.kind].judge(ctx, check)
    except MissingArtifact as exc:
        return CheckResult.failed(str(exc))
    except Exception as exc:  # noqa: BLE001 - a broken check must not sink the others
        return CheckResult.error(f"the check itself failed ({type(exc).__name__}: {str(exc)[:300]}); "
                                 "this is a grader problem, please report it to your instructor")


__all__ = ["CHECK_KINDS", "CheckKind", "Param", "judge_check"]
