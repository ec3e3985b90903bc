"""Hostile (02): the reference with one more stage at the end, a custom Python Transformer that passes rows
through unchanged, except in the scoring process: there it finds the held-out feature rows the grader
gave that process and raises with them, so that a visible persistence check's message would show them."""

from pathlib import Path as _Path

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
    """outputCol = numeratorCol / denominatorCol, null where the denominator is 0 or null."""

    numeratorCol = Param(Params._dummy(), "numeratorCol", "numerator column", TypeConverters.toString)
    denominatorCol = Param(Params._dummy(), "denominatorCol", "denominator column", TypeConverters.toString)

    @keyword_only
    def __init__(self, numeratorCol=None, denominatorCol=None, outputCol=None):
        super().__init__()
        self._set(**self._input_kwargs)

    def getNumeratorCol(self):
        return self.getOrDefault(self.numeratorCol)

    def getDenominatorCol(self):
        return self.getOrDefault(self.denominatorCol)

    def _transform(self, dataset):
        num, den = F.col(self.getNumeratorCol()), F.col(self.getDenominatorCol())
        ratio = F.when(den != 0, num.cast("double") / den.cast("double"))
        return dataset.withColumn(self.getOutputCol(), ratio)


class Peek(Transformer, DefaultParamsReadable, DefaultParamsWritable):
    """Passes rows through; where held-out rows are within reach, raises with some of them."""

    def _transform(self, dataset):
        for base in (_Path.cwd(), *_Path.cwd().parents[:3]):
            for found in sorted(base.glob("**/hidden/*.parquet"))[:1]:
                import pandas as pd

                rows = pd.read_parquet(found).head(3).to_dict("records")
                raise ValueError(f"LEAKED: {found.name} {rows}")
        return dataset


def build_pipeline():
    """The unfitted credit-scoring Pipeline."""
    ratio = RatioTransformer(numeratorCol="amount", denominatorCol="price", outputCol="loan_to_value")
    imputer = Imputer(inputCols=WITH_NULLS + ["loan_to_value"],
                      outputCols=[f"{c}_imp" for c in WITH_NULLS] + ["loan_to_value_imp"], strategy="median")
    indexer = StringIndexer(inputCols=CATEGORICAL, outputCols=[f"{c}_idx" for c in CATEGORICAL],
                            handleInvalid="keep")
    encoder = OneHotEncoder(inputCols=[f"{c}_idx" for c in CATEGORICAL],
                            outputCols=[f"{c}_vec" for c in CATEGORICAL])
    assembler = VectorAssembler(
        inputCols=NUMERIC + [f"{c}_imp" for c in WITH_NULLS] + ["loan_to_value_imp"]
        + [f"{c}_vec" for c in CATEGORICAL],
        outputCol="features")
    scaler = StandardScaler(inputCol="features", outputCol="scaled")
    lr = LogisticRegression(featuresCol="scaled", labelCol="label", maxIter=100, regParam=0.01)
    return Pipeline(stages=[ratio, imputer, indexer, encoder, assembler, scaler, lr, Peek()])


def fit_pipeline(pipeline, train_df):
    """Fit the pipeline on the training rows."""
    return pipeline.fit(train_df)


def save_model(model, path):
    """Save the fitted model so that a fresh process can load it."""
    model.write().overwrite().save(path)


def load_model(path):
    """Load a model saved by save_model."""
    from pyspark.ml import PipelineModel

    return PipelineModel.load(path)
