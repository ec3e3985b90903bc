"""DataFrame checks: schema (column names, types, vector sizes, nulls) and values against expectations."""

from __future__ import annotations

import math
import numbers
from typing import Any

from autograder.checks.context import JudgeContext
from autograder.results import CheckResult
from autograder.spec import CheckSpec

VECTOR_UDT = "org.apache.spark.ml.linalg.VectorUDT"


def type_name(field_type: Any) -> str:
    """A short type name from a schema.json field type ('double', 'string', 'vector', 'array<string>')."""
    if isinstance(field_type, str):
        return field_type
    if field_type.get("type") == "udt":
        return "vector" if field_type.get("class") == VECTOR_UDT else field_type.get("class", "udt")
    if field_type.get("type") == "array":
        return f"array<{type_name(field_type.get('elementType'))}>"
    return str(field_type.get("type"))


def vector_values(value: Any) -> Any:
    """A Spark ML vector read from Parquet by pandas (a struct) as a plain list of floats."""
    if isinstance(value, dict) and "type" in value and "values" in value:
        if value["type"] == 1:
            return [float(v) for v in value["values"]]
        dense = [0.0] * int(value["size"])
        for i, v in zip(value["indices"], value["values"]):
            dense[int(i)] = float(v)
        return dense
    return value


def holds_nan(value: Any) -> bool:
    """True if a cell read from Parquet is NaN or a vector or array with a NaN inside."""
    value = vector_values(value)
    if isinstance(value, float):
        return math.isnan(value)
    if hasattr(value, "__len__") and not isinstance(value, (str, bytes, dict)):
        return any(isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isnan(v) for v in value)
    return False


def judge_schema(ctx: JudgeContext, check: CheckSpec) -> CheckResult:
    """Columns present with the declared types; optional vector sizes, row count and non-null columns."""
    task = check.tasks[0]
    params = dict(check.params)
    fields = {f["name"]: type_name(f["type"]) for f in ctx.schema(task)["fields"]}
    problems = []
    for col, want in dict(params.get("columns", {})).items():
        if col not in fields:
            problems.append(f"column '{col}' is missing (columns: {', '.join(fields)})")
        elif fields[col] != want:
            problems.append(f"column '{col}' is {fields[col]}, expected {want}")
    for col in params.get("absent", []):
        if col in fields:
            problems.append(f"column '{col}' should not be in the output")
    if problems:
        return CheckResult.failed("; ".join(problems))
    df = ctx.frame(task)
    if "rows" in params and len(df) != params["rows"]:
        problems.append(f"expected {params['rows']} rows, got {len(df)}")
    for col, size in dict(params.get("vector_size", {})).items():
        sizes = {len(v) for v in map(vector_values, df[col]) if v is not None}
        if sizes != {size}:
            problems.append(f"vectors in '{col}' have size {sorted(sizes)}, expected {size}")
    for col in params.get("no_nulls", []):
        if (n := int(df[col].isna().sum())):
            problems.append(f"column '{col}' has {n} nulls")
        elif (n := sum(map(holds_nan, df[col]))):
            problems.append(f"column '{col}' holds NaN in {n} of {len(df)} rows (a null or missing value went "
                            "into a vector or a computation unimputed)")
    if problems:
        return CheckResult.failed("; ".join(problems))
    return CheckResult.passed(schema_summary(params, len(fields), len(df)))


def schema_summary(params: dict, columns: int, rows: int) -> str:
    """What a passed schema check found, in the terms it checked: columns and types, rows, vector sizes and
    non-null columns (so a student reads what was judged, not only that it passed)."""
    found = [f"{rows} rows" if "rows" in params else "",
             ", ".join(f"{c} {t}" for c, t in dict(params.get("columns", {})).items()),
             ", ".join(f"every '{c}' vector {n} long" for c, n in dict(params.get("vector_size", {})).items()),
             f"no nulls in {', '.join(params['no_nulls'])}" if params.get("no_nulls") else ""]
    return f"as asked ({columns} columns): " + "; ".join(part for part in found if part)


def _plain(value: Any) -> Any:
    value = vector_values(value)
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def close_enough(a: Any, b: Any, tol: float) -> bool:
    """Equal within a relative tolerance; an expected NaN (TOML has no null) matches null or NaN."""
    if isinstance(b, float) and math.isnan(b):
        return a is None or isinstance(a, float) and math.isnan(a)
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        if math.isnan(float(a)):
            return False
        return abs(float(a) - float(b)) <= tol * max(1.0, abs(float(b)))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(close_enough(x, y, tol) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close_enough(a[k], b[k], tol) for k in a)
    return a == b


def judge_values(ctx: JudgeContext, check: CheckSpec) -> CheckResult:
    """Rows of a saved DataFrame (keyed by ``key``) equal ``expected`` within ``tolerance``."""
    params = dict(check.params)
    key, tol = params["key"], float(params["tolerance"])
    expected = {row[key]: row for row in params["expected"]}
    cols = [c for c in params["expected"][0] if c != key]
    df = ctx.frame(check.tasks[0])
    missing = [c for c in [key, *cols] if c not in df.columns]
    if missing:
        return CheckResult.failed(f"the output has no column {', '.join(map(repr, missing))}")
    got = {_plain(r[key]): {c: _plain(r[c]) for c in cols} for r in df.to_dict("records")}
    for k, row in expected.items():
        if k not in got:
            return CheckResult.failed(f"row {key}={k} is missing from the output")
        for c in cols:
            if not close_enough(got[k][c], row[c], tol):
                want = "null" if isinstance(row[c], float) and math.isnan(row[c]) else repr(row[c])
                return CheckResult.failed(f"for {key}={k}, '{c}' is {got[k][c]!r}; expected {want}")
    return CheckResult.passed(f"all {len(expected)} rows as expected")
