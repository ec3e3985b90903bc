"""Assignment 03: the pipeline is written; fitting is not."""

from pyspark.ml import Pipeline
from pyspark.ml.feature import (IDF, Bucketizer, HashingTF, Imputer, OneHotEncoder, RegexTokenizer,
                                SQLTransformer, StandardScaler, StopWordsRemover, StringIndexer,
                                VectorAssembler)

NUMERIC = ["displacement", "horsepower", "weight_in_lbs", "acceleration"]
CATEGORICAL = ["origin", "cylinders"]
TRIM_WORDS = ["sw", "custom", "deluxe", "brougham", "classic", "wagon", "hatchback", "ii", "iii"]
ERA_SPLITS = [float("-inf"), 1974.0, 1978.0, float("inf")]
TEXT_FEATURES = 64


def build_feature_pipeline():
    return Pipeline(stages=[
        SQLTransformer(statement="SELECT *, IFNULL(name, '') AS name_text FROM __THIS__"),
        Imputer(inputCols=NUMERIC + ["year"], outputCols=[c + "_imp" for c in NUMERIC + ["year"]], strategy="median"),
        Bucketizer(splits=ERA_SPLITS, inputCol="year_imp", outputCol="era"),
        StringIndexer(inputCols=CATEGORICAL, outputCols=[c + "_idx" for c in CATEGORICAL], handleInvalid="keep"),
        OneHotEncoder(inputCols=["origin_idx", "cylinders_idx", "era"], outputCols=["origin_vec", "cylinders_vec", "era_vec"]),
        RegexTokenizer(inputCol="name_text", outputCol="tokens", pattern="[^a-z0-9]+"),
        StopWordsRemover(inputCol="tokens", outputCol="words",
                         stopWords=StopWordsRemover.loadDefaultStopWords("english") + TRIM_WORDS),
        HashingTF(inputCol="words", outputCol="name_tf", numFeatures=TEXT_FEATURES),
        IDF(inputCol="name_tf", outputCol="name_tfidf", minDocFreq=2),
        VectorAssembler(inputCols=[c + "_imp" for c in NUMERIC] + ["origin_vec", "cylinders_vec", "era_vec",
                                                                   "name_tfidf"], outputCol="raw_features"),
        StandardScaler(inputCol="raw_features", outputCol="features", withStd=True, withMean=False),
    ])


def fit_and_transform(pipeline, train_df, test_df):
    """Fit on the training rows only; return (model, transformed train, transformed test)."""
    # TODO
    raise NotImplementedError("fit_and_transform is not written yet")
