"""A class-data-sharing (CDS) archive for the local Spark driver JVMs that grade a submission (the grader's
own, the student phase's and the scoring phase's): the JDK, Spark and Hadoop classes a grading loads,
parsed and verified once, then mapped at every start instead of loaded again from about 250 jars.

Measured on 2 cores: a driver JVM's session in 1.9 s instead of 3.5 s, and a small fit-save-load-score
job after it in 3.4 s instead of 6.0 s; about 40 MB of the JVM's metaspace becomes clean file pages the
kernel can reclaim, which matters in a 768 MB box.

``sparkgrade prepare`` also compiles sparkgrade's local file system for Hadoop
(:mod:`autograder.engine.localfs`, which the warm server already uses) into the same folder; local drivers
then save models without a forked ``chmod`` per folder (25-40 % faster saves). It records the archive once
per installation (``scripts/setup.sh`` and the Gradescope bundle's ``setup.sh`` run it, so Gradescope
builds it into the image): one JVM runs :func:`workload` (the classes the six assignments use) with
``-XX:ArchiveClassesAtExit`` and writes the archive as it exits.
It lives inside the Python environment (``<sys.prefix>/var/sparkgrade``), which every sandboxed child can
already read, and its name hashes the JDK and Spark's jars, so an upgrade of either asks for a new one.
The JVM maps an archive only if it matches its JDK and class path (else it starts as without one), so a
stale or foreign archive costs nothing but the time it would have saved.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder.engine.cds import ARCHIVE_LOG, archive_key, install_archive
from autograder.engine.javac import java_binary

PREFIX = "driver-"


def spark_home() -> Path | None:
    import importlib.util

    found = importlib.util.find_spec("pyspark")
    return Path(found.origin).resolve().parent if found is not None and found.origin else None


def local_fs(folder: Path | None = None, build: bool = False) -> Path | None:
    """sparkgrade's local file system for Hadoop (:mod:`autograder.engine.localfs`: no forked ``chmod`` per folder
    Spark writes; a model's save 25-40 % faster), compiled by ``sparkgrade prepare`` beside the archive."""
    from autograder.engine.localfs import local_fs_jar

    home = spark_home()
    return local_fs_jar(folder or archive_folder(), home, build=build) if home is not None else None


def spark_jars(folder: Path | None = None) -> list[Path]:
    """The class path of a local grading driver: the file-system jar if prepared, pyspark's conf folder,
    then its jars."""
    home = spark_home()
    if home is None:
        return []
    fs = local_fs(folder)
    return [*([fs] if fs else []), home / "conf", *sorted((home / "jars").glob("*.jar"))]


def driver_conf(folder: Path | None = None) -> dict[str, str]:
    """Spark settings of a local grading driver for what ``sparkgrade prepare`` made: the file system."""
    from autograder.engine.localfs import FS_CLASS

    fs = local_fs(folder) if in_use() else None
    return {"spark.driver.extraClassPath": str(fs), "spark.hadoop.fs.file.impl": FS_CLASS} if fs else {}


def archive_folder() -> Path:
    """Where the archive lives: inside the Python environment, visible (read-only) to every child. Links
    resolved: the archive's name depends on this path, the same for every way of reaching the environment."""
    return Path(sys.prefix).resolve() / "var" / "sparkgrade"


def archive_path(folder: Path | None = None) -> Path | None:
    """The archive's path for this JDK and Spark (whether or not it exists yet); None without Java."""
    java = java_binary()
    if java is None:
        return None
    return (folder or archive_folder()) / f"{PREFIX}{archive_key(java, spark_jars(folder), '')}.jsa"


UNPREPARED = "SPARKGRADE_UNPREPARED"     # set to 1: grade as if `sparkgrade prepare` had not run (to compare)


def in_use() -> bool:
    return os.environ.get(UNPREPARED) != "1"


