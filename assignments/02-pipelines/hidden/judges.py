"""Hidden checks of assignment 02: RatioTransformer on inputs the students never saw, with the expected
ratios computed here from the hidden fixture (no expected value is stored anywhere); the pipeline's wiring."""

from autograder.checks import sdk
from autograder.checks.fixtures import hidden_fixture, judge_rows
from autograder.checks.lineage import column_params, flows
from autograder.checks.sdk import Param
from autograder.results import CheckResult, Status


def ratio(num, den):
    """num / den as Python computes it; None where the denominator is 0 or null or the numerator null."""
    if num is None or den is None or den == 0:
        return None
    return float(num) / float(den)


@sdk.takes(Param("fixture", str, "the hidden fixture (hidden/fixtures/<name>.json)", required=True),
           Param("numerator", str, "the fixture's numerator column", required=True),
           Param("denominator", str, "the fixture's denominator column", required=True),
           Param("output", str, "the ratio column the output must hold", required=True),
           Param("tolerance", float, "relative tolerance of the comparison", default=1e-12))
def ratio_values(ctx, check):
    """Every hidden row's ratio equals num / den (null where undefined), within ``tolerance``."""
    p = check.params
    expected = [{"id": r["id"], p["output"]: ratio(r[p["numerator"]], r[p["denominator"]])}
                for r in hidden_fixture(ctx, p["fixture"])]
    return judge_rows(ctx, check, expected, tolerance=float(p["tolerance"]), strict_nulls=True)


# ---- q2: the pipeline's data flow ----------------------------------------------------------------------

def unused_outputs(stages) -> list[str]:
    """Columns a stage writes that no later stage reads (the final estimator's own outputs aside).

    The prompt chains the stages: the Imputer's and the encoder's outputs go into the assembler, the
    assembler's `features` into the scaler, and the LogisticRegression learns from the *scaled* features;
    a stage whose output nothing reads is not part of that chain (e.g. a LogisticRegression left on the
    assembler's `features`, the scaler computed for nothing). Outputs are the ones the stage really writes
    (pairwise outputCols of a multi-column stage, not the unused default outputCol of its metadata)."""
    problems = []
    for i, stage in enumerate(stages[:-1]):
        later = stages[i + 1:]
        if any(s.name == "SQLTransformer" and s.is_spark for s in later):
            continue                                    # a statement may read any column
        read_later = {c for s in later for c in column_params(s.params, output=False)}
        for col, _ in flows(stage.name, stage.is_spark, stage.params, set()):
            if col not in read_later:
                readers = ", ".join(f"{s.name} reads {column_params(s.params, output=False)}" for s in later[:1])
                problems.append(f"stage {i + 1} ({stage.name}) writes '{col}', which no later stage reads "
                                f"({readers})")
    return problems


@sdk.takes(*sdk.PIPELINE_PARAMS)
def wiring(ctx, check):
    """The built-in wiring check (columns exist, no label leaks, required params), and the chain the
    prompt describes: every column a stage writes is read by a later stage."""
    result = sdk.judge_pipeline(ctx, check, wiring=True)
    if result.status is not Status.PASSED:
        return result
    read = sdk.flatten_stages(ctx, check.tasks[0])
    if isinstance(read, CheckResult):
        return read
    _, stages = read
    problems = unused_outputs(stages)
    if problems:
        return CheckResult.failed("; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""),
                                  hint="each stage reads the previous stages' outputs: the LogisticRegression's "
                                       "featuresCol is the StandardScaler's outputCol")
    return CheckResult.passed(result.message + "; every stage's output is used by a later stage")
