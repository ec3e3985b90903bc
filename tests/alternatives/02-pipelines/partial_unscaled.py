"""Assignment 02, handed in with two subtle mistakes and one function missing: the ratio is null for a zero
numerator too; the LogisticRegression keeps its default featuresCol, so it learns from the assembled features
and never reads the scaler's output; load_model is not written."""

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
    numeratorCol = Param(Params._dummy(), "numeratorCol", "numerator column", TypeConverters.toString)
    denominatorCol = Param(Params._dummy(), "denominatorCol", "denominator column", TypeConverters.toString)

    @keyword_only
    def __init__(self, numeratorCol=None, denominatorCol=None, outputCol=None):
        super().__init__()
        self._set(**self._input_kwargs)

    def _transform(self, dataset):
        num = F.col(self.getOrDefault(self.numeratorCol)).cast("double")
        den = F.col(self.getOrDefault(self.denominatorCol)).cast("double")
        # mistake: a zero numerator gives null instead of 0.0
        return dataset.withColumn(self.getOutputCol(), F.when((num != 0) & (den != 0), num / den))


def build_pipeline():
    ratio = RatioTransformer(numeratorCol="amount", denominatorCol="price", outputCol="loan_to_value")
    filled = WITH_NULLS + ["loan_to_value"]
    imputer = Imputer(inputCols=filled, outputCols=[c + "_imp" for c in filled])
    indexer = StringIndexer(inputCols=CATEGORICAL, outputCols=[c + "_idx" for c in CATEGORICAL], handleInvalid="keep")
    encoder = OneHotEncoder(inputCols=[c + "_idx" for c in CATEGORICAL], outputCols=[c + "_vec" for c in CATEGORICAL])
    assembler = VectorAssembler(inputCols=NUMERIC + [c + "_imp" for c in filled] + [c + "_vec" for c in CATEGORICAL],
                                outputCol="features")
    scaler = StandardScaler(inputCol="features", outputCol="scaled")
    lr = LogisticRegression(labelCol="label")        # mistake: featuresCol stays "features", not "scaled"
    return Pipeline(stages=[ratio, imputer, indexer, encoder, assembler, scaler, lr])


def fit_pipeline(pipeline, train_df):
    return pipeline.fit(train_df)


def save_model(model, path):
    model.write().overwrite().save(path)


def load_model(path):
    raise NotImplementedError("load_model is not written yet")
