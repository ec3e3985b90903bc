"""Hidden checks of assignment 03 (run by the grader on saved artifacts; not shipped to students)."""

import importlib.util
from pathlib import Path

from autograder.results import CheckResult


def _public_judges():
    path = Path(__file__).resolve().parent.parent / "judges.py"
    spec = importlib.util.spec_from_file_location("_sparkgrade_03_features_public_judges", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def wiring(ctx, check):
    """Every stage reads columns that exist or that an earlier stage wrote (a SQLTransformer's columns as
    Spark's analysis of its statement gives them), no stage instance is used twice, and no path leads from
    a target column to the features."""
    result = _public_judges().structure(ctx, check, extra={"wiring": True})
    if result.status.value == "passed":
        return CheckResult.passed("every stage reads existing columns; the target never reaches the features")
    return result


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
