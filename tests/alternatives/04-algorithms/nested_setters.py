"""Assignment 04: the feature stages nested in their own Pipeline, estimators configured with setters."""

import numpy as np
from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.classification import LogisticRegression, RandomForestClassifier
from pyspark.ml.clustering import KMeans, KMeansModel
from pyspark.ml.feature import (Imputer, OneHotEncoder, StandardScaler, StandardScalerModel, StringIndexer,
                                VectorAssembler)
from pyspark.ml.regression import LinearRegression

CATEGORICAL = ["home", "marital", "records", "job"]
WITH_NULLS = ["income", "assets", "debt"]
NUMERIC = ["seniority", "time", "age", "expenses", "amount", "price"]
MEASUREMENTS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
DATA_COLUMNS = NUMERIC + WITH_NULLS + CATEGORICAL


def feature_stages(numeric, scale=True):
    """Credit features (given): median imputation, indexing + one-hot encoding, assembly into ``raw``
    and, if ``scale``, standardisation of ``raw`` into ``features``."""
    imputer = Imputer(inputCols=WITH_NULLS, outputCols=[f"{c}_imp" for c in WITH_NULLS], strategy="median")
    indexer = StringIndexer(inputCols=CATEGORICAL, outputCols=[f"{c}_idx" for c in CATEGORICAL],
                            handleInvalid="keep")
    encoder = OneHotEncoder(inputCols=[f"{c}_idx" for c in CATEGORICAL],
                            outputCols=[f"{c}_vec" for c in CATEGORICAL])
    assembler = VectorAssembler(inputCols=list(numeric) + [f"{c}_imp" for c in WITH_NULLS]
                                + [f"{c}_vec" for c in CATEGORICAL], outputCol="raw")
    stages = [imputer, indexer, encoder, assembler]
    if scale:
        stages.append(StandardScaler(inputCol="raw", outputCol="features"))
    return stages


def build_regressor():
    features = Pipeline(stages=feature_stages([c for c in NUMERIC if c != "amount"]))
    lin = (LinearRegression().setFeaturesCol("features").setLabelCol("log_amount").setRegParam(0.01)
           .setElasticNetParam(0.0).setSolver("normal"))
    return Pipeline(stages=[features, lin])


def build_logistic():
    lr = LogisticRegression()
    lr.setFeaturesCol("features").setLabelCol("label").setFamily("binomial")
    lr.setRegParam(0.01).setElasticNetParam(0.0).setMaxIter(100)
    return Pipeline(stages=[Pipeline(stages=feature_stages(NUMERIC)), lr])


def build_forest():
    rf = RandomForestClassifier(numTrees=50, maxDepth=6, featureSubsetStrategy="sqrt", seed=42)
    rf.setFeaturesCol("raw").setLabelCol("label")
    return Pipeline().setStages(feature_stages(NUMERIC, scale=False) + [rf])


def _data_column(slot):
    for col in sorted(DATA_COLUMNS, key=len, reverse=True):
        if slot == col or slot.startswith(col + "_"):
            return col
    raise KeyError(slot)


def forest_importances(model, df):
    forest = model.stages[-1]
    attrs = model.transform(df).schema[forest.getFeaturesCol()].metadata["ml_attr"]["attrs"]
    names = [None] * forest.numFeatures
    for group in attrs.values():
        for attr in group:
            names[attr["idx"]] = attr["name"]
    totals = dict.fromkeys(DATA_COLUMNS, 0.0)
    for name, weight in zip(names, forest.featureImportances.toArray()):
        totals[_data_column(name)] += float(weight)
    return totals


def build_clusterer():
    assembler = VectorAssembler().setInputCols(MEASUREMENTS).setOutputCol("raw").setHandleInvalid("skip")
    scaler = StandardScaler().setInputCol("raw").setOutputCol("scaled").setWithMean(True).setWithStd(True)
    kmeans = KMeans().setFeaturesCol("scaled").setK(3).setSeed(4)
    return Pipeline(stages=[assembler, scaler, kmeans])


def _find(model, kind):
    return next(s for s in model.stages if isinstance(s, kind))


def cluster_centers(model):
    scaler = _find(model, StandardScalerModel)
    kmeans = _find(model, KMeansModel)
    centres = np.array(kmeans.clusterCenters()) * scaler.std.toArray() + scaler.mean.toArray()
    return centres.tolist()


if __name__ == "__main__":
    for build in (build_regressor, build_logistic, build_forest, build_clusterer):
        print(build.__name__, [type(s).__name__ for s in build().getStages()])
