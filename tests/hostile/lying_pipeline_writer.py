"""Hostile: build_pipeline() returns a Pipeline subclass that holds only a VectorAssembler, but whose
write() saves a complete Imputer -> VectorAssembler -> LogisticRegression pipeline instead."""

from pyspark.ml import Pipeline
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.feature import Imputer, VectorAssembler

FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


def _what_it_claims():
    imputer = Imputer(inputCols=FEATURES, outputCols=[f"{c}_imp" for c in FEATURES])
    assembler = VectorAssembler(inputCols=[f"{c}_imp" for c in FEATURES], outputCol="features")
    return Pipeline(stages=[imputer, assembler, LogisticRegression(labelCol="label")])


class ClaimsMore(Pipeline):
    def write(self):
        return _what_it_claims().write()


def build_pipeline():
    return ClaimsMore(stages=[VectorAssembler(inputCols=FEATURES, outputCol="features")])
