"""Assignment 02, written with small helpers, type hints and ParamMap-based configuration."""

from __future__ import annotations

from typing import Dict, List

from pyspark import keyword_only
from pyspark.ml import Pipeline, PipelineModel, Transformer
from pyspark.ml.base import Estimator
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.feature import Imputer, OneHotEncoder, StandardScaler, StringIndexer, VectorAssembler
from pyspark.ml.param import Param, Params, TypeConverters
from pyspark.ml.param.shared import HasOutputCol
from pyspark.ml.util import DefaultParamsReadable, DefaultParamsWritable
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

CATEGORICAL = ["home", "marital", "records", "job"]
WITH_NULLS = ["income", "assets", "debt"]
NUMERIC = ["seniority", "time", "age", "expenses", "amount", "price"]

RATIO_COL = "loan_to_value"


def _safe_ratio(numerator: Column, denominator: Column) -> Column:
    """numerator / denominator as a double; null when the denominator is 0, -0.0 or null."""
    den = denominator.cast("double")
    return F.when(den.isNotNull() & (den != F.lit(0.0)), numerator.cast("double") / den)


class RatioTransformer(Transformer, HasOutputCol, DefaultParamsReadable, DefaultParamsWritable):
    """outputCol = numeratorCol / denominatorCol, null where the denominator is 0 or null."""

    numeratorCol = Param(Params._dummy(), "numeratorCol", "column of the numerator",
                         typeConverter=TypeConverters.toString)
    denominatorCol = Param(Params._dummy(), "denominatorCol", "column of the denominator",
                           typeConverter=TypeConverters.toString)

    @keyword_only
    def __init__(self, *, numeratorCol: str | None = None, denominatorCol: str | None = None,
                 outputCol: str | None = None) -> None:
        super().__init__()
        kwargs = self._input_kwargs
        self.setParams(**kwargs)

    @keyword_only
    def setParams(self, *, numeratorCol: str | None = None, denominatorCol: str | None = None,
                  outputCol: str | None = None) -> "RatioTransformer":
        kwargs = self._input_kwargs
        return self._set(**kwargs)

    def getNumeratorCol(self) -> str:
        return self.getOrDefault(self.numeratorCol)

    def getDenominatorCol(self) -> str:
        return self.getOrDefault(self.denominatorCol)

    def _transform(self, dataset: DataFrame) -> DataFrame:
        ratio = _safe_ratio(F.col(self.getNumeratorCol()), F.col(self.getDenominatorCol()))
        return dataset.withColumn(self.getOutputCol(), ratio)


def _configured(stage: Params, settings: Dict[str, object]) -> Params:
    """A copy of ``stage`` with ``settings`` (param name -> value) applied through a ParamMap."""
    param_map = {stage.getParam(name): value for name, value in settings.items()}
    return stage.copy(param_map)


def _imputed_columns() -> List[str]:
    return WITH_NULLS + [RATIO_COL]


def _categorical_stages() -> List[Params]:
    indexed = [f"{c}__index" for c in CATEGORICAL]
    encoded = [f"{c}__onehot" for c in CATEGORICAL]
    indexer = _configured(StringIndexer(), {
        "inputCols": CATEGORICAL, "outputCols": indexed,
        "handleInvalid": "keep", "stringOrderType": "alphabetAsc",
    })
    encoder = _configured(OneHotEncoder(), {
        "inputCols": indexed, "outputCols": encoded, "dropLast": False,
    })
    return [indexer, encoder]


def _numeric_inputs() -> List[str]:
    """Numeric columns without nulls, then the imputed ones (NUMERIC holds none of WITH_NULLS)."""
    imputed = [f"{c}__filled" for c in _imputed_columns()]
    return NUMERIC + imputed


def build_pipeline() -> Pipeline:
    """The unfitted credit-scoring Pipeline (seven stages, see the assignment)."""
    ratio = RatioTransformer(numeratorCol="amount", denominatorCol="price", outputCol=RATIO_COL)
    imputer = _configured(Imputer(), {
        "inputCols": _imputed_columns(),
        "outputCols": [f"{c}__filled" for c in _imputed_columns()],
        "strategy": "mean",
    })
    indexer, encoder = _categorical_stages()
    assembler = _configured(VectorAssembler(), {
        "inputCols": _numeric_inputs() + encoder.getOutputCols(), "outputCol": "features",
    })
    scaler = _configured(StandardScaler(), {
        "inputCol": "features", "outputCol": "features_std", "withMean": True, "withStd": True,
    })
    classifier: Estimator = _configured(LogisticRegression(), {
        "featuresCol": "features_std", "labelCol": "label", "maxIter": 200, "regParam": 0.001,
    })
    return Pipeline(stages=[ratio, imputer, indexer, encoder, assembler, scaler, classifier])


def fit_pipeline(pipeline: Pipeline, train_df: DataFrame) -> PipelineModel:
    """Fit the pipeline on the training rows and return the PipelineModel."""
    return pipeline.copy().fit(train_df)


def save_model(model: PipelineModel, path: str) -> None:
    """Save the fitted model so that a fresh process can load it."""
    model.write().overwrite().save(path)


def load_model(path: str) -> PipelineModel:
    """Load a model saved by save_model."""
    return PipelineModel.load(path)
