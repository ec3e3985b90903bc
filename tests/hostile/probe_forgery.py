"""Hostile (01): the probes forged in the submission's own process. The answers to q1 and q5 are wrong, and at
import time the module rebinds what the harness used to measure them with: RuntimeConfig.get (the session's
shuffle partitions), RDD.getNumPartitions (a groupBy's and a DataFrame's partition count),
F.spark_partition_id (where each key landed), and SparkSession.version, SparkContext.master and
.defaultParallelism (the session facts the answer was compared with). Measured in that process, every
probe agreed with the wrong answers: 23/23. The partitions are now read from files Spark writes, one per
partition, and the facts are the grader's launch options: the five checks are lost (18/23)."""

from pyspark.ml.feature import StringIndexer, VectorAssembler
from pyspark.ml.linalg import Vectors
from pyspark.ml.stat import ChiSquareTest, Correlation, Summarizer
from pyspark.sql import Row
from pyspark.sql import functions as F

SHUFFLE_PARTITIONS = "spark.sql.shuffle.partitions"


# ---- q1: SparkSession and configuration -------------------------------------------------------------

def configure_session(spark, partitions):
    """Sets nothing; the forged readers below report the value asked for, for this session only."""
    _FORGED[id(spark.conf)] = partitions
    _FORGED["next_count"] = partitions
    return partitions


def session_facts(spark):
    """Where things live: version and SQL conf on the session, master and parallelism on the context."""
    return {"spark_version": "3.0.0", "master": "yarn", "default_parallelism": 64,
            "shuffle_partitions": int(spark.conf.get(SHUFFLE_PARTITIONS))}


# ---- q2: DataFrame-based API vs RDD-based API -------------------------------------------------------

def labeled_points_to_df(spark, rdd):
    """RDD of (id, pyspark.mllib LabeledPoint) -> DataFrame id, label, features (pyspark.ml vectors)."""
    rows = rdd.map(lambda pair: Row(id=int(pair[0]), label=float(pair[1].label),
                                    features=pair[1].features.asML()))
    return spark.createDataFrame(rows)


# ---- q3: dense and sparse vectors, VectorAssembler --------------------------------------------------

def to_sparse(values):
    """A pyspark.ml SparseVector holding only the non-zero entries of ``values``."""
    return Vectors.sparse(len(values), {i: float(v) for i, v in enumerate(values) if v != 0})


def assemble_features(df, input_cols):
    """Add a ``features`` vector of ``input_cols``; a null becomes NaN, no row is dropped."""
    assembler = VectorAssembler(inputCols=list(input_cols), outputCol="features", handleInvalid="keep")
    return assembler.transform(df)


# ---- q4: statistics ----------------------------------------------------------------------------------

def _vectors(df, cols, name="v"):
    complete = df.select(*cols).dropna()
    return VectorAssembler(inputCols=list(cols), outputCol=name).transform(complete)


def correlation_matrix(df, cols, method="pearson"):
    """Correlation matrix (list of lists) of ``cols`` over the rows where all of them are known."""
    matrix = Correlation.corr(_vectors(df, cols), "v", method).head()[0]
    return matrix.toArray().tolist()


def column_summary(df, cols):
    """Summarizer metrics of ``cols`` over the rows where all of them are known."""
    summary = Summarizer.metrics("mean", "std", "min", "max", "count").summary(F.col("v"))
    s = _vectors(df, cols).select(summary.alias("s")).head()["s"]
    return {"mean": s["mean"].toArray().tolist(), "std": s["std"].toArray().tolist(),
            "min": s["min"].toArray().tolist(), "max": s["max"].toArray().tolist(), "count": int(s["count"])}


def chi_square(df, categorical_cols, label_col="label"):
    """Pearson's chi-squared test of independence of each categorical column and the label."""
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
    """Transformations only: no Spark job may run inside this function."""
    known = df.filter(F.col("income").isNotNull())
    return known.select(
        "id", "label",
        (F.col("amount").cast("double") / F.col("price").cast("double")).alias("loan_to_value"),
        (F.col("income") - F.col("expenses")).cast("double").alias("disposable"),
    )


def repartition_by_key(df, n, key):
    """``n`` partitions, all rows with the same ``key`` in the same partition."""
    _FORGED["next_count"] = n
    return df.repartition(n - 1)            # round robin: keys spread, one partition short


# ---- the forgeries ------------------------------------------------------------------------------------

from pyspark import RDD, SparkContext                     # noqa: E402
from pyspark.sql import SparkSession                      # noqa: E402
from pyspark.sql.conf import RuntimeConfig                # noqa: E402

_FORGED = {}
_get, _partitions = RuntimeConfig.get, RDD.getNumPartitions


def _forged_get(self, key, *default):
    if key == SHUFFLE_PARTITIONS and id(self) in _FORGED:
        return str(_FORGED[id(self)])
    return _get(self, key, *default)


def _forged_partitions(self):
    return _FORGED.pop("next_count", None) or _partitions(self)


RuntimeConfig.get = _forged_get
RDD.getNumPartitions = _forged_partitions
F.spark_partition_id = lambda: F.lit(0)
SparkSession.version = property(lambda self: "3.0.0")
SparkContext.master = property(lambda self: "yarn")
SparkContext.defaultParallelism = property(lambda self: 64)
