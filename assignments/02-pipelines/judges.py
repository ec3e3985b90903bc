"""Assignment-specific checks of assignment 02 (run by the grader on saved artifacts)."""

from autograder.results import CheckResult


def ratio_params(ctx, check):
    """The saved RatioTransformer metadata records the three Params with the values it was built with."""
    meta = ctx.metadata(check.tasks[0])
    if not str(meta.get("class", "")).endswith("RatioTransformer"):
        return CheckResult.failed(f"the saved stage is a {meta.get('class')}, expected a RatioTransformer")
    params = {**meta.get("defaultParamMap", {}), **meta.get("paramMap", {})}
    wrong = {k: params.get(k) for k, v in check.params["expected"].items() if params.get(k) != v}
    if wrong:
        return CheckResult.failed(f"saved Params differ from the constructor arguments: {wrong}; "
                                  "declare them as Param objects and set them with self._set(...)")
    return CheckResult.passed("numeratorCol, denominatorCol and outputCol are saved Params")
