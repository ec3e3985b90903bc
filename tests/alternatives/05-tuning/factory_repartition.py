"""Assignment 05 -- evaluation and tuning.

My version: a small factory table for the evaluators, a grid built from a {Param: values} dict,
the CrossValidator configured with setParams, and the training rows repartitioned and cached
before tuning.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Dict, Tuple

from pyspark import StorageLevel
from pyspark.ml import Pipeline
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.evaluation import (BinaryClassificationEvaluator, ClusteringEvaluator, Evaluator,
                                   MulticlassClassificationEvaluator, RegressionEvaluator)
from pyspark.ml.feature import (Imputer, OneHotEncoder, PolynomialExpansion, StandardScaler, StringIndexer,
                                VectorAssembler)
from pyspark.ml.tuning import CrossValidator, CrossValidatorModel, ParamGridBuilder
from pyspark.sql import DataFrame

CATEGORICAL = ["home", "marital", "records", "job"]
WITH_NULLS = ["income", "assets", "debt"]
NUMERIC = ["seniority", "time", "age", "expenses", "amount", "price"]

_EVALUATOR_TABLE = (
    ("binary", BinaryClassificationEvaluator, {"metricName": "areaUnderROC"}),
    ("multiclass", MulticlassClassificationEvaluator, {"metricName": "accuracy"}),
    ("regression", RegressionEvaluator, {"metricName": "mae"}),
    ("clustering", ClusteringEvaluator, {"metricName": "silhouette", "distanceMeasure": "cosine"}),
)


def feature_stages():
    """Credit features (given): imputation, indexing + one-hot encoding, assembly into ``raw``,
    standardisation into ``scaled``."""
    imputer = Imputer(inputCols=WITH_NULLS, outputCols=[f"{c}_imp" for c in WITH_NULLS], strategy="median")
    indexer = StringIndexer(inputCols=CATEGORICAL, outputCols=[f"{c}_idx" for c in CATEGORICAL],
                            handleInvalid="keep")
    encoder = OneHotEncoder(inputCols=[f"{c}_idx" for c in CATEGORICAL],
                            outputCols=[f"{c}_vec" for c in CATEGORICAL])
    assembler = VectorAssembler(inputCols=NUMERIC + [f"{c}_imp" for c in WITH_NULLS]
                                + [f"{c}_vec" for c in CATEGORICAL], outputCol="raw")
    scaler = StandardScaler(inputCol="raw", outputCol="scaled")
    return [imputer, indexer, encoder, assembler, scaler]


def _make(cls, settings):
    evaluator = cls()
    evaluator.setParams(**settings)
    return evaluator


def build_evaluators() -> Dict[str, Evaluator]:
    """{"binary": ..., "multiclass": ..., "regression": ..., "clustering": ...} with the metrics asked for."""
    return {kind: _make(cls, settings) for kind, cls, settings in _EVALUATOR_TABLE}


def _grid(space):
    builder = ParamGridBuilder()
    for param, values in space.items():
        builder = builder.addGrid(param, values)
    return builder.build()


def build_tuner() -> CrossValidator:
    """An unfitted CrossValidator: pipeline estimator, 2x2 grid, binary evaluator, 3 folds."""
    expand = PolynomialExpansion()
    expand.setParams(inputCol="scaled", outputCol="features", degree=2)
    classifier = LogisticRegression(maxIter=50, labelCol="label", featuresCol="features", regParam=0.0)
    stages = feature_stages()
    stages.extend([expand, classifier])
    space = {classifier.regParam: [0.01, 0.1], expand.degree: [1, 2]}
    cv = CrossValidator()
    cv.setParams(estimator=Pipeline(stages=stages), estimatorParamMaps=_grid(space),
                 evaluator=build_evaluators()["binary"], numFolds=3, parallelism=2, seed=42)
    return cv


def tune_and_test(tuner: CrossValidator, train_df: DataFrame, test_df: DataFrame) -> Tuple[CrossValidatorModel, float]:
    """Fit the tuner on train_df only; return (cv_model, the tuner's metric on test_df)."""
    training = train_df.repartition(4).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        cv_model = tuner.fit(training)
    finally:
        training.unpersist()
    scored = cv_model.transform(test_df)
    test_metric = tuner.getOrDefault(tuner.evaluator).evaluate(scored)
    return cv_model, float(test_metric)


def best_params(cv_model: CrossValidatorModel) -> dict:
    """{param name: value} of the grid point with the best average validation metric."""
    sign = 1.0 if cv_model.getEvaluator().isLargerBetter() else -1.0
    scored = [(sign * metric, i) for i, metric in enumerate(cv_model.avgMetrics)]
    _, winner = max(scored)
    point = cv_model.getEstimatorParamMaps()[winner]
    return OrderedDict(sorted((param.name, value) for param, value in point.items()))


def save_tuned(cv_model: CrossValidatorModel, path: str) -> None:
    """Save the whole CrossValidatorModel."""
    writer = cv_model.write()
    writer.overwrite()
    writer.save(path)


def load_tuned(path: str) -> CrossValidatorModel:
    """Load a model saved by save_tuned."""
    return CrossValidatorModel.load(str(path))


if __name__ == "__main__":
    for name, ev in build_evaluators().items():
        print(name, ev.getMetricName(), ev.isLargerBetter())
    print(build_tuner().getNumFolds())
