"""Assignment 04: estimators configured through setParams / ParamMap copies / keyword tables; the forest's
slots traced back to data columns through the fitted pipeline's own stages; centres un-scaled in plain Python."""

from __future__ import annotations

from collections import OrderedDict
from typing import Dict, List

from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.classification import LogisticRegression, RandomForestClassifier
from pyspark.ml.clustering import KMeans, KMeansModel
from pyspark.ml.feature import (ImputerModel, OneHotEncoderModel, StandardScaler, StandardScalerModel,
                                StringIndexerModel, VectorAssembler, Imputer, OneHotEncoder, StringIndexer)
from pyspark.ml.regression import LinearRegression

CATEGORICAL = ["home", "marital", "records", "job"]
WITH_NULLS = ["income", "assets", "debt"]
NUMERIC = ["seniority", "time", "age", "expenses", "amount", "price"]
MEASUREMENTS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]

FOREST = {"featuresCol": "raw", "labelCol": "label", "numTrees": 50, "maxDepth": 6,
          "featureSubsetStrategy": "sqrt", "seed": 42}


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


def build_regressor() -> Pipeline:
    """Unfitted Pipeline: feature_stages (NUMERIC without amount) + LinearRegression of log_amount."""
    lin = LinearRegression().setParams(featuresCol="features", labelCol="log_amount", regParam=0.01,
                                       elasticNetParam=0.0, solver="normal")
    return Pipeline(stages=feature_stages(tuple(c for c in NUMERIC if c != "amount")) + [lin])


def build_logistic() -> Pipeline:
    """Unfitted Pipeline: feature_stages(NUMERIC) + a binomial LogisticRegression."""
    base = LogisticRegression()
    lr = base.copy({base.featuresCol: "features", base.labelCol: "label", base.family: "binomial",
                    base.regParam: 0.01, base.elasticNetParam: 0.0, base.maxIter: 100})
    return Pipeline().setStages([*feature_stages(NUMERIC), lr])


def build_forest() -> Pipeline:
    """Unfitted Pipeline: feature_stages(NUMERIC, scale=False) + a seeded RandomForestClassifier on 'raw'."""
    return Pipeline(stages=feature_stages(NUMERIC, scale=False) + [RandomForestClassifier(**FOREST)])


def _origins(model: PipelineModel) -> Dict[str, str]:
    """Assembler input column -> the data column it comes from, read off the fitted stages."""
    origin: Dict[str, str] = {}
    for stage in model.stages:
        if isinstance(stage, ImputerModel):
            origin.update(zip(stage.getOutputCols(), stage.getInputCols()))
        elif isinstance(stage, StringIndexerModel):
            origin.update(zip(stage.getOutputCols(), stage.getInputCols()))
        elif isinstance(stage, OneHotEncoderModel):
            origin.update({out: origin.get(inp, inp) for inp, out in zip(stage.getInputCols(),
                                                                          stage.getOutputCols())})
    return origin


def forest_importances(model: PipelineModel, df) -> Dict[str, float]:
    """{data column: importance} from the fitted forest pipeline, one-hot slots summed per column."""
    assembler = [s for s in model.stages if isinstance(s, VectorAssembler)][0]
    forest = model.stages[-1]
    origin = _origins(model)
    attrs = model.transform(df.limit(5)).schema["raw"].metadata["ml_attr"]["attrs"]
    by_index = {a["idx"]: a["name"] for kind in ("numeric", "binary", "nominal") for a in attrs.get(kind, [])}
    inputs = sorted(assembler.getInputCols(), key=len, reverse=True)
    weights = forest.featureImportances
    totals: "OrderedDict[str, float]" = OrderedDict()
    for i in range(weights.size):
        slot = by_index[i]
        source = next(c for c in inputs if slot == c or slot.startswith(c + "_"))
        column = origin.get(source, source)
        totals[column] = totals.get(column, 0.0) + weights[i]
    return OrderedDict(sorted(totals.items(), key=lambda kv: -kv[1]))


def build_clusterer() -> Pipeline:
    """Unfitted Pipeline: VectorAssembler (skip incomplete rows) -> StandardScaler -> KMeans(k=3, seed=4)."""
    assembler = VectorAssembler(outputCol="raw", handleInvalid="skip")
    assembler.setInputCols(list(MEASUREMENTS))
    scaler = StandardScaler(withMean=True, withStd=True)
    scaler.setInputCol(assembler.getOutputCol()).setOutputCol("scaled")
    kmeans = KMeans(k=3, seed=4, maxIter=20, initMode="k-means||", distanceMeasure="euclidean")
    kmeans.setFeaturesCol(scaler.getOutputCol())
    return Pipeline(stages=[assembler, scaler, kmeans])


def cluster_centers(model: PipelineModel) -> List[List[float]]:
    """The fitted cluster centres in the original units: one list of four numbers per cluster."""
    scaler = next(s for s in model.stages if isinstance(s, StandardScalerModel))
    kmeans = next(s for s in model.stages if isinstance(s, KMeansModel))
    mean, std = list(scaler.mean), list(scaler.std)
    return [[m + s * v for v, s, m in zip(centre, std, mean)] for centre in kmeans.clusterCenters()]


if __name__ == "__main__":
    print(build_logistic().getStages()[-1].explainParams())
