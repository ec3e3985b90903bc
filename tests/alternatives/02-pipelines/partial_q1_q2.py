"""Assignment 02, half done: the transformer and the pipeline; fitting and saving are still to do."""

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


class RatioTransformer(Transformer, HasOutputCol, DefaultParamsReadable, DefaultParamsWritable):
    numeratorCol = Param(Params._dummy(), "numeratorCol", "numerator", TypeConverters.toString)
    denominatorCol = Param(Params._dummy(), "denominatorCol", "denominator", TypeConverters.toString)

    @keyword_only
    def __init__(self, numeratorCol=None, denominatorCol=None, outputCol=None):
        super().__init__()
        self._set(**self._input_kwargs)

    def _transform(self, dataset):
        num = F.col(self.getOrDefault(self.numeratorCol))
        den = F.col(self.getOrDefault(self.denominatorCol))
        return dataset.withColumn(
            self.getOutputCol(),
            F.when(den.isNull() | (den == 0), F.lit(None).cast("double")).otherwise(num / den))


def build_pipeline():
    stages = [
        RatioTransformer(numeratorCol="amount", denominatorCol="price", outputCol="loan_to_value"),
        Imputer(inputCols=WITH_NULLS + ["loan_to_value"], outputCols=[c + "_i" for c in WITH_NULLS + ["loan_to_value"]]),
        StringIndexer(inputCols=CATEGORICAL, outputCols=[c + "_ix" for c in CATEGORICAL], handleInvalid="keep"),
        OneHotEncoder(inputCols=[c + "_ix" for c in CATEGORICAL], outputCols=[c + "_oh" for c in CATEGORICAL]),
        VectorAssembler(inputCols=NUMERIC + [c + "_i" for c in WITH_NULLS + ["loan_to_value"]]
                        + [c + "_oh" for c in CATEGORICAL], outputCol="features"),
        StandardScaler(inputCol="features", outputCol="scaled"),
        LogisticRegression(featuresCol="scaled", labelCol="label"),
    ]
    return Pipeline(stages=stages)


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
