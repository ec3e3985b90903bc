"""Hidden checks of assignment 03 (run by the grader on saved artifacts; not shipped to students)."""

import re

from autograder.checks.pipeline import StageInfo, flatten, structure_problems
from autograder.results import CheckResult

_ALIAS = re.compile(r"\bAS\s+`?([A-Za-z_][A-Za-z0-9_]*)`?", re.IGNORECASE)


def _with_sql_outputs(stage: StageInfo) -> StageInfo:
    """A SQLTransformer declares its new columns in SQL, not in *Col params: read them from the
    `... AS <name>` aliases of its statement so the wiring check knows they exist."""
    if stage.name != "SQLTransformer":
        return stage
    aliases = _ALIAS.findall(str(stage.params.get("statement", "")))
    return StageInfo(cls=stage.cls, uid=stage.uid, params={**stage.params, "outputCols": aliases})


def wiring(ctx, check):
    """Every stage reads columns that exist (SQLTransformer outputs included); no label among the features;
    plus any other structure params given (``params.structure``)."""
    task = check.tasks[0]
    try:
        top, stages = flatten(ctx.task_dir(task) / "stage")
    except (OSError, ValueError) as exc:
        return CheckResult.failed(f"the pipeline returned by task '{task}' could not be read back: {exc}")
    params = {"wiring": True, "not_features": list(check.params.get("not_features", [])),
              **dict(check.params.get("structure", {}))}
    problems = structure_problems(top, [_with_sql_outputs(s) for s in stages], params, ctx.train_columns())
    if problems:
        return CheckResult.failed("; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""))
    return CheckResult.passed(f"every stage reads existing columns; no label among the features ({len(stages)} stages)")


def no_leakage(ctx, check):
    """The fitted model learnt nothing from the test rows: no canary category in any StringIndexerModel, and
    every learnt statistic is identical whether the test rows were canaries or harmless rows."""
    saved = ctx.value(check.tasks[-1])
    problems = []
    if saved["canary_labels"]:
        problems.append(f"the fitted StringIndexerModel knows {', '.join(saved['canary_labels'])}, which occur "
                        "only in the test rows")
    if saved["differences"]:
        problems.append(f"what the model learnt changed with the test rows ({', '.join(saved['differences'][:4])})")
    if not saved["stages_compared"]:
        problems.append("the fitted model has no estimator stages to compare")
    if problems:
        return CheckResult.failed("; ".join(problems) + ": fit on train_df only, then transform both")
    return CheckResult.passed(f"fitted on the training rows only ({len(saved['stages_compared'])} fitted stages "
                              "identical with canary or harmless test rows)")
