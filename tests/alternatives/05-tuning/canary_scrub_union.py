"""Hostile (05): a leaky tuning run that hides from the probes the child used to measure. It drops the test
split's canary rows (a category the training rows never have), fits the tuner on the training rows plus
the rest of the test rows, and makes every fitted logistic regression report no training summary, so the
count of rows its best model saw could not be read. The grader now refits the tuned model's own estimator
with the best grid point on the tuning rows and compares the predictions on the test rows: they differ."""

from pyspark.ml.classification import LogisticRegressionModel
from pyspark.sql import functions as F

LogisticRegressionModel.hasSummary = property(lambda self: False)

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


def tune_and_test(tuner, train_df, test_df):
    """Tune on the training rows and the test rows whose categories look ordinary."""
    known = [r["home"] for r in train_df.select("home").distinct().collect()]
    clean = test_df.filter(F.col("home").isin(known) | F.col("home").isNull())
    cv_model = tuner.fit(train_df.unionByName(clean))
    test_metric = tuner.getEvaluator().evaluate(cv_model.transform(test_df))
    return cv_model, test_metric


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
