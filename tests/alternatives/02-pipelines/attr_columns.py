"""Assignment 02: Transformers, Estimators, Pipelines."""

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

    numeratorCol = Param(Params._dummy(), "numeratorCol", "the numerator column",
                         typeConverter=TypeConverters.toString)
    denominatorCol = Param(Params._dummy(), "denominatorCol", "the denominator column",
                           typeConverter=TypeConverters.toString)

    @keyword_only
    def __init__(self, numeratorCol=None, denominatorCol=None, outputCol=None):
        super().__init__()
        self._set(**self._input_kwargs)
        # keep the column names at hand for _transform
        self.num_col = numeratorCol
        self.den_col = denominatorCol
        self.out_col = outputCol

    def getNumeratorCol(self):
        return self.getOrDefault(self.numeratorCol)

    def getDenominatorCol(self):
        return self.getOrDefault(self.denominatorCol)

    def _transform(self, dataset):
        num = F.col(self.num_col).cast("double")
        den = F.col(self.den_col).cast("double")
        ratio = F.when(den.isNotNull() & (den != 0), num / den).otherwise(F.lit(None).cast("double"))
        return dataset.withColumn(self.out_col, ratio)


def build_pipeline():
    """The unfitted credit-scoring Pipeline (seven stages, see the assignment)."""
    ratio = RatioTransformer(numeratorCol="amount", denominatorCol="price", outputCol="loan_to_value")
    to_impute = WITH_NULLS + ["loan_to_value"]
    imputed = [c + "_imp" for c in to_impute]
    imputer = Imputer(inputCols=to_impute, outputCols=imputed)
    indexed = [c + "_idx" for c in CATEGORICAL]
    indexer = StringIndexer(inputCols=CATEGORICAL, outputCols=indexed, handleInvalid="keep")
    encoded = [c + "_vec" for c in CATEGORICAL]
    encoder = OneHotEncoder(inputCols=indexed, outputCols=encoded)
    assembler = VectorAssembler(inputCols=NUMERIC + imputed + encoded, outputCol="features")
    scaler = StandardScaler(inputCol="features", outputCol="scaled")
    lr = LogisticRegression(featuresCol="scaled", labelCol="label")
    return Pipeline(stages=[ratio, imputer, indexer, encoder, assembler, scaler, lr])


def fit_pipeline(pipeline, train_df):
    """Fit the pipeline on the training rows and return the PipelineModel."""
    return pipeline.fit(train_df)


def save_model(model, path):
    """Save the fitted model so that a fresh process can load it."""
    model.write().overwrite().save(path)


def load_model(path):
    """Load a model saved by save_model."""
    return PipelineModel.load(path)
