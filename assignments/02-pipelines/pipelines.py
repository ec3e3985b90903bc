"""Assignment 02: Transformers, Estimators, Pipelines.

Fill in every function marked TODO. Run the public checks with `sparkgrade check pipelines.py`.
"""

from pyspark import keyword_only
from pyspark.ml import Pipeline, Transformer
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.feature import Imputer, OneHotEncoder, StandardScaler, StringIndexer, VectorAssembler
from pyspark.ml.param import Param, Params, TypeConverters
from pyspark.ml.param.shared import HasOutputCol
from pyspark.ml.util import DefaultParamsReadable, DefaultParamsWritable
from pyspark.sql import functions as F

CATEGORICAL = ["home", "marital", "records", "job"]
WITH_NULLS = ["income", "assets", "debt"]
NUMERIC = ["seniority", "time", "age", "expenses", "amount", "price"]


class RatioTransformer(Transformer):
    """outputCol = numeratorCol / denominatorCol, null where the denominator is 0 or null."""

    def _transform(self, dataset):
        # TODO: declare the Params, a keyword-only __init__, and make the class persistable.
        raise NotImplementedError("RatioTransformer is not written yet")


def build_pipeline():
    """The unfitted credit-scoring Pipeline (seven stages, see the assignment)."""
    # TODO
    raise NotImplementedError("build_pipeline is not written yet")


def fit_pipeline(pipeline, train_df):
    """Fit the pipeline on the training rows and return the PipelineModel."""
    # TODO
    raise NotImplementedError("fit_pipeline is not written yet")


def save_model(model, path):
    """Save the fitted model so that a fresh process can load it."""
    # TODO
    raise NotImplementedError("save_model is not written yet")


def load_model(path):
    """Load a model saved by save_model."""
    # TODO
    raise NotImplementedError("load_model is not written yet")
