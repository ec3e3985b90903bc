"""Assignment 03, subtly wrong: fits on train + test ("more data for the IDF and medians")."""

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
    cols = NUMERIC + ["year"]
    return Pipeline(stages=[
        SQLTransformer(statement="SELECT *, coalesce(name, '') AS name_text FROM __THIS__"),
        Imputer(inputCols=cols, outputCols=[c + "_imp" for c in cols], strategy="median"),
        Bucketizer(splits=ERA_SPLITS, inputCol="year_imp", outputCol="era"),
        StringIndexer(inputCols=CATEGORICAL, outputCols=["origin_idx", "cylinders_idx"], handleInvalid="keep"),
        OneHotEncoder(inputCols=["origin_idx", "cylinders_idx", "era"],
                      outputCols=["origin_vec", "cylinders_vec", "era_vec"]),
        RegexTokenizer(inputCol="name_text", outputCol="tokens", pattern="[^a-z0-9]+"),
        StopWordsRemover(inputCol="tokens", outputCol="words",
                         stopWords=StopWordsRemover.loadDefaultStopWords("english") + TRIM_WORDS),
        HashingTF(inputCol="words", outputCol="name_tf", numFeatures=TEXT_FEATURES),
        IDF(inputCol="name_tf", outputCol="name_tfidf", minDocFreq=2),
        VectorAssembler(inputCols=[c + "_imp" for c in NUMERIC] + ["origin_vec", "cylinders_vec", "era_vec",
                                                                   "name_tfidf"], outputCol="raw_features"),
        StandardScaler(inputCol="raw_features", outputCol="features", withMean=False, withStd=True),
    ])


def fit_and_transform(pipeline, train_df, test_df):
    everything = train_df.unionByName(test_df, allowMissingColumns=True)
    model = pipeline.fit(everything)
    return model, model.transform(train_df), model.transform(test_df)
