"""Assignment-specific checks: ``params.judge = "judges:<function>"`` names a function in the
assignment's ``judges.py`` (public) or ``hidden/judges.py`` (``"hidden/judges:<function>"``). The other
keys of ``params`` are the judge's own, declared with :func:`autograder.checks.sdk.takes`."""

from __future__ import annotations

from autograder.checks.context import JudgeContext, ScoreRequest
from autograder.checks.params import Param
from autograder.results import CheckResult
from autograder.spec import CheckSpec

PARAMS = (
    Param("judge", str, "'judges:<function>' (judges.py) or 'hidden/judges:<function>' (hidden/judges.py); "
          "an optional '<function>_score_requests' beside it asks for scoring first", required=True),
    Param("twins", list, "a hidden variant: the public checks it mirrors (it must be hidden and worth at least "
          "as much as they are together)", items=str),
)
JUDGE_MODULES = ("judges", "hidden/judges")


def judge(ctx: JudgeContext, check: CheckSpec) -> CheckResult:
    module, _, function = check.params["judge"].partition(":")
    return getattr(ctx.judges(module), function)(ctx, check)


def score_requests(ctx: JudgeContext, check: CheckSpec) -> list[ScoreRequest]:
    """What the judge's ``<function>_score_requests`` asks for (as ScoreRequests or their plain mappings)."""
    module, _, function = check.params["judge"].partition(":")
    fn = getattr(ctx.judges(module), f"{function}_score_requests", None)
    return [ScoreRequest.of(r) for r in fn(ctx, check)] if fn else []
