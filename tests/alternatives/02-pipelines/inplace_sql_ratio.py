"""Assignment 02 -- Transformers, Estimators, Pipelines.

RatioTransformer declares its Params in __init__ and divides in SQL with NULLIF; the Imputer fills the
columns in place; the stages come from small helper functions; the model is saved with save().
"""

from __future__ import annotations

from typing import List

from pyspark import keyword_only
from pyspark.ml import Pipeline, PipelineModel, Transformer

from pyspark.ml.classification import LogisticRegression
from pyspark.ml.feature import Imputer, OneHotEncoder, StandardScaler, StringIndexer, VectorAssembler
from pyspark.ml.param import Param, Params
from pyspark.ml.param.shared import HasOutputCol
from pyspark.ml.util import DefaultParamsReadable, DefaultParamsWritable
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

CATEGORIES = ("job", "home", "records", "marital")
GAPS = ("debt", "assets", "income")
PLAIN = ("age", "time", "seniority", "price", "amount", "expenses")
LTV = "loan_to_value"


class RatioTransformer(Transformer, HasOutputCol, DefaultParamsReadable, DefaultParamsWritable):
    """numeratorCol / denominatorCol as a double; NULL when the denominator is 0, -0.0 or NULL."""

    @keyword_only
    def __init__(self, numeratorCol: str | None = None, denominatorCol: str | None = None,
                 outputCol: str | None = None) -> None:
        super().__init__()
        self.numeratorCol = Param(self, "numeratorCol", "column divided")
        self.denominatorCol = Param(self, "denominatorCol", "column dividing")
        self.setParams(**self._input_kwargs)

    @keyword_only
    def setParams(self, numeratorCol: str | None = None, denominatorCol: str | None = None,
                  outputCol: str | None = None) -> "RatioTransformer":
        return self._set(**self._input_kwargs)

    def _transform(self, dataset: DataFrame) -> DataFrame:
        num = self.getOrDefault(self.numeratorCol)
        den = self.getOrDefault(self.denominatorCol)
        ratio = F.expr(f"CAST(`{num}` AS DOUBLE) / NULLIF(CAST(`{den}` AS DOUBLE), 0.0D)")
        return dataset.withColumn(self.getOutputCol(), ratio)


def _idx(c: str) -> str:
    return f"{c}Index"


def _ohe(c: str) -> str:
    return f"{c}OneHot"


def _stages() -> List[Params]:
    filled = list(GAPS) + [LTV]
    return [
        RatioTransformer(numeratorCol="amount", denominatorCol="price", outputCol=LTV),
        Imputer(inputCols=filled, outputCols=filled, strategy="median"),       # in place
        StringIndexer(inputCols=list(CATEGORIES), outputCols=[_idx(c) for c in CATEGORIES],
                      handleInvalid="keep", stringOrderType="frequencyAsc"),
        OneHotEncoder(inputCols=[_idx(c) for c in CATEGORIES], outputCols=[_ohe(c) for c in CATEGORIES],
                      dropLast=False, handleInvalid="keep"),
        VectorAssembler(inputCols=[_ohe(c) for c in CATEGORIES] + list(PLAIN) + filled, outputCol="features"),
        StandardScaler(inputCol="features", outputCol="features_std", withMean=True, withStd=True),
        LogisticRegression(featuresCol="features_std", maxIter=50),            # labelCol: the default "label"
    ]


def build_pipeline() -> Pipeline:
    return Pipeline(stages=_stages())


def fit_pipeline(pipeline: Pipeline, train_df: DataFrame) -> PipelineModel:
    train_df.cache()
    try:
        return pipeline.fit(train_df)
    finally:
        train_df.unpersist()


def save_model(model: PipelineModel, path: str) -> None:
    model.save(path)


def load_model(path: str) -> PipelineModel:
    return PipelineModel.load(path)


if __name__ == "__main__":
    print([type(s).__name__ for s in build_pipeline().getStages()])
