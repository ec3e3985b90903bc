"""Assignment 03 whose assembler reads the raw `horsepower` (handleInvalid="keep") instead of the imputed
`horsepower_imp`: a null horsepower becomes NaN, the scaler's std of that slot is NaN, and the slot is NaN
in every row; the imputed column is computed for nothing."""

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
    assembled = ["displacement_imp", "horsepower", "weight_in_lbs_imp", "acceleration_imp"]
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
                        outputCol="raw_features", handleInvalid="keep"),
        StandardScaler(inputCol="raw_features", outputCol="features", withStd=True, withMean=False),
    ])


def fit_and_transform(pipeline, train_df, test_df):
    model = pipeline.fit(train_df)
    return model, model.transform(train_df), model.transform(test_df)
