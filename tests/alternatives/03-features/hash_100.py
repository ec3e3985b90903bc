"""Assignment 03: feature engineering at scale."""

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
    """The unfitted feature Pipeline: eleven stages, in the order given in the assignment."""
    to_impute = NUMERIC + ["year"]
    name_sql = SQLTransformer(statement="SELECT *, coalesce(name, '') AS name_text FROM __THIS__")
    imputer = Imputer(strategy="median", inputCols=to_impute,
                      outputCols=[c + "_imp" for c in to_impute])
    era = Bucketizer(splits=ERA_SPLITS, inputCol="year_imp", outputCol="era")
    indexer = StringIndexer(inputCols=CATEGORICAL, outputCols=[c + "_idx" for c in CATEGORICAL],
                            handleInvalid="keep")
    encoder = OneHotEncoder(inputCols=["origin_idx", "cylinders_idx", "era"],
                            outputCols=["origin_vec", "cylinders_vec", "era_vec"])
    tokenizer = RegexTokenizer(inputCol="name_text", outputCol="tokens", pattern="[^a-z0-9]+")
    remover = StopWordsRemover(inputCol="tokens", outputCol="words",
                               stopWords=StopWordsRemover.loadDefaultStopWords("english") + TRIM_WORDS)
    tf = HashingTF(inputCol="words", outputCol="name_tf", numFeatures=100)
    idf = IDF(inputCol="name_tf", outputCol="name_tfidf", minDocFreq=2)
    assembler = VectorAssembler(
        inputCols=[c + "_imp" for c in NUMERIC] + ["origin_vec", "cylinders_vec", "era_vec", "name_tfidf"],
        outputCol="raw_features")
    scaler = StandardScaler(inputCol="raw_features", outputCol="features", withStd=True, withMean=False)
    return Pipeline(stages=[name_sql, imputer, era, indexer, encoder, tokenizer, remover, tf, idf,
                            assembler, scaler])


def fit_and_transform(pipeline, train_df, test_df):
    """Fit `pipeline` on the training rows only; return (model, model applied to train_df,
    model applied to test_df)."""
    model = pipeline.fit(train_df)
    return model, model.transform(train_df), model.transform(test_df)
