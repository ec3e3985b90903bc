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
    # BEGIN SOLUTION
    spark.conf.set(SHUFFLE_PARTITIONS, str(partitions))
    return int(spark.conf.get(SHUFFLE_PARTITIONS))
    # END SOLUTION


def session_facts(spark):
    """A dict with keys spark_version (str), master (str), default_parallelism (int) and
    shuffle_partitions (int) describing the given session."""
    # BEGIN SOLUTION
    sc = spark.sparkContext
    return {
        "spark_version": spark.version,
        "master": sc.master,
        "default_parallelism": sc.defaultParallelism,
        "shuffle_partitions": int(spark.conf.get(SHUFFLE_PARTITIONS)),
    }
    # END SOLUTION


# ---- q2: DataFrame-based API vs RDD-based API -------------------------------------------------------

def labeled_points_to_df(spark, rdd):
    """`rdd` holds (id, pyspark.mllib.regression.LabeledPoint) pairs. Return a DataFrame with columns
    id (long), label (double) and features (a pyspark.ml vector; keep sparse vectors sparse)."""
    # BEGIN SOLUTION
    rows = rdd.map(lambda pair: Row(id=int(pair[0]), label=float(pair[1].label),
                                    features=pair[1].features.asML()))
    return spark.createDataFrame(rows)
    # END SOLUTION


# ---- q3: dense and sparse vectors, VectorAssembler --------------------------------------------------

def to_sparse(values):
    """A pyspark.ml.linalg.SparseVector of len(values) that stores only the non-zero entries."""
    # BEGIN SOLUTION
    return Vectors.sparse(len(values), {i: float(v) for i, v in enumerate(values) if v != 0})
    # END SOLUTION


def assemble_features(df, input_cols):
    """`df` with a new `features` vector column of `input_cols`. A null becomes NaN; no row is dropped."""
    # BEGIN SOLUTION
    assembler = VectorAssembler(inputCols=list(input_cols), outputCol="features", handleInvalid="keep")
    return assembler.transform(df)
    # END SOLUTION


# ---- q4: statistics ----------------------------------------------------------------------------------

# BEGIN SOLUTION NO PROMPT
def _vectors(df, cols, name="v"):
    complete = df.select(*cols).dropna()
    return VectorAssembler(inputCols=list(cols), outputCol=name).transform(complete)


# END SOLUTION
def correlation_matrix(df, cols, method="pearson"):
    """The correlation matrix of `cols` (a list of lists of floats, in the order of `cols`) computed with
    pyspark.ml.stat.Correlation and `method` ("pearson" or "spearman"), over the rows where all of
    `cols` are non-null."""
    # BEGIN SOLUTION
    matrix = Correlation.corr(_vectors(df, cols), "v", method).head()[0]
    return matrix.toArray().tolist()
    # END SOLUTION


def column_summary(df, cols):
    """With pyspark.ml.stat.Summarizer, over the rows where all of `cols` are non-null: a dict with
    keys mean, std, min, max (lists of floats, in the order of `cols`) and count (int)."""
    # BEGIN SOLUTION
    summary = Summarizer.metrics("mean", "std", "min", "max", "count").summary(F.col("v"))
    s = _vectors(df, cols).select(summary.alias("s")).head()["s"]
    return {"mean": s["mean"].toArray().tolist(), "std": s["std"].toArray().tolist(),
            "min": s["min"].toArray().tolist(), "max": s["max"].toArray().tolist(), "count": int(s["count"])}
    # END SOLUTION


def chi_square(df, categorical_cols, label_col="label"):
    """Chi-squared test of independence of each string column in `categorical_cols` and `label_col`
    (pyspark.ml.stat.ChiSquareTest). A missing category counts as a category of its own; no row is
    dropped. Return {column: {"statistic": float, "dof": int, "p_value": float}}."""
    # BEGIN SOLUTION
    indexed_cols = [f"{c}_idx" for c in categorical_cols]
    indexer = StringIndexer(inputCols=list(categorical_cols), outputCols=indexed_cols, handleInvalid="keep")
    indexed = indexer.fit(df).transform(df)
    vectors = VectorAssembler(inputCols=indexed_cols, outputCol="categories").transform(indexed)
    result = ChiSquareTest.test(vectors, "categories", label_col).head()
    return {c: {"statistic": float(result.statistics[i]), "dof": int(result.degreesOfFreedom[i]),
                "p_value": float(result.pValues[i])}
            for i, c in enumerate(categorical_cols)}
    # END SOLUTION


# ---- q5: lazy evaluation and partitions --------------------------------------------------------------

def prepare_features(df):
    """Keep the rows whose `income` is known; return columns id, label, loan_to_value = amount / price
    and disposable = income - expenses (both double). Transformations only: no action may run."""
    # BEGIN SOLUTION
    known = df.filter(F.col("income").isNotNull())
    return known.select(
        "id", "label",
        (F.col("amount").cast("double") / F.col("price").cast("double")).alias("loan_to_value"),
        (F.col("income") - F.col("expenses")).cast("double").alias("disposable"),
    )
    # END SOLUTION


def repartition_by_key(df, n, key):
    """`df` in exactly `n` partitions such that all rows with the same `key` are in the same partition."""
    # BEGIN SOLUTION
    return df.repartition(n, key)
    # END SOLUTION
