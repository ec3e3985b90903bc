"""Assignment 03: feature engineering at scale, built from small typed helpers (one per kind of column)."""

from __future__ import annotations

from typing import List, Tuple

from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.param import Params
from pyspark.ml.feature import (IDF, Bucketizer, HashingTF, Imputer, OneHotEncoder, RegexTokenizer,
                                SQLTransformer, StandardScaler, StopWordsRemover, StringIndexer,
                                VectorAssembler)
from pyspark.sql import DataFrame

NUMERIC = ["displacement", "horsepower", "weight_in_lbs", "acceleration"]
CATEGORICAL = ["origin", "cylinders"]
TRIM_WORDS = ["sw", "custom", "deluxe", "brougham", "classic", "wagon", "hatchback", "ii", "iii"]
ERA_SPLITS = [float("-inf"), 1974.0, 1978.0, float("inf")]
TEXT_FEATURES = 64

TARGET = ("miles_per_gallon", "label")


def _suffixed(columns: List[str], suffix: str) -> List[str]:
    return [f"{column}_{suffix}" for column in columns]


def _text_cleaning() -> SQLTransformer:
    """name_text: the name, or '' where it is null (ifnull is coalesce with two arguments)."""
    return SQLTransformer(statement="SELECT *, ifnull(name, '') AS name_text FROM __THIS__")


def _numeric_stages() -> Tuple[Imputer, Bucketizer]:
    """Median imputation of the measurements and the year, then the year's era."""
    to_impute = NUMERIC + ["year"]
    imputer = Imputer(inputCols=to_impute, outputCols=_suffixed(to_impute, "imp"), strategy="median")
    era = Bucketizer(splits=list(ERA_SPLITS), inputCol="year_imp", outputCol="era")
    return imputer, era


def _categorical_stages() -> Tuple[StringIndexer, OneHotEncoder]:
    """Index origin and cylinders (unseen values and nulls get their own index) and one-hot encode
    them with the era."""
    indexer = StringIndexer(inputCols=CATEGORICAL, outputCols=_suffixed(CATEGORICAL, "idx"),
                            handleInvalid="keep")
    to_encode = _suffixed(CATEGORICAL, "idx") + ["era"]
    encoder = OneHotEncoder(inputCols=to_encode,
                            outputCols=_suffixed(CATEGORICAL, "vec") + ["era_vec"])
    return indexer, encoder


def _text_stages() -> List[Params]:
    """Lower-cased tokens, stop words (English plus trim words) removed, hashed and IDF-weighted."""
    tokenizer = RegexTokenizer(inputCol="name_text", outputCol="tokens", pattern="[^a-z0-9]+",
                               gaps=True, toLowercase=True)
    stop_words = StopWordsRemover.loadDefaultStopWords("english") + TRIM_WORDS
    remover = StopWordsRemover(inputCol="tokens", outputCol="words", stopWords=stop_words)
    tf = HashingTF(inputCol="words", outputCol="name_tf", numFeatures=TEXT_FEATURES)
    idf = IDF(inputCol="name_tf", outputCol="name_tfidf", minDocFreq=2)
    return [tokenizer, remover, tf, idf]


def _assembly_stages() -> List[Params]:
    inputs = (_suffixed(NUMERIC, "imp") + _suffixed(CATEGORICAL, "vec") + ["era_vec", "name_tfidf"])
    assert not set(inputs) & set(TARGET)
    assembler = VectorAssembler(inputCols=inputs, outputCol="raw_features")
    scaler = StandardScaler(inputCol="raw_features", outputCol="features", withStd=True, withMean=False)
    return [assembler, scaler]


def build_feature_pipeline() -> Pipeline:
    """The unfitted feature Pipeline: eleven stages, in the order given in the assignment."""
    imputer, era = _numeric_stages()
    indexer, encoder = _categorical_stages()
    stages: List[Params] = [_text_cleaning(), imputer, era, indexer, encoder]
    stages += _text_stages()
    stages += _assembly_stages()
    return Pipeline(stages=stages)


def fit_and_transform(pipeline: Pipeline, train_df: DataFrame,
                      test_df: DataFrame) -> Tuple[PipelineModel, DataFrame, DataFrame]:
    """Fit `pipeline` on the training rows only; return (model, model applied to train_df,
    model applied to test_df)."""
    model: PipelineModel = pipeline.fit(train_df)
    return model, model.transform(train_df), model.transform(test_df)
