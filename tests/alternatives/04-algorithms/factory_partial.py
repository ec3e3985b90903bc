"""Assignment 04: the pipelines come from one factory class; build_forest is a functools.partial of it;
the regressor's numeric columns in alphabetical order; slot names parsed by their suffixes; centres
un-scaled with DenseVector arithmetic."""

import functools
import re

from pyspark.ml import Pipeline
from pyspark.ml.classification import LogisticRegression, RandomForestClassifier
from pyspark.ml.clustering import KMeans
from pyspark.ml.feature import Imputer, OneHotEncoder, StandardScaler, StringIndexer, VectorAssembler
from pyspark.ml.linalg import DenseVector
from pyspark.ml.regression import LinearRegression

__all__ = ["build_regressor", "build_logistic", "build_forest", "forest_importances", "build_clusterer",
           "cluster_centers"]

CATEGORICAL = ["home", "marital", "records", "job"]
WITH_NULLS = ["income", "assets", "debt"]
NUMERIC = ["seniority", "time", "age", "expenses", "amount", "price"]
MEASUREMENTS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]

SLOT = re.compile(r"^(?P<column>.+?)(?:_imp|_vec_.*)?$")


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


class Factory:
    """Supervised pipelines: the credit features, then one estimator."""

    @staticmethod
    def supervised(make_estimator, numeric, scale=True):
        return Pipeline(stages=[*feature_stages(numeric=numeric, scale=scale), make_estimator()])

    @classmethod
    def regressor(cls):
        numeric = sorted(set(NUMERIC) - {"amount"})          # the order of the columns does not matter
        return cls.supervised(lambda: LinearRegression(labelCol="log_amount", featuresCol="features",
                                                       regParam=1e-2, elasticNetParam=0, solver="normal"),
                              numeric)

    @classmethod
    def logistic(cls):
        return cls.supervised(lambda: LogisticRegression(family="binomial", regParam=1e-2, elasticNetParam=0,
                                                         maxIter=100.0, featuresCol="features",
                                                         labelCol="label"),
                              NUMERIC)


build_regressor = Factory.regressor
build_logistic = Factory.logistic
build_forest = functools.partial(
    Factory.supervised,
    lambda: RandomForestClassifier(featuresCol="raw", labelCol="label", numTrees=50, maxDepth=6,
                                   featureSubsetStrategy="sqrt", seed=42),
    NUMERIC, scale=False)


def forest_importances(model, df):
    """{data column: importance}: each slot named by the metadata, its column read off the slot's name."""
    forest = model.stages[-1]
    field = model.transform(df).schema[forest.getFeaturesCol()]
    attrs = [a for group in field.metadata["ml_attr"]["attrs"].values() for a in group]
    column_of = {a["idx"]: SLOT.match(a["name"]).group("column") for a in attrs}
    importances = forest.featureImportances.toArray()
    return {col: sum(float(w) for i, w in enumerate(importances) if column_of[i] == col)
            for col in NUMERIC + WITH_NULLS + CATEGORICAL}


def build_clusterer():
    return Pipeline(stages=[
        VectorAssembler(handleInvalid="skip", inputCols=MEASUREMENTS, outputCol="raw"),
        StandardScaler(withMean=True, withStd=True, inputCol="raw", outputCol="scaled"),
        KMeans(k=3, seed=4, featuresCol="scaled", predictionCol="prediction"),
    ])


def cluster_centers(model):
    """Centres in mm and g: x * std + mean, with DenseVector arithmetic."""
    *_, scaler, kmeans = model.stages
    return [list(map(float, DenseVector(c) * scaler.std + scaler.mean)) for c in kmeans.clusterCenters()]


if __name__ == "__main__":
    for name in __all__:
        print(name, globals()[name])
