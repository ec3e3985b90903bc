"""Assignment-specific checks: ``params.judge = "judges:<function>"`` names a function in the
assignment's ``judges.py`` (public) or ``hidden/judges.py`` (``"hidden/judges:<function>"``). The other
keys of ``params`` are the judge's own, declared with :func:`autograder.checks.sdk.takes`; the judge
receives them with its declared defaults filled in, so it reads ``check.params[key]`` and never restates one."""

from __future__ import annotations

from dataclasses import replace

from autograder.checks.context import JudgeContext, ScoreRequest
from autograder.results import CheckResult
from autograder.spec import CheckSpec
from autograder.spec.reader import frozen
from autograder.spec.params import resolve_params

JUDGE_MODULES = ("judges", "hidden/judges")


def _resolved(judge_fn, check: CheckSpec) -> CheckSpec:
    """``check`` with the defaults that ``judge_fn`` declares (``@sdk.takes``) filled into its params."""
    declared = getattr(judge_fn, "params", ())
    return replace(check, params=frozen(resolve_params(declared, check.params))) if declared else check


def judge(ctx: JudgeContext, check: CheckSpec) -> CheckResult:
    module, _, function = check.params["judge"].partition(":")
    fn = getattr(ctx.judges(module), function)
    return fn(ctx, _resolved(fn, check))


def score_requests(ctx: JudgeContext, check: CheckSpec) -> list[ScoreRequest]:
    """What the judge's ``<function>_score_requests`` asks for (as ScoreRequests or their plain mappings)."""
    module, _, function = check.params["judge"].partition(":")
    judges = ctx.judges(module)
    fn = getattr(judges, f"{function}_score_requests", None)
    return [ScoreRequest.of(r) for r in fn(ctx, _resolved(getattr(judges, function, None), check))] if fn else []
