"""Assignment-specific checks of assignment 03 (run by the grader on saved artifacts).

`structure` is the built-in "pipeline" check (`autograder.checks.pipeline`), called with this
assignment's params (type, stages, contains, params, wiring, not_features); the hidden wiring check
calls it too, with wiring on.
"""

from autograder.checks import sdk


@sdk.takes(*sdk.PIPELINE_PARAMS)
def structure(ctx, check, extra=None):
    """Check the saved Pipeline against ``check.params`` exactly like the built-in "pipeline" kind."""
    return sdk.judge_pipeline(ctx, check, **(extra or {}))
