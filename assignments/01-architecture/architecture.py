"""Assignment 01: Spark MLlib architecture and capabilities.

Fill in every function marked TODO. Run the public checks with `sparkgrade check 01 architecture.py`.
Every function receives what it needs as arguments: never create your own SparkSession and never read
files; the grader passes you the session and the DataFrames.
"""

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
    # TODO
    raise NotImplementedError("configure_session is not written yet")


def session_facts(spark):
    """A dict with keys spark_version (str), master (str), default_parallelism (int) and
    shuffle_partitions (int) describing the given session."""
    # TODO
    raise NotImplementedError("session_facts is not written yet")


# ---- q2: DataFrame-based API vs RDD-based API -------------------------------------------------------

def labeled_points_to_df(spark, rdd):
    """`rdd` holds (id, pyspark.mllib.regression.LabeledPoint) pairs. Return a DataFrame with columns
    id (long), label (double) and features (a pyspark.ml vector; keep sparse vectors sparse)."""
    # TODO
    raise NotImplementedError("labeled_points_to_df is not written yet")


# ---- q3: dense and sparse vectors, VectorAssembler --------------------------------------------------

def to_sparse(values):
    """A pyspark.ml.linalg.SparseVector of len(values) that stores only the non-zero entries."""
    # TODO
    raise NotImplementedError("to_sparse is not written yet")


def assemble_features(df, input_cols):
    """`df` with a new `features` vector column of `input_cols`. A null becomes NaN; no row is dropped."""
    # TODO
    raise NotImplementedError("assemble_features is not written yet")


# ---- q4: statistics ----------------------------------------------------------------------------------

def correlation_matrix(df, cols, method="pearson"):
    """The correlation matrix of `cols` (a list of lists of floats, in the order of `cols`) computed with
    pyspark.ml.stat.Correlation and `method` ("pearson" or "spearman"), over the rows where all of
    `cols` are non-null."""
    # TODO
    raise NotImplementedError("correlation_matrix is not written yet")


def column_summary(df, cols):
    """With pyspark.ml.stat.Summarizer, over the rows where all of `cols` are non-null: a dict with
    keys mean, std, min, max (lists of floats, in the order of `cols`) and count (int)."""
    # TODO
    raise NotImplementedError("column_summary is not written yet")


def chi_square(df, categorical_cols, label_col="label"):
    """Chi-squared test of independence of each string column in `categorical_cols` and `label_col`
    (pyspark.ml.stat.ChiSquareTest). A missing category counts as a category of its own; no row is
    dropped. Return {column: {"statistic": float, "dof": int, "p_value": float}}."""
    # TODO
    raise NotImplementedError("chi_square is not written yet")


# ---- q5: lazy evaluation and partitions --------------------------------------------------------------

def prepare_features(df):
    """Keep the rows whose `income` is known; return columns id, label, loan_to_value = amount / price
    and disposable = income - expenses (both double). Transformations only: no action may run."""
    # TODO
    raise NotImplementedError("prepare_features is not written yet")


def repartition_by_key(df, n, key):
    """`df` in exactly `n` partitions such that all rows with the same `key` are in the same partition."""
    # TODO
    raise NotImplementedError("repartition_by_key is not written yet")
