"""Hostile: a correct pipeline, but fit_pipeline() returns a model whose transform copies the label column
into the prediction (perfect on any data that carries labels). The grader scores held-out rows without
labels, so the metric check fails; persistence works, so that check is earned."""

from pyspark.ml import Model, Pipeline
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.feature import Imputer, VectorAssembler
from pyspark.ml.functions import array_to_vector
from pyspark.ml.util import DefaultParamsReadable, DefaultParamsWritable
from pyspark.sql import functions as F

FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


class LabelCopier(Model, DefaultParamsReadable, DefaultParamsWritable):
    def _transform(self, dataset):
        label = F.col("label").cast("double") if "label" in dataset.columns else F.lit(0.0)
        return (dataset.withColumn("prediction", label)
                .withColumn("probability", array_to_vector(F.array(F.lit(1.0) - label, label))))


def build_pipeline():
    imputer = Imputer(inputCols=FEATURES, outputCols=[f"{c}_imp" for c in FEATURES])
    assembler = VectorAssembler(inputCols=[f"{c}_imp" for c in FEATURES], outputCol="features")
    return Pipeline(stages=[imputer, assembler, LogisticRegression(labelCol="label", maxIter=50)])


def fit_pipeline(pipeline, train_df):
    return LabelCopier()


def save_model(model, path):
    model.write().overwrite().save(path)
