"""Assignment 05, written from the prompt: stages found by type in the estimator, the grid from a table of
(stage type, param name, values), the winner by sorting (metric, index) pairs with the evaluator's sign."""

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
GRID = [(PolynomialExpansion, "degree", [1, 2]), (LogisticRegression, "regParam", [0.01, 0.1])]


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
    binary = BinaryClassificationEvaluator()
    binary.setMetricName("areaUnderROC")
    multiclass = MulticlassClassificationEvaluator().setMetricName("accuracy")
    regression = RegressionEvaluator().setMetricName("mae")
    clustering = ClusteringEvaluator().setDistanceMeasure("cosine")
    return dict(binary=binary, multiclass=multiclass, regression=regression, clustering=clustering)


def build_tuner():
    stages = feature_stages() + [
        PolynomialExpansion(degree=2, inputCol="scaled", outputCol="features"),
        LogisticRegression(maxIter=50, featuresCol="features", labelCol="label"),
    ]
    builder = ParamGridBuilder()
    for kind, name, values in GRID:
        stage = next(s for s in stages if isinstance(s, kind))
        builder.addGrid(stage.getParam(name), values)
    tuner = CrossValidator(estimator=Pipeline(stages=stages), estimatorParamMaps=builder.build(),
                           evaluator=build_evaluators()["binary"])
    return tuner.setNumFolds(3).setSeed(42).setParallelism(2)


def tune_and_test(tuner, train_df, test_df):
    train_df = train_df.cache()
    try:
        cv_model = tuner.fit(train_df)
    finally:
        train_df.unpersist()
    metric = tuner.getEvaluator().evaluate(cv_model.transform(test_df))
    return cv_model, metric


def best_params(cv_model):
    sign = 1.0 if cv_model.getEvaluator().isLargerBetter() else -1.0
    ranked = sorted(zip(cv_model.avgMetrics, range(len(cv_model.avgMetrics))), key=lambda p: sign * p[0],
                    reverse=True)
    winner = cv_model.getEstimatorParamMaps()[ranked[0][1]]
    return {param.name: value for param, value in winner.items()}


def save_tuned(cv_model, path):
    writer = cv_model.write()
    writer.overwrite()
    writer.save(path)


def load_tuned(path):
    return CrossValidatorModel.read().load(path)
