"""Assignment 03, correct variant A: helper functions, SQL CASE expression, setters, exact medians,
alphabetical category order, explicit defaults."""

from pyspark.ml import Pipeline
from pyspark.ml.feature import (IDF, Bucketizer, HashingTF, Imputer, OneHotEncoder, RegexTokenizer,
                                SQLTransformer, StandardScaler, StopWordsRemover, StringIndexer,
                                VectorAssembler)

NUMERIC = ["displacement", "horsepower", "weight_in_lbs", "acceleration"]
CATEGORICAL = ["origin", "cylinders"]
TRIM_WORDS = ["sw", "custom", "deluxe", "brougham", "classic", "wagon", "hatchback", "ii", "iii"]
ERA_SPLITS = [float("-inf"), 1974.0, 1978.0, float("inf")]
TEXT_FEATURES = 64

IMPUTED_INPUTS = NUMERIC + ["year"]


def _imp(col):
    return f"{col}_imp"


def _text_stages():
    tokenizer = RegexTokenizer().setInputCol("name_text").setOutputCol("tokens") \
        .setPattern("[^a-z0-9]+").setGaps(True).setToLowercase(True)
    remover = StopWordsRemover(inputCol="tokens", outputCol="words", caseSensitive=False)
    remover.setStopWords(StopWordsRemover.loadDefaultStopWords("english") + list(TRIM_WORDS))
    tf = HashingTF(inputCol="words", outputCol="name_tf").setNumFeatures(TEXT_FEATURES)
    idf = IDF(inputCol="name_tf", outputCol="name_tfidf").setMinDocFreq(2)
    return [tokenizer, remover, tf, idf]


def _categorical_stages():
    indexer = StringIndexer(inputCols=CATEGORICAL, outputCols=[f"{c}_idx" for c in CATEGORICAL],
                            handleInvalid="keep", stringOrderType="alphabetAsc")
    encoder = OneHotEncoder(inputCols=["origin_idx", "cylinders_idx", "era"],
                            outputCols=["origin_vec", "cylinders_vec", "era_vec"], dropLast=True)
    return indexer, encoder


def build_feature_pipeline():
    clean = SQLTransformer(statement=(
        "SELECT *, CASE WHEN name IS NULL THEN '' ELSE name END AS name_text FROM __THIS__"))
    imputer = Imputer(strategy="median", relativeError=0.0)
    imputer.setInputCols(IMPUTED_INPUTS).setOutputCols([_imp(c) for c in IMPUTED_INPUTS])
    era = Bucketizer(splits=ERA_SPLITS, inputCol="year_imp", outputCol="era")
    indexer, encoder = _categorical_stages()
    tokenizer, remover, tf, idf = _text_stages()
    assembler = VectorAssembler(
        inputCols=[_imp(c) for c in NUMERIC] + ["origin_vec", "cylinders_vec", "era_vec", "name_tfidf"],
        outputCol="raw_features")
    scaler = StandardScaler(inputCol="raw_features", outputCol="features", withMean=False, withStd=True)
    return Pipeline().setStages([clean, imputer, era, indexer, encoder, tokenizer, remover, tf, idf,
                                 assembler, scaler])


def fit_and_transform(pipeline, train_df, test_df):
    model = pipeline.fit(train_df)
    return model, model.transform(train_df), model.transform(test_df)
