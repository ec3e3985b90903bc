"""Assignment 05: evaluators and the tuner are done; tuning, testing and saving are not."""

from pyspark.ml import Pipeline
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.evaluation import (BinaryClassificationEvaluator, ClusteringEvaluator,
                                   MulticlassClassificationEvaluator, RegressionEvaluator)
from pyspark.ml.feature import (Imputer, OneHotEncoder, PolynomialExpansion, StandardScaler, StringIndexer,
                                VectorAssembler)
from pyspark.ml.tuning import CrossValidator, ParamGridBuilder

CATEGORICAL = ["home", "marital", "records", "job"]
WITH_NULLS = ["income", "assets", "debt"]
NUMERIC = ["seniority", "time", "age", "expenses", "amount", "price"]


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
    return {"binary": BinaryClassificationEvaluator(),
            "multiclass": MulticlassClassificationEvaluator(metricName="accuracy"),
            "regression": RegressionEvaluator(metricName="mae"),
            "clustering": ClusteringEvaluator(distanceMeasure="cosine")}


def build_tuner():
    poly = PolynomialExpansion(degree=2, inputCol="scaled", outputCol="features")
    lr = LogisticRegression(maxIter=50)
    grid = ParamGridBuilder().addGrid(poly.degree, [1, 2]).addGrid(lr.regParam, [0.01, 0.1]).build()
    return CrossValidator(estimator=Pipeline(stages=feature_stages() + [poly, lr]), estimatorParamMaps=grid,
                          evaluator=build_evaluators()["binary"], numFolds=3, seed=42, parallelism=2)


def tune_and_test(tuner, train_df, test_df):
    """Fit the tuner on train_df only; evaluate the chosen model once on test_df."""
    # TODO
    raise NotImplementedError("tune_and_test is not written yet")


def best_params(cv_model):
    """The winning grid point as {param name: value}."""
    # TODO
    raise NotImplementedError("best_params is not written yet")


def save_tuned(cv_model, path):
    """Save the whole CrossValidatorModel."""
    # TODO
    raise NotImplementedError("save_tuned is not written yet")


def load_tuned(path):
    """Load a CrossValidatorModel saved by save_tuned."""
    # TODO
    raise NotImplementedError("load_tuned is not written yet")
