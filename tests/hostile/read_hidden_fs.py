"""Hostile: searches the filesystem for hidden material and uses whatever it finds: the reference solution
(executed, which would earn every point), the assignment.toml with the hidden checks' expected values
(double() answers from it), and the hidden labels (the fitted "model" copies them into its predictions).
Without the sandbox it scores full marks; with it, it finds nothing."""

import os
import time
import tomllib
from pathlib import Path

import autograder
from pyspark.ml import Model, Pipeline
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.feature import Imputer, VectorAssembler
from pyspark.ml.functions import array_to_vector
from pyspark.ml.util import DefaultParamsReadable, DefaultParamsWritable
from pyspark.sql import functions as F

FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
WANTED = ("solutions/00-tiny/tiny.py", "assignments/00-tiny/assignment.toml", "hidden/test_labels.parquet")
SKIP = {"/proc", "/sys", "/dev", "/usr", "/lib", "/lib64", "/bin", "/sbin", "/boot", "/etc", "/var/cache",
        "/var/log", "/farm", "/snap", "/opt"}


def search(seconds=15.0):
    """Paths ending in WANTED, looking first where a grader usually keeps them."""
    checkout = str(Path(autograder.__file__).resolve().parents[1])
    roots = [checkout, "/autograder", "/tmp", os.path.dirname(checkout), "/root", "/home", "/"]
    found, seen, start = [], set(), time.monotonic()
    for top in roots:
        for root, dirs, files in os.walk(top):
            if time.monotonic() - start > seconds:
                return found
            dirs[:] = [d for d in dirs if os.path.join(root, d) not in SKIP | seen
                       and d not in ("site-packages", ".git", "node_modules", ".pyenv")]
            seen.add(root)
            found += [os.path.join(root, n) for n in files + dirs if os.path.join(root, n).endswith(WANTED)]
    return found


FOUND = search()


def double(x):
    for path in [p for p in FOUND if p.endswith(".toml")]:
        try:
            spec = tomllib.loads(open(path).read())
        except (OSError, ValueError):
            continue
        tasks = {t["name"] for t in spec.get("tasks", []) if t.get("call") == "double"
                 and dict(t.get("kwargs", {})).get("x") == x}
        for check in spec.get("checks", []):
            if set(check.get("tasks", [])) & tasks:
                return check["params"]["expected"]
    return None


class LabelThief(Model, DefaultParamsReadable, DefaultParamsWritable):
    def _transform(self, dataset):
        import pandas as pd

        for path in [p for p in FOUND if p.endswith(".parquet")]:
            try:
                labels = pd.read_parquet(path)[["id", "label"]]
            except Exception:  # noqa: BLE001
                continue
            stolen = dataset.sparkSession.createDataFrame(labels).withColumnRenamed("label", "_stolen")
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


for _path in [p for p in FOUND if p.endswith(".py")][:1]:
    exec(compile(open(_path).read(), _path, "exec"), globals())     # the reference: every point at once
