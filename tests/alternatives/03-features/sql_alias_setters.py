"""Assignment 03: setters throughout, a SQL alias written without AS, and small helpers."""

from pyspark.ml import Pipeline
from pyspark.ml.feature import (IDF, Bucketizer, HashingTF, Imputer, OneHotEncoder, RegexTokenizer,
                                SQLTransformer, StandardScaler, StopWordsRemover, StringIndexer,
                                VectorAssembler)

NUMERIC = ["displacement", "horsepower", "weight_in_lbs", "acceleration"]
CATEGORICAL = ["origin", "cylinders"]
TRIM_WORDS = ["sw", "custom", "deluxe", "brougham", "classic", "wagon", "hatchback", "ii", "iii"]
ERA_SPLITS = [float("-inf"), 1974.0, 1978.0, float("inf")]
TEXT_FEATURES = 64

MEASURES = NUMERIC + ["year"]


def imp(cols):
    return [f"{c}_imp" for c in cols]


def stop_words():
    return StopWordsRemover.loadDefaultStopWords("english") + TRIM_WORDS


def build_feature_pipeline():
    clean = SQLTransformer().setStatement("select *, COALESCE(name, '') name_text from __THIS__")
    imputer = Imputer().setStrategy("median").setInputCols(MEASURES).setOutputCols(imp(MEASURES))
    era = Bucketizer().setInputCol("year_imp").setOutputCol("era").setSplits(ERA_SPLITS)
    indexer = (StringIndexer().setInputCols(CATEGORICAL).setOutputCols(["origin_idx", "cylinders_idx"])
               .setHandleInvalid("keep"))
    encoder = (OneHotEncoder().setInputCols(["origin_idx", "cylinders_idx", "era"])
               .setOutputCols(["origin_vec", "cylinders_vec", "era_vec"]).setDropLast(True))
    tokenizer = (RegexTokenizer().setInputCol("name_text").setOutputCol("tokens").setPattern("[^a-z0-9]+")
                 .setToLowercase(True))
    remover = StopWordsRemover().setInputCol("tokens").setOutputCol("words").setStopWords(stop_words())
    tf = HashingTF().setInputCol("words").setOutputCol("name_tf").setNumFeatures(TEXT_FEATURES)
    idf = IDF().setInputCol("name_tf").setOutputCol("name_tfidf").setMinDocFreq(2)
    assembler = (VectorAssembler()
                 .setInputCols(imp(NUMERIC) + ["origin_vec", "cylinders_vec", "era_vec", "name_tfidf"])
                 .setOutputCol("raw_features"))
    scaler = StandardScaler().setInputCol("raw_features").setOutputCol("features").setWithStd(True).setWithMean(False)
    return Pipeline().setStages([clean, imputer, era, indexer, encoder, tokenizer, remover, tf, idf, assembler,
                                 scaler])


def fit_and_transform(pipeline, train_df, test_df):
    fitted = pipeline.fit(train_df)
    train_out = fitted.transform(train_df)
    test_out = fitted.transform(test_df)
    return (fitted, train_out, test_out)


if __name__ == "__main__":
    print(build_feature_pipeline().explainParams())