# Map the archive where it was recorded: this JDK 17 relocates it by default, which rewrites its 232 MB into
# about 190 MB of private memory per JVM (measured in a 768 MB box: the 05 reference's peak 754 -> 631 MB).
# Where that address is taken, the JVM relocates as before.
AT_RECORDED_ADDRESS = "-XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0"


def archive_options(folder: Path | None = None) -> str:
    """JVM options that map the archive, or "" when there is none for this JDK and Spark."""
    if not in_use():
        return ""
    path = archive_path(folder)
    return (f"-XX:SharedArchiveFile={path} {AT_RECORDED_ADDRESS} {ARCHIVE_LOG}"
            if path is not None and path.is_file() else "")


def workload(spark, scratch: Path) -> None:
    """What a grading does, small: pandas and Parquet in and out, SQL, the feature stages, the
    estimators and evaluators of the six assignments, tuning, saving and loading pipelines, a Python UDF."""
    import pandas as pd
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

    rows = [{"id": i, "cat": "abc"[i % 3], "x": float(i % 7), "y": None if i % 11 == 0 else float(i % 5),
             "label": float(i % 2)} for i in range(200)]
    df = spark.createDataFrame(pd.DataFrame(rows)).repartition(2)
    df.write.mode("overwrite").parquet(str(scratch / "data"))
    df = spark.read.parquet(str(scratch / "data"))
    df.createOrReplaceTempView("rows")
    spark.sql("SELECT cat, avg(x) AS ax, count(*) AS n FROM rows GROUP BY cat ORDER BY cat").collect()
    df = df.withColumn("z", F.udf(lambda v: v * 2.0, "double")(F.col("x")))
    features = [Imputer(inputCols=["y"], outputCols=["y_filled"]),
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


def record(folder: Path | None = None, timeout_s: float = 600) -> Path | None:
    """Record the archive (in a fresh interpreter, so this process's JVM, if any, is not the one that
    records); returns its path, or None where Java is missing. One recording at a time per folder; an
    existing archive is kept. Raises RuntimeError (with the end of the JVM's output) if none was written."""
    (folder or archive_folder()).mkdir(parents=True, exist_ok=True)
    local_fs(folder, build=True)            # first: it is on the class path the archive is made for
    path = archive_path(folder)
    if path is None:
        return None
    if path.is_file():
        return path
    with open(path.parent / f"{PREFIX}record.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.is_file():
            return path
        with tempfile.TemporaryDirectory(prefix="sparkgrade-cds-") as tmp:
            dump = Path(tmp) / "driver.jsa"
            with open(Path(tmp) / "record.log", "wb") as log:
                subprocess.run([sys.executable, "-m", "autograder.engine.driver_archive", str(dump), tmp], check=False,
                               timeout=timeout_s, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
            if not dump.is_file() or dump.stat().st_size == 0:
                tail = (Path(tmp) / "record.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"the JVM wrote no class-data archive; the end of its output:\n{tail}")
            install_archive(dump, path, f"{PREFIX}*.jsa")
    return path


def _record_here(dump: Path, scratch: Path) -> int:
    """In the recording interpreter: run the workload in a driver that writes ``dump`` as it exits."""
    from dataclasses import replace

    from pyspark import SparkContext

    from autograder.spark import build_session, sized_options

    options = sized_options()
    spark = build_session(replace(options, java_options=f"{options.java_options} "
                                                        f"-XX:ArchiveClassesAtExit={dump} {ARCHIVE_LOG}"))
    workload(spark, scratch)
    spark.stop()
    proc = SparkContext._gateway.proc                    # the JVM exits (and dumps) when its stdin closes
    proc.stdin.close()
    try:
        proc.wait(timeout=300)
    except subprocess.TimeoutExpired:
        pass                                            # no dump: record() reports it
    return 0


if __name__ == "__main__":
    sys.exit(_record_here(Path(sys.argv[1]), Path(sys.argv[2])))
