"""Correct answers, but fit_pipeline first compiles a Java class, packs it into a jar in its work folder and
has Spark load it: ADD JAR, CREATE TEMPORARY FUNCTION ... AS 'Class', then a query that calls it. On a
shared server, the class's static initialiser would run inside the server's JVM, the process that reads
and writes every student's files (here it only leaves a marker in that JVM's temporary folder). The shared
server refuses the SQL (sparkgrade's guard), so the submission is graded with local Spark, in its own
sandbox, where the class runs in its own JVM."""

import os
import shutil
import subprocess
import tempfile
import zipfile

from pyspark.ml import Pipeline
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.feature import Imputer, VectorAssembler
from pyspark.sql import functions as F

FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
MARKER = "SPARKGRADE-JAR-RAN"
SOURCE = """
public class Planted implements org.apache.spark.sql.api.java.UDF1<Integer, Integer> {
    static {
        try {
            java.nio.file.Files.writeString(java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "%s"), "ran");
        } catch (Exception e) { }
    }
    public Integer call(Integer x) { return x; }
}
""" % MARKER


def double(x):
    return 2 * x


def add_ratio(df):
    return df.withColumn("r", F.when(F.col("b") != 0, F.col("a").cast("double") / F.col("b").cast("double")))


def build_pipeline():
    imputer = Imputer(inputCols=FEATURES, outputCols=[f"{c}_imp" for c in FEATURES])
    assembler = VectorAssembler(inputCols=[f"{c}_imp" for c in FEATURES], outputCol="features")
    return Pipeline(stages=[imputer, assembler, LogisticRegression(labelCol="label", maxIter=50)])


def _planted_jar():
    """The jar, built with the JDK's javac against pyspark's jars, in the current (work) folder."""
    import pyspark

    jars = os.path.join(os.path.dirname(pyspark.__file__), "jars", "*")
    javac = shutil.which("javac") or os.path.join(os.environ.get("JAVA_HOME", "/usr"), "bin", "javac")
    build = tempfile.mkdtemp()
    with open(os.path.join(build, "Planted.java"), "w") as fh:
        fh.write(SOURCE)
    subprocess.run([javac, "-nowarn", "-cp", jars, "-d", build, os.path.join(build, "Planted.java")], check=True,
                   capture_output=True)
    jar = os.path.abspath("planted.jar")
    with zipfile.ZipFile(jar, "w") as out:
        out.write(os.path.join(build, "Planted.class"), "Planted.class")
    os.chmod(jar, 0o644)
    return jar


def fit_pipeline(pipeline, train_df):
    spark = train_df.sparkSession
    try:
        spark.sql(f"ADD JAR '{_planted_jar()}'")
        spark.sql("CREATE TEMPORARY FUNCTION planted AS 'Planted'")
        spark.sql("SELECT planted(1) AS x").collect()
    except Exception:   # noqa: BLE001 - refused or not, the answers stay correct
        pass
    return pipeline.fit(train_df)


def save_model(model, path):
    model.write().overwrite().save(path)
