"""Assignment 04 configured with setters, some output columns renamed (the regression's kept, the logistic
regression's probability, the forest's prediction, the clusters'), stages found by type."""

import numpy as np
from pyspark.ml import Pipeline
from pyspark.ml.classification import LogisticRegression, RandomForestClassifier
from pyspark.ml.clustering import KMeans
from pyspark.ml.feature import Imputer, OneHotEncoder, StandardScaler, StringIndexer, VectorAssembler
from pyspark.ml.regression import LinearRegression

CATEGORICAL = ["home", "marital", "records", "job"]
WITH_NULLS = ["income", "assets", "debt"]
NUMERIC = ["seniority", "time", "age", "expenses", "amount", "price"]
MEASUREMENTS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


def feature_stages(numeric, scale=True):
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
    lr = (LinearRegression().setFeaturesCol("features").setLabelCol("log_amount").setRegParam(0.01)
          .setElasticNetParam(0.0).setSolver("normal"))
    return Pipeline(stages=feature_stages([c for c in NUMERIC if c != "amount"]) + [lr])


def build_logistic():
    lr = LogisticRegression(featuresCol="features", labelCol="label", family="binomial", regParam=0.01,
                            elasticNetParam=0.0, maxIter=100, probabilityCol="p_bad")
    return Pipeline(stages=feature_stages(NUMERIC) + [lr])


def build_forest():
    rf = RandomForestClassifier(featuresCol="raw", labelCol="label", numTrees=50, maxDepth=6,
                                featureSubsetStrategy="sqrt", seed=42).setPredictionCol("rf_label")
    return Pipeline(stages=feature_stages(NUMERIC, scale=False) + [rf])


def forest_importances(model, df):
    forest = model.stages[-1]
    attrs = model.transform(df).schema[forest.getFeaturesCol()].metadata["ml_attr"]["attrs"]
    names = {a["idx"]: a["name"] for group in attrs.values() for a in group}
    columns = NUMERIC + WITH_NULLS + CATEGORICAL
    out = {c: 0.0 for c in columns}
    for idx, weight in enumerate(forest.featureImportances.toArray()):
        name = names[idx]
        owner = max((c for c in columns if name == c or name.startswith(c + "_")), key=len)
        out[owner] += float(weight)
    return out


def build_clusterer():
    return Pipeline(stages=[
        VectorAssembler(inputCols=MEASUREMENTS, outputCol="raw", handleInvalid="skip"),
        StandardScaler(inputCol="raw", outputCol="scaled", withMean=True, withStd=True),
        KMeans(featuresCol="scaled", k=3, seed=4).setPredictionCol("cluster_id"),
    ])


def cluster_centers(model):
    from pyspark.ml.clustering import KMeansModel
    from pyspark.ml.feature import StandardScalerModel

    scaler = next(s for s in model.stages if isinstance(s, StandardScalerModel))
    kmeans = next(s for s in model.stages if isinstance(s, KMeansModel))
    std, mean = scaler.std.toArray(), scaler.mean.toArray()
    return [[float(v) for v in np.asarray(c) * std + mean] for c in kmeans.clusterCenters()]
