"""Assignment 01: MLUtils for the vector conversion, SQL expressions, one indexer per column."""

import numpy as np
from pyspark.ml.feature import StringIndexer, VectorAssembler
from pyspark.ml.linalg import SparseVector
from pyspark.ml.stat import ChiSquareTest, Correlation, Summarizer
from pyspark.mllib.util import MLUtils
import pyspark.sql.functions as F

KEY = "spark.sql.shuffle.partitions"
MISSING = "<missing>"


def configure_session(spark, partitions):
    spark.conf.set(KEY, int(partitions))
    return int(spark.conf.get(KEY))


def session_facts(spark):
    ctx = spark.sparkContext
    facts = dict(spark_version=str(ctx.version), master=ctx.getConf().get("spark.master"))
    facts["default_parallelism"] = int(ctx.defaultParallelism)
    facts["shuffle_partitions"] = int(spark.conf.get(KEY))
    return facts


def labeled_points_to_df(spark, rdd):
    old = rdd.map(lambda kv: (int(kv[0]), float(kv[1].label), kv[1].features)).toDF(["id", "label", "features"])
    return MLUtils.convertVectorColumnsToML(old, "features")


def to_sparse(values):
    arr = np.asarray(values, dtype=float)
    nz = np.flatnonzero(arr)
    return SparseVector(arr.size, nz.tolist(), arr[nz].tolist())


def assemble_features(df, input_cols):
    return VectorAssembler().setInputCols(list(input_cols)).setOutputCol("features").setHandleInvalid("keep").transform(df)


def _complete_vectors(df, cols):
    assembler = VectorAssembler(inputCols=list(cols), outputCol="vec", handleInvalid="skip")
    return assembler.transform(df.select(*cols))


def correlation_matrix(df, cols, method="pearson"):
    row = Correlation.corr(_complete_vectors(df, cols), "vec", method=method).collect()[0]
    return [[float(x) for x in line] for line in row[0].toArray()]


def column_summary(df, cols):
    vec = F.col("vec")
    row = _complete_vectors(df, cols).select(
        Summarizer.mean(vec).alias("mean"), Summarizer.std(vec).alias("std"),
        Summarizer.min(vec).alias("min"), Summarizer.max(vec).alias("max"),
        Summarizer.count(vec).alias("count")).first()
    out = {k: [float(x) for x in row[k]] for k in ("mean", "std", "min", "max")}
    out["count"] = int(row["count"])
    return out


def chi_square(df, categorical_cols, label_col="label"):
    filled = df.fillna(MISSING, subset=list(categorical_cols))
    indexed_names = []
    for c in categorical_cols:
        filled = StringIndexer(inputCol=c, outputCol=c + "__ix").fit(filled).transform(filled)
        indexed_names.append(c + "__ix")
    vectors = VectorAssembler(inputCols=indexed_names, outputCol="cats").transform(filled)
    res = ChiSquareTest.test(vectors, "cats", label_col, flatten=True).collect()
    by_feature = {r.featureIndex: r for r in res}
    return {c: {"statistic": float(by_feature[i].statistic), "dof": int(by_feature[i].degreesOfFreedom),
                "p_value": float(by_feature[i].pValue)} for i, c in enumerate(categorical_cols)}


def prepare_features(df):
    return (df.where("income IS NOT NULL")
              .selectExpr("id", "label",
                          "CAST(amount AS DOUBLE) / CAST(price AS DOUBLE) AS loan_to_value",
                          "cast(income - expenses as double) disposable"))


def repartition_by_key(df, n, key):
    return df.repartition(n, F.col(key))


if __name__ == "__main__":
    print(to_sparse([0, 3.0, 0, -1.5]))
