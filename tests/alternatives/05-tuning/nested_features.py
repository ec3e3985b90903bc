"""Assignment 05: the feature stages nested in their own Pipeline inside the tuned estimator; setters;
the grid built regParam first."""

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
FOLDS, SEED = 3, 42


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
    binary = BinaryClassificationEvaluator().setMetricName("areaUnderROC")
    multi = MulticlassClassificationEvaluator().setMetricName("accuracy")
    reg = RegressionEvaluator().setMetricName("mae")
    clus = ClusteringEvaluator().setMetricName("silhouette").setDistanceMeasure("cosine")
    return dict(binary=binary, multiclass=multi, regression=reg, clustering=clus)


def build_tuner():
    features = Pipeline(stages=feature_stages())
    poly = PolynomialExpansion().setInputCol("scaled").setOutputCol("features").setDegree(2)
    logreg = LogisticRegression().setFeaturesCol("features").setLabelCol("label").setMaxIter(50)
    estimator = Pipeline(stages=[features, poly, logreg])
    grid = ParamGridBuilder().addGrid(logreg.regParam, REG_PARAMS).addGrid(poly.degree, DEGREES).build()
    cv = CrossValidator().setEstimator(estimator).setEstimatorParamMaps(grid)
    cv.setEvaluator(build_evaluators()["binary"]).setNumFolds(FOLDS).setSeed(SEED).setParallelism(2)
    return cv


def tune_and_test(tuner, train_df, test_df):
    cv_model = tuner.fit(train_df)
    predictions = cv_model.bestModel.transform(test_df)
    return cv_model, float(cv_model.getEvaluator().evaluate(predictions))


def best_params(cv_model):
    ranked = sorted(zip(cv_model.avgMetrics, cv_model.getEstimatorParamMaps()), key=lambda pair: pair[0],
                    reverse=cv_model.getEvaluator().isLargerBetter())
    return {p.name: v for p, v in ranked[0][1].items()}


def save_tuned(cv_model, path):
    cv_model.write().overwrite().save(path)


def load_tuned(path):
    return CrossValidatorModel.read().load(path)


if __name__ == "__main__":
    print(build_tuner().explainParams())
