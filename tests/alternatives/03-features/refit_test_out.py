"""Assignment 03 whose fit_and_transform returns the model fitted on train_df but a test_out from the
pipeline fitted again on the test rows (what the test rows teach leaks into test_out)."""

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
    measured = NUMERIC + ["year"]
    assembled = [f"{c}_imp" for c in NUMERIC]
    return Pipeline(stages=[
        SQLTransformer(statement="SELECT *, coalesce(name, '') AS name_text FROM __THIS__"),
        Imputer(inputCols=measured, outputCols=[f"{c}_imp" for c in measured], strategy="median"),
        Bucketizer(inputCol="year_imp", outputCol="era", splits=ERA_SPLITS),
        StringIndexer(inputCols=CATEGORICAL, outputCols=[f"{c}_idx" for c in CATEGORICAL], handleInvalid="keep"),
        OneHotEncoder(inputCols=["origin_idx", "cylinders_idx", "era"],
                      outputCols=["origin_vec", "cylinders_vec", "era_vec"]),
        RegexTokenizer(inputCol="name_text", outputCol="tokens", pattern="[^a-z0-9]+"),
        StopWordsRemover(inputCol="tokens", outputCol="words",
                         stopWords=StopWordsRemover.loadDefaultStopWords("english") + TRIM_WORDS),
        HashingTF(inputCol="words", outputCol="name_tf", numFeatures=TEXT_FEATURES),
        IDF(inputCol="name_tf", outputCol="name_tfidf", minDocFreq=2),
        VectorAssembler(inputCols=assembled + ["origin_vec", "cylinders_vec", "era_vec", "name_tfidf"],
                        outputCol="raw_features"),
        StandardScaler(inputCol="raw_features", outputCol="features", withStd=True, withMean=False),
    ])


def fit_and_transform(pipeline, train_df, test_df):
    model = pipeline.fit(train_df)
    return model, model.transform(train_df), pipeline.fit(test_df).transform(test_df)
