"""Assignment 04, subtly wrong: the regressor uses every NUMERIC column, amount included."""

import numpy as np
from pyspark.ml import Pipeline
from pyspark.ml.classification import LogisticRegression, RandomForestClassifier
from pyspark.ml.clustering import KMeans
from pyspark.ml.feature import Imputer, OneHotEncoder, StandardScaler, StringIndexer, VectorAssembler
from pyspark.ml.feature import OneHotEncoderModel, StandardScalerModel
from pyspark.ml.regression import LinearRegression

CATEGORICAL = ["home", "marital", "records", "job"]
WITH_NULLS = ["income", "assets", "debt"]
NUMERIC = ["seniority", "time", "age", "expenses", "amount", "price"]
MEASUREMENTS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


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
    predictors = list(NUMERIC)
    lr = (LinearRegression()
          .setFeaturesCol("features").setLabelCol("log_amount")
          .setRegParam(0.01).setElasticNetParam(0.0).setSolver("normal"))
    return Pipeline(stages=feature_stages(predictors) + [lr])


def build_logistic():
    lr = LogisticRegression(featuresCol="features", labelCol="label", family="binomial", regParam=0.01,
                            elasticNetParam=0.0, maxIter=100, threshold=0.5)
    return Pipeline(stages=[*feature_stages(NUMERIC), lr])


def build_forest():
    rf = RandomForestClassifier(featuresCol="raw", labelCol="label", numTrees=50, maxDepth=6,
                                featureSubsetStrategy="sqrt", seed=42)
    return Pipeline(stages=[*feature_stages(NUMERIC, scale=False), rf])


def _slot_owners(model):
    """Data column owning each slot of `raw`, from the assembler's inputs and the encoder's sizes."""
    encoder = next(s for s in model.stages if isinstance(s, OneHotEncoderModel))
    drop = 1 if encoder.getDropLast() else 0
    widths = {out[: -len("_vec")]: size - drop
              for out, size in zip(encoder.getOutputCols(), encoder.categorySizes)}
    assembler = next(s for s in model.stages if isinstance(s, VectorAssembler))
    owners = []
    for col in assembler.getInputCols():
        if col.endswith("_vec"):
            owners += [col[:-4]] * widths[col[:-4]]
        elif col.endswith("_imp"):
            owners.append(col[:-4])
        else:
            owners.append(col)
    return owners


def forest_importances(model, df):
    importances = model.stages[-1].featureImportances.toArray()
    owners = _slot_owners(model)
    assert len(owners) == len(importances), (len(owners), len(importances))
    result = {c: 0.0 for c in NUMERIC + WITH_NULLS + CATEGORICAL}
    for owner, value in zip(owners, importances):
        result[owner] += float(value)
    return result


def build_clusterer():
    return Pipeline(stages=[
        VectorAssembler(inputCols=MEASUREMENTS, outputCol="raw", handleInvalid="skip"),
        StandardScaler(inputCol="raw", outputCol="scaled", withMean=True, withStd=True),
        KMeans(featuresCol="scaled", k=3, seed=4),
    ])


def cluster_centers(model):
    scaler = next(s for s in model.stages if isinstance(s, StandardScalerModel))
    mean, std = scaler.mean.toArray(), scaler.std.toArray()
    return [(np.asarray(c) * std + mean).tolist() for c in model.stages[-1].clusterCenters()]
