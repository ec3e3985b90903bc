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
    # TODO
    raise NotImplementedError("build_evaluators is not written yet")


def build_tuner():
    """An unfitted CrossValidator: pipeline estimator, 2x2 grid, binary evaluator, 3 folds."""
    # TODO
    raise NotImplementedError("build_tuner is not written yet")


def tune_and_test(tuner, train_df, test_df):
    """Fit the tuner on train_df only; return (cv_model, the tuner's metric on test_df)."""
    # TODO
    raise NotImplementedError("tune_and_test is not written yet")


def best_params(cv_model):
    """{param name: value} of the grid point with the best average validation metric."""
    # TODO
    raise NotImplementedError("best_params is not written yet")


def save_tuned(cv_model, path):
    """Save the whole CrossValidatorModel."""
    # TODO
    raise NotImplementedError("save_tuned is not written yet")


def load_tuned(path):
    """Load a model saved by save_tuned."""
    # TODO
    raise NotImplementedError("load_tuned is not written yet")
