"""Assignment 05: evaluators, grid search with cross-validation, clean test discipline."""

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

DEGREES = [1, 2]
REG_PARAMS = [0.01, 0.1]


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
        "binary": BinaryClassificationEvaluator(metricName="areaUnderROC"),
        "multiclass": MulticlassClassificationEvaluator(metricName="accuracy"),
        "regression": RegressionEvaluator(metricName="mae"),
        "clustering": ClusteringEvaluator(metricName="silhouette", distanceMeasure="cosine"),
    }


def build_tuner():
    """An unfitted CrossValidator: pipeline estimator, 2x2 grid, binary evaluator, 3 folds."""
    expansion = PolynomialExpansion(inputCol="scaled", outputCol="features", degree=2)
    logreg = LogisticRegression(featuresCol="features", labelCol="label", maxIter=50)
    pipeline = Pipeline(stages=feature_stages() + [expansion, logreg])

    # 2 hyperparameters x 2 values each: sweep the degree, then sweep the regularisation (4 settings)
    degree_sweep = ParamGridBuilder().addGrid(expansion.degree, DEGREES).build()
    reg_sweep = ParamGridBuilder().addGrid(logreg.regParam, REG_PARAMS).build()
    grid = degree_sweep + reg_sweep

    return CrossValidator(estimator=pipeline, estimatorParamMaps=grid, evaluator=build_evaluators()["binary"],
                          numFolds=3, seed=42, parallelism=2)


def tune_and_test(tuner, train_df, test_df):
    """Fit the tuner on train_df only; return (cv_model, the tuner's metric on test_df)."""
    cv_model = tuner.fit(train_df)
    test_metric = tuner.getEvaluator().evaluate(cv_model.transform(test_df))
    return cv_model, test_metric


def best_params(cv_model):
    """{param name: value} of the grid point with the best average validation metric."""
    metrics = list(cv_model.avgMetrics)
    pick = max if cv_model.getEvaluator().isLargerBetter() else min
    winner = cv_model.getEstimatorParamMaps()[metrics.index(pick(metrics))]
    return {param.name: value for param, value in winner.items()}


def save_tuned(cv_model, path):
    """Save the whole CrossValidatorModel."""
    cv_model.write().overwrite().save(path)


def load_tuned(path):
    """Load a model saved by save_tuned."""
    return CrossValidatorModel.load(path)
