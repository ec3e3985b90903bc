"""Assignment-specific checks: ``params.judge = "judges:<function>"`` names a function in the
assignment's ``judges.py`` (public) or ``hidden/judges.py`` (``"hidden/judges:<function>"``)."""

from __future__ import annotations

import importlib.util

from autograder.checks.context import JudgeContext
from autograder.checks.params import Param
from autograder.results import CheckResult
from autograder.spec import CheckSpec

PARAMS = (
    Param("judge", str, "'judges:<function>' (judges.py) or 'hidden/judges:<function>' (hidden/judges.py); "
          "an optional '<function>_score_requests' beside it asks for scoring first", required=True),
)
JUDGE_MODULES = ("judges", "hidden/judges")


def _load(ctx: JudgeContext, module: str):
    path = ctx.spec.path / f"{module}.py"
    name = f"_sparkgrade_{ctx.spec.slug.replace('-', '_')}_{module.replace('/', '_')}"
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def judge(ctx: JudgeContext, check: CheckSpec) -> CheckResult:
    module, _, function = check.params["judge"].partition(":")
    return getattr(_load(ctx, module), function)(ctx, check)


def score_requests(ctx: JudgeContext, check: CheckSpec) -> list[dict]:
    module, _, function = check.params["judge"].partition(":")
    fn = getattr(_load(ctx, module), f"{function}_score_requests", None)
    return fn(ctx, check) if fn else []
