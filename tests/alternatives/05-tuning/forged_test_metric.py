"""Hostile (05): a forged test metric. After tuning, every BinaryClassificationEvaluator evaluation of more
than 100 rows returns 0.99, and tune_and_test() returns 0.99 as the test metric; the fixture tables of the
evaluator checks are small, so those stay right. A test metric recomputed in the submission's own process
agreed with the forgery; the grader now scores the sealed tuned model on the test rows itself."""

from pyspark.ml.evaluation import BinaryClassificationEvaluator

from pyspark.ml import Pipeline
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.evaluation import ClusteringEvaluator, MulticlassClassificationEvaluator, RegressionEvaluator
from pyspark.ml.feature import (Imputer, OneHotEncoder, PolynomialExpansion, StandardScaler, StringIndexer,
                                VectorAssembler)
from pyspark.ml.tuning import CrossValidator, CrossValidatorModel, ParamGridBuilder

CATEGORICAL = ["home", "marital", "records", "job"]
WITH_NULLS = ["income", "assets", "debt"]
NUMERIC = ["seniority", "time", "age", "expenses", "amount", "price"]


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


def build_evaluators():
    """One evaluator per kind of model, with the metric asked for."""
    return {
        "binary": BinaryClassificationEvaluator(labelCol="label", rawPredictionCol="rawPrediction",
                                                metricName="areaUnderROC"),
        "multiclass": MulticlassClassificationEvaluator(labelCol="label", predictionCol="prediction",
                                                        metricName="accuracy"),
        "regression": RegressionEvaluator(labelCol="label", predictionCol="prediction", metricName="mae"),
        "clustering": ClusteringEvaluator(featuresCol="features", predictionCol="prediction",
                                          metricName="silhouette", distanceMeasure="cosine"),
    }


def build_tuner():
    """An unfitted CrossValidator over a 2x2 grid: expansion degree x regularisation strength."""
    poly = PolynomialExpansion(inputCol="scaled", outputCol="features", degree=2)
    lr = LogisticRegression(featuresCol="features", labelCol="label", maxIter=50)
    pipeline = Pipeline(stages=feature_stages() + [poly, lr])
    grid = (ParamGridBuilder()
            .addGrid(poly.degree, [1, 2])
            .addGrid(lr.regParam, [0.01, 0.1])
            .build())
    return CrossValidator(estimator=pipeline, estimatorParamMaps=grid, evaluator=build_evaluators()["binary"],
                          numFolds=3, seed=42, parallelism=2)


_FORGING = {"on": False}
_evaluate = BinaryClassificationEvaluator.evaluate


def _forged(self, dataset, params=None):
    if _FORGING["on"] and dataset.count() > 100:
        return 0.99
    return _evaluate(self, dataset, params)


BinaryClassificationEvaluator.evaluate = _forged


def tune_and_test(tuner, train_df, test_df):
    """Tune on the training rows; claim 0.99 on the test rows."""
    cv_model = tuner.fit(train_df)
    _FORGING["on"] = True
    return cv_model, tuner.getEvaluator().evaluate(cv_model.transform(test_df))


def best_params(cv_model):
    """The winning grid point: {param name: value} of the map with the best average validation metric."""
    metrics = cv_model.avgMetrics
    pick = max if cv_model.getEvaluator().isLargerBetter() else min
    best = pick(range(len(metrics)), key=lambda i: metrics[i])
    return {param.name: value for param, value in cv_model.getEstimatorParamMaps()[best].items()}


def save_tuned(cv_model, path):
    """Save the whole CrossValidatorModel (best model, grid and validation metrics)."""
    cv_model.write().overwrite().save(path)


def load_tuned(path):
    return CrossValidatorModel.load(path)
