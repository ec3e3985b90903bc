"""Hostile: a correct pipeline, but save_model() saves a useless VectorAssembler; when imported by the
grader's scoring process, the module rebinds the scorer's model loader so that every model it loads is
the correctly fitted one (copied there for the metric check)."""

import json
import sys

import __main__
from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.feature import Imputer, VectorAssembler

FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]

if sys.argv[0].endswith("scorer.py") and hasattr(__main__, "load_model"):
    _job = json.load(open(sys.argv[1]))
    _good = next(r["model"] for r in _job["requests"] if r["model"].endswith("stage"))
    __main__.load_model = lambda path: PipelineModel.load(_good)


def build_pipeline():
    imputer = Imputer(inputCols=FEATURES, outputCols=[f"{c}_imp" for c in FEATURES])
    assembler = VectorAssembler(inputCols=[f"{c}_imp" for c in FEATURES], outputCol="features")
    return Pipeline(stages=[imputer, assembler, LogisticRegression(labelCol="label", maxIter=50)])


def fit_pipeline(pipeline, train_df):
    return pipeline.fit(train_df)


def save_model(model, path):
    VectorAssembler(inputCols=FEATURES, outputCol="x").write().overwrite().save(path)
