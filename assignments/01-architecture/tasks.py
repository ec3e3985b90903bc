"""Harness tasks of assignment 01 (run in the sandboxed student process).

Each task calls one student function on the session or on public data and saves plain values or a small
DataFrame for the grader's checks. Nothing here trusts what the student returns: it is converted to
plain numbers first. Partition layouts are written by Spark itself as files (one per partition) for the
grader to read. Whether prepare_features reads its input is observed by the grader: it gets the copy of
the training rows that the grader watches (``ctx.dataframe("watched")``), and describing it reads nothing.
"""

from autograder.harness.context import TaskFailed

SHUFFLE = "spark.sql.shuffle.partitions"
CONF_TARGET = 7
FACTS_PARTITIONS = 13           # set on the session before session_facts() reads it (never a launch value)
CORR_COLS = ["seniority", "age", "income", "expenses", "amount", "price"]
SUMMARY_COLS = ["seniority", "income", "expenses"]
CATEGORICAL = ["home", "marital", "records", "job"]
PARTITIONS, PARTITION_KEY = 6, "job"
# Inputs of the hidden checks: hidden/fixtures/*.json (copied into the fixtures folder for grading only).
HIDDEN_CREDIT = "credit_rows_hidden"
HIDDEN_ASSEMBLE_COLS = ["z", "w", "x"]          # not in the table's column order


def _plain(x):
    """Matrices, vectors and numpy arrays as (nested) lists; everything else unchanged."""
    if hasattr(x, "toArray"):
        x = x.toArray()
    if hasattr(x, "tolist"):
        return x.tolist()
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    return x


def _dataframe(result, function, columns):
    from pyspark.sql import DataFrame

    if not isinstance(result, DataFrame):
        raise TaskFailed(f"{function}() returned a {type(result).__module__}.{type(result).__qualname__}, "
                         "expected a pyspark.sql.DataFrame")
    missing = [c for c in columns if c not in result.columns]
    if missing:
        raise TaskFailed(f"the DataFrame returned by {function}() has no column {', '.join(map(repr, missing))} "
                         f"(columns: {', '.join(result.columns)})")
    return result


# ---- q1 ----------------------------------------------------------------------------------------------

def configure(ctx):
    """configure_session on a new session: returned and effective values, the partitions a groupBy of
    that session really uses, and whether the root session was left alone (it is restored if not)."""
    _configure(ctx, CONF_TARGET)


def configure_hidden(ctx):
    """configure_session with the partition count of the hidden fixture."""
    _configure(ctx, int(ctx.fixture("configure_hidden").first()["partitions"]))


def _configure(ctx, target):
    root = ctx.spark
    before = root.conf.get(SHUFFLE)
    session = root.newSession()
    try:
        returned = ctx.student("configure_session")(session, target)
        _grouped_layout(session, ctx.path("session_layout"))
    finally:
        after = root.conf.get(SHUFFLE)
        _grouped_layout(root, ctx.path("root_layout"))     # the root session as the call left it
        if after != before:
            root.conf.set(SHUFFLE, before)
    ctx.save_value({"returned": _plain(returned), "root_before": int(before)})


def _grouped_layout(session, folder):
    """A groupBy on ``session`` written by Spark as text, one file per partition it used (empty ones
    included): the grader counts the files, so the partitions a session really uses are Spark's own output,
    not a value read back in this process."""
    from pyspark.sql import functions as F

    grouped = session.range(0, 1000, numPartitions=2).groupBy((F.col("id") % 1000).alias("k")).count()
    grouped.select(F.col("k").cast("string")).rdd.map(lambda row: row[0]).saveAsTextFile(folder)


def partition_layout(df, column, folder):
    """``df``'s rows written by Spark as text, one file per partition (empty ones included), each line the
    value of ``column`` (``<null>`` for a null): the grader reads the partition count and where each key
    landed from the files."""
    from pyspark.sql import functions as F

    keys = df.select(F.coalesce(F.col(column).cast("string"), F.lit("<null>")))
    keys.rdd.map(lambda row: row[0]).saveAsTextFile(folder)


