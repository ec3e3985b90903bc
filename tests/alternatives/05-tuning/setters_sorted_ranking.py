"""05 correct A: setter-style CrossValidator, helper functions, grid axes in the other order."""
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


def _binary():
    return BinaryClassificationEvaluator(labelCol="label", rawPredictionCol="rawPrediction",
                                         metricName="areaUnderROC")


def build_evaluators():
    """{"binary": ..., "multiclass": ..., "regression": ..., "clustering": ...} with the metrics asked for."""
    return {
        "binary": _binary(),
        "multiclass": MulticlassClassificationEvaluator(labelCol="label", predictionCol="prediction",
                                                        metricName="accuracy"),
        "regression": RegressionEvaluator(labelCol="label", predictionCol="prediction", metricName="mae"),
        "clustering": ClusteringEvaluator(featuresCol="features", predictionCol="prediction",
                                          metricName="silhouette", distanceMeasure="cosine"),
    }


def _estimator():
    expansion = PolynomialExpansion(inputCol="scaled", outputCol="features", degree=2)
    lr = LogisticRegression(featuresCol="features", labelCol="label", maxIter=50)
    return Pipeline(stages=feature_stages() + [expansion, lr]), expansion, lr


def build_tuner():
    """An unfitted CrossValidator: pipeline estimator, 2x2 grid, binary evaluator, 3 folds."""
    pipeline, expansion, lr = _estimator()
    grid = (ParamGridBuilder()
            .addGrid(lr.regParam, [0.01, 0.1])
            .addGrid(expansion.degree, [1, 2])
            .build())
    return (CrossValidator()
            .setEstimator(pipeline)
            .setEstimatorParamMaps(grid)
            .setEvaluator(build_evaluators()["binary"])
            .setNumFolds(3)
            .setSeed(42)
            .setParallelism(2))


def tune_and_test(tuner, train_df, test_df):
    """Fit the tuner on train_df only; return (cv_model, the tuner's metric on test_df)."""
    cv_model = tuner.fit(train_df)
    test_metric = cv_model.getEvaluator().evaluate(cv_model.transform(test_df))
    return cv_model, float(test_metric)


def _ranked(cv_model):
    sign = 1.0 if cv_model.getEvaluator().isLargerBetter() else -1.0
    pairs = list(zip(cv_model.avgMetrics, cv_model.getEstimatorParamMaps()))
    return sorted(pairs, key=lambda p: sign * p[0], reverse=True)


def best_params(cv_model):
    """{param name: value} of the grid point with the best average validation metric."""
    _, winner = _ranked(cv_model)[0]
    return {param.name: value for param, value in winner.items()}


def save_tuned(cv_model, path):
    """Save the whole CrossValidatorModel."""
    cv_model.write().overwrite().save(path)


def load_tuned(path):
    """Load a model saved by save_tuned."""
    return CrossValidatorModel.load(path)
