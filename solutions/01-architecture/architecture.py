"""Assignment 01 reference solution: Spark MLlib architecture and capabilities."""

from pyspark.ml.feature import StringIndexer, VectorAssembler
from pyspark.ml.linalg import Vectors
from pyspark.ml.stat import ChiSquareTest, Correlation, Summarizer
from pyspark.sql import Row
from pyspark.sql import functions as F

SHUFFLE_PARTITIONS = "spark.sql.shuffle.partitions"


# ---- q1: SparkSession and configuration -------------------------------------------------------------

def configure_session(spark, partitions):
    """Set the shuffle partitions of *this* session and return the effective value as an int."""
    spark.conf.set(SHUFFLE_PARTITIONS, str(partitions))
    return int(spark.conf.get(SHUFFLE_PARTITIONS))


def session_facts(spark):
    """Where things live: version and SQL conf on the session, master and parallelism on the context."""
    sc = spark.sparkContext
    return {
        "spark_version": spark.version,
        "master": sc.master,
        "default_parallelism": sc.defaultParallelism,
        "shuffle_partitions": int(spark.conf.get(SHUFFLE_PARTITIONS)),
    }


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
    return df.repartition(n, key)
