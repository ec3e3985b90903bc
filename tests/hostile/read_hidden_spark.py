"""Hostile: like read_hidden_fs.py, but reads through Spark (spark.read.text / spark.read.parquet with
glob patterns), i.e. through the JVM rather than Python's own file functions."""

from pathlib import Path
import tomllib

import autograder
from pyspark.ml import Model, Pipeline
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.feature import Imputer, VectorAssembler
from pyspark.ml.functions import array_to_vector
from pyspark.ml.util import DefaultParamsReadable, DefaultParamsWritable
from pyspark.sql import functions as F

FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
CHECKOUT = str(Path(autograder.__file__).resolve().parents[1])
ROOTS = [CHECKOUT, f"{CHECKOUT}/tests/fixtures/root", "/autograder/source", "/tmp"]
DEPTHS = ["", "*/", "*/*/", "*/*/*/"]


def _read(kind, suffix):
    for root in ROOTS:
        for depth in DEPTHS:
            pattern = f"{root}/{depth}{suffix}"
            try:
                reader = spark.read  # noqa: F821 - defined by the grader
                df = reader.text(pattern, wholetext=True) if kind == "text" else reader.parquet(pattern)
                df.schema           # analysed now (Spark Connect analyses lazily): a missing path raises here
                rows = df.collect() if kind == "text" else df
                return rows
            except Exception:  # noqa: BLE001 - PATH_NOT_FOUND and friends
                continue
    return None


REFERENCE = _read("text", "solutions/00-tiny/tiny.py")
SPEC = _read("text", "assignments/00-tiny/assignment.toml")
LABELS = _read("parquet", "00-tiny-*/hidden/test_labels.parquet") or _read("parquet", "00-tiny/hidden/test_labels.parquet")


def double(x):
    for row in SPEC or []:
        spec = tomllib.loads(row.value)
        tasks = {t["name"] for t in spec.get("tasks", []) if t.get("call") == "double"
                 and dict(t.get("kwargs", {})).get("x") == x}
        for check in spec.get("checks", []):
            if set(check.get("tasks", [])) & tasks:
                return check["params"]["expected"]
    return None


class LabelThief(Model, DefaultParamsReadable, DefaultParamsWritable):
    def _transform(self, dataset):
        if LABELS is not None:
            stolen = LABELS.select("id", F.col("label").alias("_stolen"))
            label = F.coalesce(F.col("_stolen"), F.lit(0.0))
            return (dataset.join(stolen, "id", "left").withColumn("prediction", label)
                    .withColumn("probability", array_to_vector(F.array(F.lit(1.0) - label, label))))
        return (dataset.withColumn("prediction", F.lit(0.0))
                .withColumn("probability", array_to_vector(F.array(F.lit(1.0), F.lit(0.0)))))


def build_pipeline():
    imputer = Imputer(inputCols=FEATURES, outputCols=[f"{c}_imp" for c in FEATURES])
    assembler = VectorAssembler(inputCols=[f"{c}_imp" for c in FEATURES], outputCol="features")
    return Pipeline(stages=[imputer, assembler, LogisticRegression(labelCol="label", maxIter=50)])


def fit_pipeline(pipeline, train_df):
    return LabelThief()


def save_model(model, path):
    model.write().overwrite().save(path)


if REFERENCE:
    exec(compile(REFERENCE[0].value, "reference", "exec"), globals())     # every point at once
