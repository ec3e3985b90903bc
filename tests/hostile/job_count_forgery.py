"""Hostile: correct answers, except that prepare_features counts its rows (a Spark job over its input), with
the job-count probes of the submission's own process forged at import. Spark's status tracker is rebound so
that every job group the grader asks about reports one consecutive job id (the markers before and after the
call look adjacent) and the call's own group reports none: measured in this process, the count looked like
zero jobs. The grader now watches the reads of its input from outside: q5_lazy is lost."""

from pyspark.ml.feature import StringIndexer, VectorAssembler
from pyspark.ml.linalg import Vectors
from pyspark.ml.stat import ChiSquareTest, Correlation, Summarizer
from pyspark.sql import Row
from pyspark.sql import functions as F

SHUFFLE_PARTITIONS = "spark.sql.shuffle.partitions"


# ---- q1: SparkSession and configuration -------------------------------------------------------------

def configure_session(spark, partitions):
    """Set `spark.sql.shuffle.partitions` of the given session to `partitions`; return the value the
    session now uses, read back from its configuration, as an int."""
    spark.conf.set(SHUFFLE_PARTITIONS, str(partitions))
    return int(spark.conf.get(SHUFFLE_PARTITIONS))


def session_facts(spark):
    """A dict with keys spark_version (str), master (str), default_parallelism (int) and
    shuffle_partitions (int) describing the given session."""
    sc = spark.sparkContext
    return {
        "spark_version": spark.version,
        "master": sc.master,
        "default_parallelism": sc.defaultParallelism,
        "shuffle_partitions": int(spark.conf.get(SHUFFLE_PARTITIONS)),
    }


# ---- q2: DataFrame-based API vs RDD-based API -------------------------------------------------------

def labeled_points_to_df(spark, rdd):
    """`rdd` holds (id, pyspark.mllib.regression.LabeledPoint) pairs. Return a DataFrame with columns
    id (long), label (double) and features (a pyspark.ml vector; keep sparse vectors sparse)."""
    rows = rdd.map(lambda pair: Row(id=int(pair[0]), label=float(pair[1].label),
                                    features=pair[1].features.asML()))
    return spark.createDataFrame(rows)


# ---- q3: dense and sparse vectors, VectorAssembler --------------------------------------------------

def to_sparse(values):
    """A pyspark.ml.linalg.SparseVector of len(values) that stores only the non-zero entries."""
    return Vectors.sparse(len(values), {i: float(v) for i, v in enumerate(values) if v != 0})


def assemble_features(df, input_cols):
    """`df` with a new `features` vector column of `input_cols`. A null becomes NaN; no row is dropped."""
    assembler = VectorAssembler(inputCols=list(input_cols), outputCol="features", handleInvalid="keep")
    return assembler.transform(df)


# ---- q4: statistics ----------------------------------------------------------------------------------

def _vectors(df, cols, name="v"):
    complete = df.select(*cols).dropna()
    return VectorAssembler(inputCols=list(cols), outputCol=name).transform(complete)


def correlation_matrix(df, cols, method="pearson"):
    """The correlation matrix of `cols` (a list of lists of floats, in the order of `cols`) computed with
    pyspark.ml.stat.Correlation and `method` ("pearson" or "spearman"), over the rows where all of
    `cols` are non-null."""
    matrix = Correlation.corr(_vectors(df, cols), "v", method).head()[0]
    return matrix.toArray().tolist()


def column_summary(df, cols):
    """With pyspark.ml.stat.Summarizer, over the rows where all of `cols` are non-null: a dict with
    keys mean, std, min, max (lists of floats, in the order of `cols`) and count (int)."""
    summary = Summarizer.metrics("mean", "std", "min", "max", "count").summary(F.col("v"))
    s = _vectors(df, cols).select(summary.alias("s")).head()["s"]
    return {"mean": s["mean"].toArray().tolist(), "std": s["std"].toArray().tolist(),
            "min": s["min"].toArray().tolist(), "max": s["max"].toArray().tolist(), "count": int(s["count"])}


def chi_square(df, categorical_cols, label_col="label"):
    """Chi-squared test of independence of each string column in `categorical_cols` and `label_col`
    (pyspark.ml.stat.ChiSquareTest). A missing category counts as a category of its own; no row is
    dropped. Return {column: {"statistic": float, "dof": int, "p_value": float}}."""
    indexed_cols = [f"{c}_idx" for c in categorical_cols]
    indexer = StringIndexer(inputCols=list(categorical_cols), outputCols=indexed_cols, handleInvalid="keep")
    indexed = indexer.fit(df).transform(df)
    vectors = VectorAssembler(inputCols=indexed_cols, outputCol="categories").transform(indexed)
    result = ChiSquareTest.test(vectors, "categories", label_col).head()
    return {c: {"statistic": float(result.statistics[i]), "dof": int(result.degreesOfFreedom[i]),
                "p_value": float(result.pValues[i])}
            for i, c in enumerate(categorical_cols)}


# ---- q5: lazy evaluation and partitions --------------------------------------------------------------

def prepare_features(df):
    """Keep the rows whose `income` is known; return columns id, label, loan_to_value = amount / price
    and disposable = income - expenses (both double). Transformations only: no action may run."""
    known = df.filter(F.col("income").isNotNull())
    print("rows with a known income:", known.count())
    return known.select(
        "id", "label",
        (F.col("amount").cast("double") / F.col("price").cast("double")).alias("loan_to_value"),
        (F.col("income") - F.col("expenses")).cast("double").alias("disposable"),
    )


def repartition_by_key(df, n, key):
    """`df` in exactly `n` partitions such that all rows with the same `key` are in the same partition."""
    return df.repartition(n, key)


class _QuietTracker:
    """Every marker group gets the next job id; any other group ran nothing."""

    def __init__(self, real):
        self.real, self.seen = real, {}

    def getJobIdsForGroup(self, group):
        if "probe" in str(group) and not str(group).endswith(("-before", "-after")):
            return []
        return [self.seen.setdefault(group, 1000 + len(self.seen))]

    def __getattr__(self, name):
        return getattr(self.real, name)


def _forge_job_probes():
    from pyspark import SparkContext

    real = SparkContext.statusTracker
    SparkContext.statusTracker = lambda self: _QuietTracker(real(self))


_forge_job_probes()
