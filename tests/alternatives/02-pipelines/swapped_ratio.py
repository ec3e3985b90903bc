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

    numeratorCol = Param(Params._dummy(), "numeratorCol", "column divided",
                         typeConverter=TypeConverters.toString)
    denominatorCol = Param(Params._dummy(), "denominatorCol", "column dividing by",
                           typeConverter=TypeConverters.toString)

    @keyword_only
    def __init__(self, *, numeratorCol=None, denominatorCol=None, outputCol=None):
        super().__init__()
        kwargs = self._input_kwargs
        self.setParams(**kwargs)

    @keyword_only
    def setParams(self, *, numeratorCol=None, denominatorCol=None, outputCol=None):
        kwargs = self._input_kwargs
        return self._set(**kwargs)

    def setNumeratorCol(self, value):
        return self._set(numeratorCol=value)

    def getNumeratorCol(self):
        return self.getOrDefault(self.numeratorCol)

    def setDenominatorCol(self, value):
        return self._set(denominatorCol=value)

    def getDenominatorCol(self):
        return self.getOrDefault(self.denominatorCol)

    def setOutputCol(self, value):
        return self._set(outputCol=value)

    def _transform(self, dataset):
        num = F.col(self.getNumeratorCol()).cast("double")
        den = F.col(self.getDenominatorCol()).cast("double")
        return dataset.withColumn(self.getOutputCol(), F.when(den != 0, num / den))


def build_pipeline():
    """The unfitted credit-scoring Pipeline (seven stages, see the assignment)."""
    # loan to value: what the goods cost per unit of loan
    ratio = RatioTransformer(numeratorCol="price", denominatorCol="amount", outputCol="loan_to_value")
    missing = WITH_NULLS + ["loan_to_value"]
    imputer = Imputer(strategy="median", inputCols=missing, outputCols=[f"{c}_filled" for c in missing])
    indexer = StringIndexer(inputCols=CATEGORICAL, outputCols=[f"{c}_index" for c in CATEGORICAL],
                            handleInvalid="keep")
    encoder = OneHotEncoder(inputCols=indexer.getOutputCols(), outputCols=[f"{c}_onehot" for c in CATEGORICAL])
    assembler = VectorAssembler(inputCols=NUMERIC + imputer.getOutputCols() + encoder.getOutputCols(),
                                outputCol="features")
    scaler = StandardScaler(inputCol="features", outputCol="features_scaled", withMean=True)
    classifier = LogisticRegression(featuresCol="features_scaled", labelCol="label", maxIter=50)
    return Pipeline(stages=[ratio, imputer, indexer, encoder, assembler, scaler, classifier])


def fit_pipeline(pipeline, train_df):
    """Fit the pipeline on the training rows and return the PipelineModel."""
    return pipeline.fit(train_df)


def save_model(model, path):
    """Save the fitted model so that a fresh process can load it."""
    model.write().overwrite().save(path)


def load_model(path):
    """Load a model saved by save_model."""
    return PipelineModel.load(path)
