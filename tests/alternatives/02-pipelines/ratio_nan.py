"""Assignment 02: straightforward solution."""
from pyspark import keyword_only
from pyspark.ml import Pipeline, PipelineModel, Transformer
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
    """outputCol = numeratorCol / denominatorCol, null where the denominator is 0 or null."""

    numeratorCol = Param(Params._dummy(), "numeratorCol", "numerator column",
                         typeConverter=TypeConverters.toString)
    denominatorCol = Param(Params._dummy(), "denominatorCol", "denominator column",
                           typeConverter=TypeConverters.toString)

    @keyword_only
    def __init__(self, numeratorCol=None, denominatorCol=None, outputCol=None):
        super().__init__()
        kwargs = self._input_kwargs
        self._set(**kwargs)

    @keyword_only
    def setParams(self, numeratorCol=None, denominatorCol=None, outputCol=None):
        kwargs = self._input_kwargs
        return self._set(**kwargs)

    def getNumeratorCol(self):
        return self.getOrDefault(self.numeratorCol)

    def getDenominatorCol(self):
        return self.getOrDefault(self.denominatorCol)

    def _transform(self, dataset):
        num = F.col(self.getNumeratorCol()).cast("double")
        den = F.col(self.getDenominatorCol()).cast("double")
        ratio = F.when(den == 0, F.lit(float("nan"))).otherwise(num / den)
        return dataset.withColumn(self.getOutputCol(), ratio)


def build_pipeline():
    ratio = RatioTransformer(numeratorCol="amount", denominatorCol="price", outputCol="loan_to_value")
    imp_in = WITH_NULLS + ["loan_to_value"]
    imp_out = [c + "_imp" for c in imp_in]
    imputer = Imputer(inputCols=imp_in, outputCols=imp_out)
    idx_out = [c + "_idx" for c in CATEGORICAL]
    indexer = StringIndexer(inputCols=CATEGORICAL, outputCols=idx_out, handleInvalid="keep")
    ohe_out = [c + "_ohe" for c in CATEGORICAL]
    encoder = OneHotEncoder(inputCols=idx_out, outputCols=ohe_out)
    assembler = VectorAssembler(inputCols=NUMERIC + imp_out + ohe_out, outputCol="features")
    scaler = StandardScaler(inputCol="features", outputCol="scaled_features")
    lr = LogisticRegression(featuresCol="scaled_features", labelCol="label")
    return Pipeline(stages=[ratio, imputer, indexer, encoder, assembler, scaler, lr])


def fit_pipeline(pipeline, train_df):
    return pipeline.fit(train_df)


def save_model(model, path):
    model.write().overwrite().save(path)


def load_model(path):
    return PipelineModel.load(path)
