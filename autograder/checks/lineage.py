"""Column lineage of a saved pipeline: which columns each stage reads and writes, as a data-flow graph.

Each stage maps input columns to output columns: Spark's own stages precisely where cheap (pairwise
``inputCols`` -> ``outputCols``; a label column fits an estimator but does not flow into its rows),
a ``SQLTransformer`` by Spark's analysis of its statement on the input schema, and any other stage
conservatively (each output depends on every column any of its params names). ``Trace.path`` then finds
how, if at all, a label column reaches a column (the features the final estimator reads).
"""

from __future__ import annotations

import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

OUTPUT_PARAMS = {"outputCol", "outputCols", "predictionCol", "probabilityCol", "rawPredictionCol",
                 "varianceCol", "leafCol", "topicDistributionCol"}
IGNORED_PARAMS = {"weightCol", "validationIndicatorCol"}
# Params of Spark's stages that are used to fit, not carried into the output rows.
FIT_ONLY_PARAMS = {"labelCol", "weightCol", "validationIndicatorCol", "censorCol", "quantileProbabilities"}
# Types of the columns Spark's stages write (for the empty input of a later SQLTransformer); others: null type.
_DOUBLE = {"StringIndexer", "Bucketizer", "QuantileDiscretizer", "IndexToString"}
_WORDS = {"Tokenizer", "RegexTokenizer", "StopWordsRemover", "NGram"}
_SAME = {"Imputer"}


class SqlProblem(ValueError):
    """A SQLTransformer statement Spark could not analyse on the columns available at that stage."""


@dataclass
class Trace:
    """Columns available after each stage and the graph of where every column version came from."""

    available: dict[str, str] = field(default_factory=dict)          # column -> current node
    types: dict[str, Any] = field(default_factory=dict)              # column -> Spark DataType or None
    parents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)             # node -> readable step
    column: dict[str, str] = field(default_factory=dict)             # node -> the column it is a version of

    def add_data(self, name: str, dtype: Any = None) -> None:
        node = f"data:{name}"
        self.available[name], self.types[name], self.parents[node], self.labels[node] = node, dtype, (), f"'{name}'"
        self.column[node] = name

    def write(self, name: str, reads: set[str], step: str, dtype: Any = None,
              source: dict[str, str] | None = None) -> None:
        """Record that ``step`` writes ``name`` from ``reads`` (columns of ``source``, default: available)."""
        source = self.available if source is None else source
        node = f"{step}:{name}"
        self.parents[node] = tuple(source[c] for c in sorted(reads) if c in source)
        self.labels[node] = f"{step} '{name}'"
        self.column[node] = name
        self.available[name], self.types[name] = node, dtype

    def path(self, column: str, sources: set[str]) -> list[str] | None:
        """The steps from a source data column to ``column``'s current value, or None if there is none."""
        start = self.available.get(column)
        if start is None:
            return None
        targets = {node for node, name in self.column.items() if name in sources}
        back: dict[str, str | None] = {start: None}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            if node in targets:
                steps = []
                while node is not None:
                    steps.append(self.labels[node])
                    node = back[node]
                return steps
            for parent in self.parents.get(node, ()):
                if parent not in back:
                    back[parent] = node
                    queue.append(parent)
        return None


def _strings(value: Any) -> list[str]:
    return [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str) and v]


def column_params(params: dict[str, Any], output: bool) -> list[str]:
    """Column names in the ``*Col``/``*Cols`` params of a stage: its outputs, or its inputs."""
    cols: list[str] = []
    for key, value in params.items():
        if key.endswith(("Col", "Cols")) and key not in IGNORED_PARAMS and (key in OUTPUT_PARAMS) == output:
            cols += _strings(value)
    return cols


def flows(name: str, spark_stage: bool, params: dict[str, Any], available: set[str]) -> list[tuple[str, set[str]]]:
    """(output column, input columns it depends on) for one non-SQL stage."""
    outputs = column_params(params, output=True)
    if spark_stage:
        ins, outs = _strings(params.get("inputCols")), _strings(params.get("outputCols"))
        if ins and len(ins) == len(outs):
            return [(o, {i}) for i, o in zip(ins, outs)]
        reads = {c for k, v in params.items() if k.endswith(("Col", "Cols")) and k not in OUTPUT_PARAMS
                 and k not in FIT_ONLY_PARAMS for c in _strings(v)}
        return [(o, reads) for o in outputs]
    # a custom or unknown stage: every declared output depends on every column any param names
    reads = {c for k, v in params.items() if k not in OUTPUT_PARAMS for c in _strings(v) if c in available}
    outputs += [c for k, v in params.items() if k.startswith("output") and k not in OUTPUT_PARAMS
                for c in _strings(v)]
    return [(o, reads) for o in dict.fromkeys(outputs)]


