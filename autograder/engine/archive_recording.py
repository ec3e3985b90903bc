"""Recording the local drivers' class-data-sharing archive (:func:`autograder.engine.driver_archive.record`
runs ``python -m autograder.engine.archive_recording <dump> <scratch>``): a driver JVM started with
``-XX:ArchiveClassesAtExit`` runs :func:`workload`, a small grading of every kind, and writes the archive as
it exits. A module of its own: it builds a session (:mod:`autograder.spark`), which itself asks
:mod:`autograder.engine.driver_archive` for the archive's options."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
from pyspark import SparkContext
from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.classification import (DecisionTreeClassifier, GBTClassifier, LogisticRegression,
                                       RandomForestClassifier)
from pyspark.ml.clustering import KMeans
from pyspark.ml.evaluation import (BinaryClassificationEvaluator, ClusteringEvaluator,
                                   MulticlassClassificationEvaluator, RegressionEvaluator)
from pyspark.ml.feature import (Bucketizer, Imputer, OneHotEncoder, SQLTransformer, StandardScaler,
                                StringIndexer, VectorAssembler)
from pyspark.ml.regression import LinearRegression, RandomForestRegressor
from pyspark.ml.tuning import CrossValidator, ParamGridBuilder, TrainValidationSplit
from pyspark.sql import functions as F

from autograder.engine.cds import ARCHIVE_LOG
from autograder.spark import build_session, sized_options


def workload(spark, scratch: Path) -> None:
    """What a grading does, small: pandas and Parquet in and out, SQL, the feature stages, the
    estimators and evaluators of the six assignments, tuning, saving and loading pipelines, a Python UDF."""
    rows = [{"id": i, "cat": "abc"[i % 3], "x": float(i % 7), "y": None if i % 11 == 0 else float(i % 5),
             "label": float(i % 2)} for i in range(200)]
    df = spark.createDataFrame(pd.DataFrame(rows)).repartition(2)
    df.write.mode("overwrite").parquet(str(scratch / "data"))
    df = spark.read.parquet(str(scratch / "data"))
    df.createOrReplaceTempView("rows")
    spark.sql("SELECT cat, avg(x) AS ax, count(*) AS n FROM rows GROUP BY cat ORDER BY cat").collect()
    df = df.withColumn("z", F.udf(lambda v: v * 2.0, "double")(F.col("x")))
    features: list[Any] = [Imputer(inputCols=["y"], outputCols=["y_filled"]),
                StringIndexer(inputCol="cat", outputCol="cat_idx", handleInvalid="keep"),
                OneHotEncoder(inputCols=["cat_idx"], outputCols=["cat_vec"]),
                Bucketizer(splits=[-1.0, 3.0, 100.0], inputCol="x", outputCol="x_bin"),
                SQLTransformer(statement="SELECT *, x * z AS xz FROM __THIS__"),
                VectorAssembler(inputCols=["x", "y_filled", "cat_vec", "x_bin", "xz"], outputCol="raw"),
                StandardScaler(inputCol="raw", outputCol="features")]
    binary = BinaryClassificationEvaluator()
    for estimator in (LogisticRegression(maxIter=5), RandomForestClassifier(numTrees=3, seed=1),
                      GBTClassifier(maxIter=2, seed=1), DecisionTreeClassifier()):
        model = Pipeline(stages=[*features, estimator]).fit(df)
        binary.evaluate(model.transform(df))
    model.write().overwrite().save(str(scratch / "model"))
    loaded = PipelineModel.load(str(scratch / "model"))
    scored = loaded.transform(df)
    MulticlassClassificationEvaluator(metricName="f1").evaluate(scored)
    scored.select("id", "prediction", "probability").write.mode("overwrite").parquet(str(scratch / "scored"))
    scored.select("id", "prediction").toPandas()
    prepared = Pipeline(stages=features).fit(df).transform(df)
    for regressor in (LinearRegression(labelCol="x", maxIter=5), RandomForestRegressor(labelCol="x", numTrees=3)):
        RegressionEvaluator(labelCol="x").evaluate(regressor.fit(prepared).transform(prepared))
    clusters = KMeans(k=3, seed=1).fit(prepared)
    ClusteringEvaluator().evaluate(clusters.transform(prepared))
    lr = LogisticRegression(maxIter=3)
    grid = ParamGridBuilder().addGrid(lr.regParam, [0.0, 0.1]).build()
    tuned = CrossValidator(estimator=lr, estimatorParamMaps=grid, evaluator=binary, numFolds=2, seed=1).fit(prepared)
    tuned.write().overwrite().save(str(scratch / "tuned"))
    type(tuned).load(str(scratch / "tuned")).transform(prepared).count()
    TrainValidationSplit(estimator=lr, estimatorParamMaps=grid, evaluator=binary, seed=1).fit(prepared)


def main(dump: Path, scratch: Path) -> int:
    """In the recording interpreter: run the workload in a driver that writes ``dump`` as it exits."""
    options = sized_options()
    spark = build_session(replace(options, java_options=f"{options.java_options} "
                                                        f"-XX:ArchiveClassesAtExit={dump} {ARCHIVE_LOG}"))
    workload(spark, scratch)
    spark.stop()
    gateway = SparkContext._gateway
    assert gateway is not None, "the session above started the JVM's gateway"
    proc = gateway.proc                                 # the JVM exits (and dumps) when its stdin closes
    proc.stdin.close()
    try:
        proc.wait(timeout=300)
    except subprocess.TimeoutExpired:
        pass                                            # no dump: record() reports it
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
