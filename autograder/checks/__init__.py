"""The check library: each kind judges saved artifacts and returns a CheckResult (never a bare assert).

A kind may also ask for scoring requests (a saved model to run on some data in a fresh child process)
before it judges.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from autograder.checks import basic, custom, dataframe, metrics, persistence, pipeline
from autograder.checks.context import MissingArtifact
from autograder.checks.params import Param, check_params
from autograder.results import CheckResult


@dataclass(frozen=True)
class CheckKind:
    """How one kind of check judges, what it needs scored first, and the ``params`` keys it takes
    (declared once here: they are checked when a spec is loaded and listed in docs/check-kinds.md)."""

    judge: Callable
    score_requests: Callable | None = None
    params: tuple[Param, ...] = ()
    summary: str = ""
    open_params: bool = False       # keys besides ``params`` are passed on (to a custom judge)
    one_of: tuple[str, ...] = ()    # at least one of these params must be given

    def check_params(self, path, key: str, check: str, kind: str, raw: Mapping[str, Any]) -> None:
        """Raise SpecError (naming file, check and key) unless ``raw`` fits the declared params."""
        check_params(path, key, check, kind, self.params, raw, self.open_params, self.one_of)


CHECK_KINDS: dict[str, CheckKind] = {
    "task_ok": CheckKind(basic.judge_task_ok, summary="every task of the check ran without error"),
    "value": CheckKind(basic.judge_value, params=basic.VALUE_PARAMS,
                       summary="the task's returned value equals `expected`"),
    "pipeline": CheckKind(pipeline.judge, params=pipeline.PARAMS,
                          summary="stage types and order, column wiring, stage params and label leakage, read "
                                  "from the saved metadata"),
    "schema": CheckKind(dataframe.judge_schema, params=dataframe.SCHEMA_PARAMS,
                        summary="a saved DataFrame's columns, types, vector sizes, row count and nulls"),
    "values": CheckKind(dataframe.judge_values, params=dataframe.VALUES_PARAMS,
                        summary="rows of a saved DataFrame, keyed by a column, equal `expected`"),
    "metric": CheckKind(metrics.judge, metrics.score_requests, params=metrics.PARAMS, one_of=("min", "max"),
                        summary="a threshold on a metric of the model's predictions on held-out rows; a value beyond "
                               "the reference's recorded bootstrap interval (`verify --record`) is flagged for the "
                               "instructor"),
    "persistence": CheckKind(persistence.judge, persistence.score_requests, params=persistence.PARAMS,
                             summary="the saved model, reloaded in a fresh process, predicts identically"),
    "custom": CheckKind(custom.judge, custom.score_requests, params=custom.PARAMS, open_params=True,
                        summary="an assignment's own judge function; any other key is the judge's own"),
}


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