def output_type(name: str, params: dict[str, Any], column: str, reads: set[str], trace: Trace):
    """The Spark type a known stage gives ``column`` (None when unknown: the null type stands in)."""
    from pyspark.ml.linalg import VectorUDT
    from pyspark.sql.types import ArrayType, DoubleType, StringType

    base = name[: -len("Model")] if name.endswith("Model") else name
    if column == params.get("predictionCol") or base in _DOUBLE:
        return DoubleType()
    if column in (params.get("probabilityCol"), params.get("rawPredictionCol")):
        return VectorUDT()
    if base in _WORDS:
        return ArrayType(StringType())
    if base in _SAME and len(reads) == 1:
        return trace.types.get(next(iter(reads)))
    if base.endswith(("Assembler", "Encoder", "Scaler", "Normalizer", "TF", "IDF", "Expansion", "Product",
                      "Selector", "Vectorizer", "Slicer", "PCA", "Word2Vec", "DCT", "Hasher", "Indexer")):
        return VectorUDT()
    return None


# ------------------------------------------------------------------------------ SQLTransformer


def _seq(jseq) -> list:
    return [jseq.apply(i) for i in range(jseq.size())]


def _plan_lineage(plan, inputs: set[str]) -> tuple[dict[int, set[str]], set[str]]:
    """exprId -> input columns it is computed from, for every attribute the analysed plan defines (via
    its aliases), and the set of input columns the plan references anywhere."""
    deps: dict[int, set[str]] = {}
    referenced: set[str] = set()

    def refs(node) -> set[str]:
        out: set[str] = set()
        for attr in _seq(node.references().toSeq()):
            out |= deps.get(attr.exprId().id(), set())
        return out

    def visit_expr(expr) -> None:
        for child in _seq(expr.children()):
            visit_expr(child)
        if expr.getClass().getSimpleName() == "Alias":
            deps[expr.exprId().id()] = refs(expr.child())

    def visit_plan(node) -> None:
        children = _seq(node.children())
        for child in children:
            visit_plan(child)
        if not children:
            for attr in _seq(node.output()):
                if attr.name() in inputs:
                    deps[attr.exprId().id()] = {attr.name()}
        for expr in _seq(node.expressions()):
            visit_expr(expr)
        referenced.update(refs(node))

    visit_plan(plan)
    return deps, referenced


def analyse_sql(spark, statement: str, trace: Trace) -> tuple[list[tuple[str, set[str]]], Any]:
    """[(output column, input columns it depends on)] and the output schema of a SQLTransformer statement,
    from Spark's analysis on an empty DataFrame with the columns available (nothing is executed)."""
    from pyspark.errors import PySparkException
    from pyspark.sql.types import NullType, StructField, StructType

    session = spark.newSession()
    session.conf.set("spark.sql.runSQLOnFiles", "false")   # no `parquet.`/path`` tables in the grader
    view = f"sparkgrade_this_{uuid.uuid4().hex[:12]}"
    schema = StructType([StructField(c, trace.types.get(c) or NullType()) for c in trace.available])
    session.createDataFrame([], schema).createOrReplaceTempView(view)
    body = statement.strip().rstrip(";").replace("__THIS__", view)
    try:
        # a subquery can only be a query: a command (CREATE, SET, ADD JAR ...) fails to parse, never runs
        frame = session.sql(f"SELECT * FROM ({body}\n) AS sparkgrade_statement")
        out_schema = frame.schema
    except PySparkException as exc:
        condition = exc.getCondition() if hasattr(exc, "getCondition") else None
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SqlProblem(f"Spark cannot analyse the statement on the columns available at this stage "
                         f"({condition or type(exc).__name__}): {first.replace(view, '__THIS__')}") from None
    finally:
        session.catalog.dropTempView(view)
    inputs = set(trace.available)
    jdf = getattr(frame, "_jdf", None)
    if jdf is None:   # not a classic session: every output depends on every input it could read
        return [(f.name, set(inputs)) for f in out_schema.fields], out_schema
    plan = jdf.queryExecution().analyzed()
    deps, referenced = _plan_lineage(plan, inputs)
    outputs = []
    for attr, f in zip(_seq(plan.output()), out_schema.fields):
        outputs.append((f.name, deps.get(attr.exprId().id(), referenced)))
    return outputs, out_schema


def sql_step(spark_factory: Callable[[], Any] | None, statement: str, trace: Trace, step: str) -> list[str]:
    """Apply a SQLTransformer to ``trace``; the names of the new columns it writes."""
    if spark_factory is None:
        raise ValueError("a SQLTransformer's output columns need a Spark session to analyse its statement; "
                         "pass spark= to structure_problems")
    outputs, schema = analyse_sql(spark_factory(), statement, trace)
    before = dict(trace.available)
    trace.available = {}
    for (name, reads), f in zip(outputs, schema.fields):
        if reads == {name} and name in before:
            trace.available[name] = before[name]          # passed through unchanged
        else:
            trace.write(name, reads, step, f.dataType, source=before)
    return [name for name, _ in outputs if name not in before]
