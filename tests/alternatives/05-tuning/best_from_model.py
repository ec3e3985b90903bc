"""Assignment 05, written from the prompt: the winning grid point is read from the best model itself."""

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
    scored = cv_model.bestModel.transform(test_df)
    return cv_model, float(cv_model.getEvaluator().evaluate(scored))


def best_params(cv_model):
    """The tuned params as the best model carries them: each stage of bestModel keeps its estimator's
    uid, so every param of the grid is looked up on the fitted stage it belongs to."""
    stages = {stage.uid: stage for stage in cv_model.bestModel.stages}
    tuned = {param for point in cv_model.getEstimatorParamMaps() for param in point}
    found = {}
    for param in tuned:
        stage = stages[param.parent]
        found[param.name] = stage.getOrDefault(stage.getParam(param.name))
    return found


def save_tuned(cv_model, path):
    cv_model.write().overwrite().save(path)


def load_tuned(path):
    return CrossValidatorModel.load(path)
