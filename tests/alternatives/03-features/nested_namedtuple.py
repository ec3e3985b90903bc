"""Assignment 03: three sub-pipelines (numbers, categories, text) nested in the outer Pipeline; a NamedTuple
as the returned tuple; the transformed frames cached."""

from typing import NamedTuple

from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.feature import (IDF, Bucketizer, HashingTF, Imputer, OneHotEncoder, RegexTokenizer,
                                SQLTransformer, StandardScaler, StopWordsRemover, StringIndexer,
                                VectorAssembler)
from pyspark.sql import DataFrame

NUMERIC = ["displacement", "horsepower", "weight_in_lbs", "acceleration"]
CATEGORICAL = ["origin", "cylinders"]
TRIM_WORDS = ["sw", "custom", "deluxe", "brougham", "classic", "wagon", "hatchback", "ii", "iii"]
ERA_SPLITS = [float("-inf"), 1974.0, 1978.0, float("inf")]
TEXT_FEATURES = 64


class Fitted(NamedTuple):
    model: PipelineModel
    train_out: DataFrame
    test_out: DataFrame


def _numbers():
    cols = NUMERIC + ["year"]
    return Pipeline(stages=[
        SQLTransformer(statement="SELECT *, COALESCE(name, '') AS name_text FROM __THIS__"),
        Imputer(strategy="median", inputCols=cols, outputCols=[f"{c}_imp" for c in cols]),
        Bucketizer(inputCol="year_imp", outputCol="era", splits=ERA_SPLITS),
    ])


def _categories():
    return Pipeline(stages=[
        StringIndexer(inputCols=CATEGORICAL, outputCols=["origin_idx", "cylinders_idx"], handleInvalid="keep"),
        OneHotEncoder(inputCols=["origin_idx", "cylinders_idx", "era"],
                      outputCols=["origin_vec", "cylinders_vec", "era_vec"]),
    ])


def _text():
    return Pipeline(stages=[
        RegexTokenizer(inputCol="name_text", outputCol="tokens", pattern="[^a-z0-9]+"),
        StopWordsRemover(inputCol="tokens", outputCol="words",
                         stopWords=StopWordsRemover.loadDefaultStopWords("english") + TRIM_WORDS),
        HashingTF(inputCol="words", outputCol="name_tf", numFeatures=TEXT_FEATURES),
        IDF(inputCol="name_tf", outputCol="name_tfidf", minDocFreq=2),
    ])


def build_feature_pipeline():
    assemble = VectorAssembler(inputCols=[f"{c}_imp" for c in NUMERIC]
                               + ["origin_vec", "cylinders_vec", "era_vec", "name_tfidf"], outputCol="raw_features")
    scale = StandardScaler(inputCol="raw_features", outputCol="features", withMean=False, withStd=True)
    return Pipeline(stages=[_numbers(), _categories(), _text(), assemble, scale])


def fit_and_transform(pipeline, train_df, test_df):
    model = pipeline.fit(train_df)
    return Fitted(model, model.transform(train_df).cache(), model.transform(test_df).cache())
