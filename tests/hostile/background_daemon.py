"""Hostile: starts background processes meant to outlive the grading: a detached (setsid, double-forked)
process with an empty environment (no sandbox marker) and a forked sleeper. The answers are correct.
tests/test_hostile.py checks that no process carrying DAEMON_TAG is left afterwards."""

import os
import subprocess
import sys
import time

from pyspark.ml import Pipeline
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.feature import Imputer, VectorAssembler
from pyspark.sql import functions as F

FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
DAEMON_TAG = "sparkgrade-hostile-daemon"
_CODE = ("import os, time\n"
         "os.setsid()\n"
         "if os.fork():\n"
         "    os._exit(0)\n"
         "while True:\n"
         "    time.sleep(1)\n")

subprocess.Popen([sys.executable, "-c", _CODE, DAEMON_TAG], env={}, start_new_session=True,
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def double(x):
    if x == 21 and os.fork() == 0:             # a second one, forked from inside a task
        os.setsid()
        os.execve(sys.executable, [sys.executable, "-c", _CODE, DAEMON_TAG], {})
    time.sleep(0.1)
    return 2 * x


def add_ratio(df):
    return df.withColumn("r", F.when(F.col("b") != 0, F.col("a").cast("double") / F.col("b").cast("double")))


def build_pipeline():
    imputer = Imputer(inputCols=FEATURES, outputCols=[f"{c}_imp" for c in FEATURES])
    assembler = VectorAssembler(inputCols=[f"{c}_imp" for c in FEATURES], outputCol="features")
    return Pipeline(stages=[imputer, assembler, LogisticRegression(labelCol="label", maxIter=50)])


def fit_pipeline(pipeline, train_df):
    return pipeline.fit(train_df)


def save_model(model, path):
    model.write().overwrite().save(path)
