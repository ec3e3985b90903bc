"""Assignment-specific checks of assignment 03 (run by the grader on saved artifacts).

`structure` is the built-in "pipeline" check (`autograder.checks.pipeline`), called with this
assignment's params (type, stages, contains, params, wiring, not_features) and, for the hidden wiring
check, the same reading of the saved pipeline.
"""

from autograder.checks.pipeline import flatten, structure_problems
from autograder.results import CheckResult


def read_structure(ctx, task: str):
    """(top, leaves) of the stage a task saved, or a failed CheckResult saying why it cannot be read."""
    try:
        return flatten(ctx.task_dir(task) / "stage")
    except (OSError, ValueError) as exc:
        return CheckResult.failed(f"the pipeline returned by task '{task}' could not be read back: {exc}")


def structure(ctx, check, extra=None):
    """Check the saved Pipeline against ``check.params`` exactly like the built-in "pipeline" kind."""
    read = read_structure(ctx, check.tasks[0])
    if isinstance(read, CheckResult):
        return read
    top, stages = read
    params = {k: v for k, v in dict(check.params).items() if k != "judge"}
    params.update(extra or {})
    problems = structure_problems(top, stages, params, ctx.train_columns(), module=ctx.spec.module_name,
                                  spark=lambda: ctx.spark, data_types=ctx.train_types())
    if problems:
        return CheckResult.failed("; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""))
    return CheckResult.passed(f"{top.name}: {' -> '.join(s.name for s in stages)}")
