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
    binary = BinaryClassificationEvaluator().setMetricName("areaUnderROC")
    multiclass = MulticlassClassificationEvaluator().setMetricName("accuracy")
    regression = RegressionEvaluator().setMetricName("mae")
    clustering = ClusteringEvaluator().setMetricName("silhouette").setDistanceMeasure("cosine")
    return {"binary": binary, "multiclass": multiclass, "regression": regression, "clustering": clustering}


def build_tuner():
    """An unfitted CrossValidator: pipeline estimator, 2x2 grid, binary evaluator, 3 folds."""
    poly = PolynomialExpansion().setInputCol("scaled").setOutputCol("features").setDegree(2)
    lr = LogisticRegression().setFeaturesCol("features").setLabelCol("label").setMaxIter(50)
    pipeline = Pipeline().setStages(feature_stages() + [poly, lr])
    grid = (ParamGridBuilder()
            .addGrid(poly.degree, [1, 2])
            .addGrid(lr.regParam, [0.01, 0.1])
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
    predictions = cv_model.bestModel.transform(test_df)
    return cv_model, cv_model.getEvaluator().evaluate(predictions)


def best_params(cv_model):
    """{param name: value} of the grid point with the best average validation metric."""
    metrics = cv_model.avgMetrics
    larger_is_better = cv_model.getEvaluator().isLargerBetter()
    # rank the grid points, best first (flip the sign when a larger metric is better)
    ranking = sorted(range(len(metrics)), key=lambda i: metrics[i] if larger_is_better else -metrics[i])
    best = cv_model.getEstimatorParamMaps()[ranking[0]]
    return {param.name: value for param, value in best.items()}


def save_tuned(cv_model, path):
    """Save the whole CrossValidatorModel."""
    cv_model.write().overwrite().save(path)


def load_tuned(path):
    """Load a model saved by save_tuned."""
    return CrossValidatorModel.load(path)
