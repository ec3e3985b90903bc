"""Assignment 05: evaluators, grid search with cross-validation, clean test discipline.

Fill in every function marked TODO. `feature_stages` is given. Run the public checks with
`sparkgrade check 05 tuning.py`.
"""

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
    # BEGIN SOLUTION
    return {
        "binary": BinaryClassificationEvaluator(labelCol="label", rawPredictionCol="rawPrediction",
                                                metricName="areaUnderROC"),
        "multiclass": MulticlassClassificationEvaluator(labelCol="label", predictionCol="prediction",
                                                        metricName="accuracy"),
        "regression": RegressionEvaluator(labelCol="label", predictionCol="prediction", metricName="mae"),
        "clustering": ClusteringEvaluator(featuresCol="features", predictionCol="prediction",
                                          metricName="silhouette", distanceMeasure="cosine"),
    }
    # END SOLUTION


def build_tuner():
    """An unfitted CrossValidator: pipeline estimator, 2x2 grid, binary evaluator, 3 folds."""
    # BEGIN SOLUTION
    poly = PolynomialExpansion(inputCol="scaled", outputCol="features", degree=2)
    lr = LogisticRegression(featuresCol="features", labelCol="label", maxIter=50)
    pipeline = Pipeline(stages=feature_stages() + [poly, lr])
    grid = (ParamGridBuilder()
            .addGrid(poly.degree, [1, 2])
            .addGrid(lr.regParam, [0.01, 0.1])
            .build())
    return CrossValidator(estimator=pipeline, estimatorParamMaps=grid, evaluator=build_evaluators()["binary"],
                          numFolds=3, seed=42, parallelism=2)
    # END SOLUTION


def tune_and_test(tuner, train_df, test_df):
    """Fit the tuner on train_df only; return (cv_model, the tuner's metric on test_df)."""
    # BEGIN SOLUTION
    cv_model = tuner.fit(train_df)
    test_metric = tuner.getEvaluator().evaluate(cv_model.transform(test_df))
    return cv_model, test_metric
    # END SOLUTION


def best_params(cv_model):
    """{param name: value} of the grid point with the best average validation metric."""
    # BEGIN SOLUTION
    metrics = cv_model.avgMetrics
    pick = max if cv_model.getEvaluator().isLargerBetter() else min
    best = pick(range(len(metrics)), key=lambda i: metrics[i])
    return {param.name: value for param, value in cv_model.getEstimatorParamMaps()[best].items()}
    # END SOLUTION


def save_tuned(cv_model, path):
    """Save the whole CrossValidatorModel."""
    # BEGIN SOLUTION
    cv_model.write().overwrite().save(path)
    # END SOLUTION


def load_tuned(path):
    """Load a model saved by save_tuned."""
    # BEGIN SOLUTION
    return CrossValidatorModel.load(path)
    # END SOLUTION
