"""Assignment-specific checks of assignment 02 (run by the grader on saved artifacts)."""

from autograder.checks.pipeline import flatten, is_stage
from autograder.results import CheckResult


def ratio_params(ctx, check):
    """The saved RatioTransformer metadata records the three Params with the values it was built with."""
    _, stages = flatten(ctx.task_dir(check.tasks[0]) / "stage")
    stage = stages[0]
    if not is_stage(stage, "RatioTransformer", ctx.spec.module_name):
        return CheckResult.failed(f"the saved stage is a {stage.cls}, expected the RatioTransformer class defined "
                                  "in your submission")
    params = stage.params
    wrong = {k: params.get(k) for k, v in check.params["expected"].items() if params.get(k) != v}
    if wrong:
        return CheckResult.failed(f"saved Params differ from the constructor arguments: {wrong}; "
                                  "declare them as Param objects and set them with self._set(...)")
    return CheckResult.passed("numeratorCol, denominatorCol and outputCol are saved Params")
