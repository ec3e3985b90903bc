"""The assignment SDK: the one public way an assignment's ``judges.py`` and ``hidden/judges.py`` reach
the framework. A judge is ``def name(ctx, check) -> CheckResult``; an optional
``def name_score_requests(ctx, check) -> list[ScoreRequest]`` beside it asks for models to be scored in a
fresh process first::

    from autograder.checks import sdk

    def wiring(ctx, check):
        return sdk.judge_pipeline(ctx, check, wiring=True)

    def rerun(ctx, check):
        public = ctx.public_judges()        # the assignment's judges.py, from hidden/judges.py
        ...

What it offers:

- :class:`JudgeContext` (``ctx``): the artifacts of each task (``value``, ``frame``, ``schema``,
  ``metadata``), the prepared data, ``scored`` outcomes, ``model_request`` and ``public_judges()``;
- :class:`ScoreRequest`, :class:`CheckResult`, :class:`Param`;
- :func:`flatten_stages` and :func:`judge_pipeline` (the built-in "pipeline" kind on a judge's own params,
  which such a judge declares with ``@sdk.takes(*sdk.PIPELINE_PARAMS)``);
- :func:`held_out` and :func:`compute` (a model's predictions on the hidden rows, and a metric on them);
- :func:`hidden_fixture`, :func:`judge_rows` and :func:`judge_value` (hidden value checks);
- :func:`takes`: declare a judge's own params, held to their types by ``sparkgrade validate``.
"""

from __future__ import annotations

from typing import Any

from autograder.checks.context import JudgeContext, MissingArtifact, ScoreRequest
from autograder.checks.fixtures import hidden_fixture, judge_rows, judge_value
from autograder.checks.metrics import compute, held_out
from autograder.checks.pipeline import StageInfo, flatten, is_stage, judge_structure, read_stages
from autograder.results import CheckResult
from autograder.spec import CheckSpec
from autograder.spec.kinds import PIPELINE_PARAMS
from autograder.spec.params import Param


def flatten_stages(ctx: JudgeContext, task: str, artifact: str = "stage") -> tuple[StageInfo, list[StageInfo]] | CheckResult:
    """(top stage, leaf stages with nested pipelines expanded) of the stage ``task`` saved, or a failed
    CheckResult saying why it cannot be read back."""
    return read_stages(ctx, task, artifact)


def takes(*params: Param):
    """Declare the ``params`` keys a judge reads besides ``judge`` (``sparkgrade validate`` refuses a custom
    check that passes a key its judge does not declare, or a value of the wrong type)::

        @sdk.takes(Param("tolerance", float, "relative tolerance of the predictions", default=1e-6))
        def batch(ctx, check): ...
    """
    def declare(judge):
        judge.params = tuple(params)
        return judge
    return declare


def judge_pipeline(ctx: JudgeContext, check: CheckSpec, **extra: Any) -> CheckResult:
    """The built-in "pipeline" check on the check's own params (without ``judge``) updated with ``extra``."""
    params = {k: v for k, v in dict(check.params).items() if k != "judge"}
    params.update(extra)
    return judge_structure(ctx, check.tasks[0], params)


__all__ = ["CheckResult", "CheckSpec", "JudgeContext", "MissingArtifact", "PIPELINE_PARAMS", "Param", "ScoreRequest",
           "StageInfo", "compute", "flatten", "flatten_stages", "held_out", "hidden_fixture", "is_stage", "judge_pipeline",
           "judge_rows", "judge_value", "takes"]
