"""Helpers for hidden value checks: read a hidden fixture in the grader and compare a task's saved rows
with expectations the judge computed from it (no expected value is stored anywhere)."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

from autograder.checks.context import JudgeContext
from autograder.checks.dataframe import close_enough, judge_values
from autograder.results import CheckResult, Status
from autograder.spec import CheckSpec


def fixture_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of a fixture file (``{"schema": DDL, "rows": [[...]]}``) as dicts keyed by column name."""
    spec = json.loads(Path(path).read_text(encoding="utf-8"))
    names = [part.strip().split()[0] for part in spec["schema"].split(",")]
    rows = [dict(zip(names, row)) for row in spec["rows"]]
    if any(len(row) != len(names) for row in spec["rows"]):
        raise ValueError(f"{path}: every row must have the {len(names)} columns of its schema")
    return rows


def hidden_fixture(ctx: JudgeContext, name: str) -> list[dict[str, Any]]:
    """The rows of ``<assignment>/hidden/fixtures/<name>.json``."""
    return fixture_rows(Path(ctx.spec.path) / "hidden" / "fixtures" / f"{name}.json")


def nan_for_null(value: Any) -> Any:
    """An expectation for a null: NaN (``close_enough`` matches it with null or NaN)."""
    if value is None:
        return math.nan
    if isinstance(value, list):
        return [nan_for_null(v) for v in value]
    return value


def judge_rows(ctx: JudgeContext, check: CheckSpec, expected: list[dict[str, Any]], key: str = "id",
               tolerance: float = 1e-9, exact_rows: bool = True, strict_nulls: bool = False) -> CheckResult:
    """The task's saved DataFrame holds ``expected`` (rows keyed by ``key``); with ``exact_rows`` no
    other row either. An expected None matches a null or NaN; with ``strict_nulls`` (a prompt that asks for
    null) only a null: NaN is a value in Spark (``isNull()`` is false for it, ``count`` counts it)."""
    rows = [{k: nan_for_null(v) for k, v in row.items()} for row in expected]
    result = judge_values(ctx, replace(check, params={"key": key, "tolerance": tolerance, "expected": rows}))
    if result.status is not Status.PASSED:
        return result
    if strict_nulls and (problem := _nan_for_null(ctx, check.tasks[0], key, expected)):
        return CheckResult.failed(problem, hint="return null, not NaN: F.when(condition, value) leaves the other "
                                                "rows null; float('nan') is a value")
    if not exact_rows:
        return result
    got = len(ctx.frame(check.tasks[0]))
    if got != len(rows):
        return CheckResult.failed(f"the output has {got} rows; expected {len(rows)}")
    return result


def _nan_for_null(ctx: JudgeContext, task: str, key: str, expected: list[dict[str, Any]]) -> str | None:
    """Where the task's saved rows hold NaN for a value expected null (read with Arrow, which keeps the two
    apart; pandas reads a null double as NaN)."""
    import pyarrow.dataset as ds

    wanted = {(row[key], column) for row in expected for column, value in row.items() if value is None}
    if not wanted:
        return None
    columns = sorted({column for _, column in wanted})
    table = ds.dataset(str(ctx.task_dir(task) / "data"), format="parquet").to_table(columns=[key, *columns])
    keys = table.column(key).to_pylist()
    for column in columns:
        for k, value in zip(keys, table.column(column).to_pylist()):
            if (k, column) in wanted and isinstance(value, float) and math.isnan(value):
                return f"for {key}={k}, '{column}' is NaN; expected null"
    return None


def judge_value(ctx: JudgeContext, check: CheckSpec, expected: Any, tolerance: float = 1e-9,
                name: str = "value") -> CheckResult:
    """The task's saved plain value equals ``expected`` (computed by the judge) within ``tolerance``."""
    got = ctx.value(check.tasks[0], name)
    if not close_enough(got, nan_for_null(expected), tolerance):
        return CheckResult.failed(f"returned {str(got)[:300]}; expected {str(expected)[:300]}")
    return CheckResult.passed("as expected on inputs you have not seen")