def facts(ctx):
    """session_facts on a session whose shuffle partitions were changed at run time (FACTS_PARTITIONS, not
    the launch configuration's value), next to the truth read by the harness from the same session: an
    answer read from the launch configuration (SparkConf) instead of the session differs."""
    session = ctx.spark.newSession()
    session.conf.set(SHUFFLE, str(FACTS_PARTITIONS))
    returned = ctx.student("session_facts")(session)
    context = session.sparkContext
    truth = {"spark_version": session.version, "master": context.master,
             "default_parallelism": context.defaultParallelism,
             "shuffle_partitions": int(session.conf.get(SHUFFLE))}
    ctx.save_value({"returned": returned, "truth": truth, "set": FACTS_PARTITIONS})


# ---- q2 ----------------------------------------------------------------------------------------------

def labeled_points(ctx):
    """labeled_points_to_df on an RDD of (id, LabeledPoint) with dense and sparse pyspark.mllib vectors."""
    _labeled_points(ctx, "labeled_points")


def labeled_points_hidden(ctx):
    _labeled_points(ctx, "labeled_points_hidden")


def _labeled_points(ctx, fixture):
    from pyspark.mllib.linalg import Vectors as MLlibVectors
    from pyspark.mllib.regression import LabeledPoint

    rows = ctx.fixture(fixture).orderBy("id").collect()
    points = [(r.id, LabeledPoint(r.label, MLlibVectors.sparse(r.size, r.indices, r.values) if r.sparse
                                  else MLlibVectors.dense(r.values))) for r in rows]
    rdd = ctx.spark.sparkContext.parallelize(points, 1)  # one Python worker is enough
    df = _dataframe(ctx.student("labeled_points_to_df")(ctx.spark, rdd), "labeled_points_to_df",
                    ["id", "label", "features"])
    kinds = [f"{type(r.features).__module__}.{type(r.features).__name__}"
             for r in df.select("id", "features").orderBy("id").collect()]
    ctx.save_dataframe(df)
    ctx.save_value(kinds)


# ---- q3 ----------------------------------------------------------------------------------------------

def sparse_vector(ctx):
    """to_sparse on eight values, three of them non-zero: saved as [size, indices, values]."""
    _sparse(ctx, [0.0, 3.0, 0.0, 0.0, -1.5, 0.0, 0.0, 2.0])


def sparse_vector_hidden(ctx):
    _sparse(ctx, [float(x) for x in ctx.fixture("sparse_values_hidden").first()["values"]])


def _sparse(ctx, values):
    from pyspark.ml.linalg import SparseVector

    v = ctx.student("to_sparse")(values)
    if not isinstance(v, SparseVector):
        raise TaskFailed(f"to_sparse() returned a {type(v).__module__}.{type(v).__qualname__}; expected a "
                         "pyspark.ml.linalg.SparseVector (Vectors.sparse(size, {index: value}))")
    ctx.save_value([int(v.size), [int(i) for i in v.indices], [float(x) for x in v.values]])


def assemble(ctx):
    """assemble_features(fixture, ["a", "b", "c"]) on four rows, two of them with nulls."""
    out = _dataframe(ctx.student("assemble_features")(ctx.fixture("assemble_cases"), ["a", "b", "c"]),
                     "assemble_features", ["id", "features"])
    ctx.save_dataframe(out.select("id", "features"))


def assemble_hidden(ctx):
    """assemble_features on the hidden rows, input columns not in the table's order."""
    out = _dataframe(ctx.student("assemble_features")(ctx.fixture("assemble_cases_hidden"), list(HIDDEN_ASSEMBLE_COLS)),
                     "assemble_features", ["id", "features"])
    ctx.save_dataframe(out.select("id", "features"))


