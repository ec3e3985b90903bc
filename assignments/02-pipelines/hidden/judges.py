"""Hidden checks of assignment 02: RatioTransformer on inputs the students never saw, with the expected
ratios computed here from the hidden fixture (no expected value is stored anywhere)."""

from autograder.checks.fixtures import hidden_fixture, judge_rows


def ratio(num, den):
    """num / den as Python computes it; None where the denominator is 0 or null or the numerator null."""
    if num is None or den is None or den == 0:
        return None
    return float(num) / float(den)


def ratio_values(ctx, check):
    """Every hidden row's ratio equals num / den (null where undefined), within ``tolerance``."""
    p = check.params
    expected = [{"id": r["id"], p["output"]: ratio(r[p["numerator"]], r[p["denominator"]])}
                for r in hidden_fixture(ctx, p["fixture"])]
    return judge_rows(ctx, check, expected, tolerance=float(p.get("tolerance", 1e-12)))
