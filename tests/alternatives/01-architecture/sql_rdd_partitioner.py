"""Assignment 01 -- Spark MLlib architecture and capabilities.

My own take: SQL `SET` for the configuration, a UDF that converts the old vectors, one chi-squared test per
column, Spark SQL over a temporary view for the lazy features, and a partitioner of my own on the RDD.
"""

from __future__ import annotations

import uuid
import zlib
from functools import reduce
from typing import Any, Dict, List, Sequence

from pyspark.ml import Pipeline
from pyspark.ml.feature import StringIndexer, VectorAssembler
from pyspark.ml.linalg import SparseVector, VectorUDT
from pyspark.ml.stat import ChiSquareTest, Correlation, Summarizer
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

SHUFFLE_KEY = "spark.sql.shuffle.partitions"
VEC = "_stats_vector"


# ---- q1 ------------------------------------------------------------------------------------------------

def configure_session(spark: SparkSession, partitions: int) -> int:
    spark.sql(f"SET {SHUFFLE_KEY}={int(partitions)}")
    row = spark.sql(f"SET {SHUFFLE_KEY}").collect()[0]
    return int(row["value"])


def session_facts(spark: SparkSession) -> Dict[str, Any]:
    sc = spark.sparkContext
    facts: Dict[str, Any] = {}
    facts["spark_version"] = sc.version
    facts["master"] = spark.conf.get("spark.master")
    facts["default_parallelism"] = int(sc.defaultParallelism)
    facts["shuffle_partitions"] = int(spark.conf.get(SHUFFLE_KEY))
    return facts


# ---- q2 ------------------------------------------------------------------------------------------------

_to_ml = F.udf(lambda v: None if v is None else v.asML(), VectorUDT())


def labeled_points_to_df(spark: SparkSession, rdd) -> DataFrame:
    triples = rdd.map(lambda pair: (int(pair[0]), float(pair[1].label), pair[1].features))
    old = spark.createDataFrame(triples, ["id", "label", "old_features"])
    return old.withColumn("features", _to_ml("old_features")).drop("old_features")


# ---- q3 ------------------------------------------------------------------------------------------------

def to_sparse(values: Sequence[float]) -> SparseVector:
    pairs = [(i, float(v)) for i, v in enumerate(values) if v != 0]
    return SparseVector(len(values), [i for i, _ in pairs], [v for _, v in pairs])


def assemble_features(df: DataFrame, input_cols: Sequence[str]) -> DataFrame:
    assembler = VectorAssembler(inputCols=list(input_cols), outputCol="features", handleInvalid="keep")
    return Pipeline(stages=[assembler]).fit(df).transform(df)


# ---- q4 ------------------------------------------------------------------------------------------------

def _complete(df: DataFrame, cols: Sequence[str]) -> DataFrame:
    """Rows where every column of `cols` is known, the columns assembled into one vector."""
    known = reduce(lambda a, b: a & b, [F.col(c).isNotNull() for c in cols])
    numbers = df.where(known).select([F.col(c).cast("double").alias(c) for c in cols])
    return VectorAssembler(inputCols=list(cols), outputCol=VEC).transform(numbers)


def correlation_matrix(df: DataFrame, cols: Sequence[str], method: str = "pearson") -> List[List[float]]:
    vectors = _complete(df, cols).cache()
    try:
        matrix = Correlation.corr(vectors, VEC, method=method).first()[0]
    finally:
        vectors.unpersist()
    return [[float(x) for x in row] for row in matrix.toArray()]


def column_summary(df: DataFrame, cols: Sequence[str]) -> Dict[str, Any]:
    names = ["count", "max", "min", "std", "mean"]
    stats = _complete(df, cols).select(Summarizer.metrics(*names).summary(F.col(VEC)).alias("m")).first()["m"]
    out: Dict[str, Any] = {name: [float(x) for x in stats[name]] for name in names if name != "count"}
    out["count"] = int(stats["count"])
    return out


def chi_square(df: DataFrame, categorical_cols: Sequence[str], label_col: str = "label") -> Dict[str, Dict[str, Any]]:
    results: Dict[str, Dict[str, Any]] = {}
    for col in categorical_cols:
        idx = f"{col}__code"
        indexer = StringIndexer(inputCol=col, outputCol=idx, handleInvalid="keep", stringOrderType="alphabetAsc")
        coded = indexer.fit(df).transform(df)
        one = VectorAssembler(inputCols=[idx], outputCol="cat_vec").transform(coded)
        test = ChiSquareTest.test(one.select("cat_vec", F.col(label_col).cast("double").alias("y")), "cat_vec", "y")
        row = test.first()
        results[col] = {"statistic": float(row.statistics[0]), "dof": int(row.degreesOfFreedom[0]),
                        "p_value": float(row.pValues[0])}
    return results


# ---- q5 ------------------------------------------------------------------------------------------------

def prepare_features(df: DataFrame) -> DataFrame:
    view = f"credit_{uuid.uuid4().hex}"
    df.createOrReplaceTempView(view)
    return df.sparkSession.sql(f"""
        SELECT id,
               label,
               CAST(amount AS DOUBLE) / CAST(price AS DOUBLE) AS loan_to_value,
               CAST(income - expenses AS DOUBLE) AS disposable
        FROM {view}
        WHERE income IS NOT NULL
    """)


def _bucket(n: int):
    def bucket_of(value: Any) -> int:
        return zlib.crc32(repr(value).encode("utf-8")) % n
    return bucket_of


def repartition_by_key(df: DataFrame, n: int, key: str) -> DataFrame:
    by_key = df.rdd.keyBy(lambda row: row[key]).partitionBy(n, _bucket(n))
    return df.sparkSession.createDataFrame(by_key.values(), df.schema)


if __name__ == "__main__":
    spark = SparkSession.builder.master("local[2]").getOrCreate()
    print(configure_session(spark.newSession(), 3), session_facts(spark))
    print(to_sparse([0, 1.5, 0, -2]))