# ---- q4 ----------------------------------------------------------------------------------------------

def _correlation(ctx, method, df=None):
    df = ctx.dataframe("train") if df is None else df
    matrix = _plain(ctx.student("correlation_matrix")(df, list(CORR_COLS), method))
    n = len(CORR_COLS)
    if not (isinstance(matrix, list) and len(matrix) == n and all(isinstance(r, list) and len(r) == n
                                                                   for r in matrix)):
        raise TaskFailed(f"correlation_matrix() must return a {n} x {n} list of lists, got {str(matrix)[:200]}")
    ctx.save_value(matrix)


def pearson(ctx):
    _correlation(ctx, "pearson")


def spearman(ctx):
    _correlation(ctx, "spearman")


def pearson_hidden(ctx):
    _correlation(ctx, "pearson", ctx.fixture(HIDDEN_CREDIT))


def summary(ctx):
    """column_summary on the training rows, saved as [mean, std, min, max, count]."""
    _summary(ctx, ctx.dataframe("train"))


def summary_hidden(ctx):
    _summary(ctx, ctx.fixture(HIDDEN_CREDIT))


def _summary(ctx, df):
    result = ctx.student("column_summary")(df, list(SUMMARY_COLS))
    keys = ["mean", "std", "min", "max", "count"]
    if not isinstance(result, dict) or any(k not in result for k in keys):
        raise TaskFailed(f"column_summary() must return a dict with keys {', '.join(keys)}; got {str(result)[:200]}")
    ctx.save_value([_plain(result[k]) for k in keys])


def chi_square(ctx):
    """chi_square on the four categorical columns, saved as [[statistic, dof, p_value], ...] in column order."""
    result = ctx.student("chi_square")(ctx.dataframe("train"), list(CATEGORICAL), "label")
    if not isinstance(result, dict) or any(c not in result for c in CATEGORICAL):
        raise TaskFailed(f"chi_square() must return a dict keyed by column ({', '.join(CATEGORICAL)}); "
                         f"got {str(result)[:200]}")
    try:
        ctx.save_value([[_plain(result[c][k]) for k in ("statistic", "dof", "p_value")] for c in CATEGORICAL])
    except (KeyError, TypeError) as exc:
        raise TaskFailed(f"each value of chi_square() must be a dict with statistic, dof and p_value ({exc!r})")


# ---- q5 ----------------------------------------------------------------------------------------------

def prepare(ctx):
    """prepare_features on the training rows: its output (columns, rows and values judged by the grader)."""
    out = _dataframe(ctx.student("prepare_features")(ctx.dataframe("train")), "prepare_features",
                     ["id", "label", "loan_to_value", "disposable"])
    ctx.save_dataframe(out)


def prepare_lazy(ctx):
    """prepare_features on the watched copy of the training rows, and nothing else: the grader counts
    whether anything read that copy (a Spark job over it); this task only describes it."""
    _dataframe(ctx.student("prepare_features")(ctx.dataframe("watched")), "prepare_features",
               ["id", "label", "loan_to_value", "disposable"])


def prepare_hidden(ctx):
    """prepare_features on the hidden credit-like rows (values and row count judged by the grader)."""
    out = _dataframe(ctx.student("prepare_features")(ctx.fixture(HIDDEN_CREDIT)), "prepare_features",
                     ["id", "label", "loan_to_value", "disposable"])
    ctx.save_dataframe(out.select("id", "label", "loan_to_value", "disposable"))


def partitions(ctx):
    """repartition_by_key(train, 6, "job"): its partitions, as files Spark writes (judged by the grader)."""
    train = ctx.dataframe("train")
    out = _dataframe(ctx.student("repartition_by_key")(train, PARTITIONS, PARTITION_KEY), "repartition_by_key",
                     [PARTITION_KEY])
    partition_layout(out, PARTITION_KEY, ctx.path("layout"))
    ctx.save_value({"expected_partitions": PARTITIONS})