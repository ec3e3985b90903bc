"""DataFrame checks: schema (column names, types, vector sizes, nulls) and values against expectations."""

from __future__ import annotations

import math
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


def judge_schema(ctx: JudgeContext, check: CheckSpec) -> CheckResult:
    """Columns present with the declared types; optional vector sizes, row count and non-null columns."""
    from pyspark.ml.functions import vector_to_array
    from pyspark.sql import functions as F

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
    df = ctx.dataframe(task)
    if "rows" in params and (n := df.count()) != params["rows"]:
        problems.append(f"expected {params['rows']} rows, got {n}")
    for col, size in dict(params.get("vector_size", {})).items():
        sizes = {r[0] for r in df.select(F.size(vector_to_array(F.col(col)))).distinct().collect()}
        if sizes != {size}:
            problems.append(f"vectors in '{col}' have size {sorted(s for s in sizes if s is not None)}, expected {size}")
    for col in params.get("no_nulls", []):
        if (n := df.filter(F.col(col).isNull()).count()):
            problems.append(f"column '{col}' has {n} nulls")
    if problems:
        return CheckResult.failed("; ".join(problems))
    return CheckResult.passed(f"schema as expected ({len(fields)} columns)")


def _close(a: Any, b: Any, tol: float) -> bool:
    """Equal within a relative tolerance; an expected NaN (TOML has no null) matches null or NaN."""
    if isinstance(b, float) and math.isnan(b):
        return a is None or isinstance(a, float) and math.isnan(a)
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        if math.isnan(float(a)) or math.isnan(float(b)):
            return math.isnan(float(a)) and math.isnan(float(b))
        return abs(float(a) - float(b)) <= tol * max(1.0, abs(float(b)))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_close(x, y, tol) for x, y in zip(a, b))
    return a == b


def judge_values(ctx: JudgeContext, check: CheckSpec) -> CheckResult:
    """Rows of a saved DataFrame (keyed by ``key``) equal ``expected`` within ``tolerance``."""
    params = dict(check.params)
    key, tol = params["key"], float(params.get("tolerance", 1e-9))
    expected = {row[key]: row for row in params["expected"]}
    cols = [c for c in params["expected"][0] if c != key]
    df = ctx.dataframe(check.tasks[0])
    missing = [c for c in [key, *cols] if c not in df.columns]
    if missing:
        return CheckResult.failed(f"the output has no column {', '.join(map(repr, missing))}")
    from pyspark.ml.functions import vector_to_array
    from pyspark.ml.linalg import VectorUDT
    from pyspark.sql import functions as F

    types = {f.name: f.dataType for f in df.schema.fields}
    select = [vector_to_array(F.col(c)).alias(c) if isinstance(types[c], VectorUDT) else F.col(c)
              for c in [key, *cols]]
    got = {r[key]: r.asDict() for r in df.select(*select).collect()}
    for k, row in expected.items():
        if k not in got:
            return CheckResult.failed(f"row {key}={k} is missing from the output")
        for c in cols:
            if not _close(got[k][c], row[c], tol):
                return CheckResult.failed(f"for {key}={k}, '{c}' is {got[k][c]!r}; expected {row[c]!r}")
    return CheckResult.passed(f"all {len(expected)} rows as expected")
