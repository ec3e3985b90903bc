"""Hidden checks of assignment 02: RatioTransformer on inputs the students never saw, with the expected
ratios computed here from the hidden fixture (no expected value is stored anywhere)."""

import json
from dataclasses import replace
from pathlib import Path

from autograder.checks.dataframe import judge_values


def hidden_fixture(ctx, name):
    """Rows of ``hidden/fixtures/<name>.json`` as dicts keyed by the column names of its DDL schema."""
    spec = json.loads((Path(ctx.spec.path) / "hidden" / "fixtures" / f"{name}.json").read_text(encoding="utf-8"))
    names = [part.strip().split()[0] for part in spec["schema"].split(",")]
    return [dict(zip(names, row)) for row in spec["rows"]]


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
    expected = [{k: float("nan") if v is None else v for k, v in row.items()} for row in expected]
    return judge_values(ctx, replace(check, params={"key": "id", "tolerance": p.get("tolerance", 1e-12),
                                                    "expected": expected}))
