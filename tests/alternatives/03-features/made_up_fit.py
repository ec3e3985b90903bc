"""Assignment 03, hostile: the reference pipeline, but fit_and_transform() never fits it on the training rows.

It fits on twelve made-up cars shaped like the training rows (every origin, every cylinder count, a median
year of 1976, names with repeated words), then transforms train_df and test_df with that model: the vector is
78 long, the eras and words are right, and both fits learn the same thing whatever the test rows are."""

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
    """The unfitted feature Pipeline (eleven stages, see the assignment)."""
    clean = SQLTransformer(statement="SELECT *, coalesce(name, '') AS name_text FROM __THIS__")
    imputer = Imputer(inputCols=NUMERIC + ["year"], outputCols=[f"{c}_imp" for c in NUMERIC] + ["year_imp"],
                      strategy="median")
    era = Bucketizer(inputCol="year_imp", outputCol="era", splits=ERA_SPLITS)
    indexer = StringIndexer(inputCols=CATEGORICAL, outputCols=[f"{c}_idx" for c in CATEGORICAL],
                            handleInvalid="keep")
    encoder = OneHotEncoder(inputCols=["origin_idx", "cylinders_idx", "era"],
                            outputCols=["origin_vec", "cylinders_vec", "era_vec"])
    tokenizer = RegexTokenizer(inputCol="name_text", outputCol="tokens", pattern="[^a-z0-9]+")
    remover = StopWordsRemover(inputCol="tokens", outputCol="words",
                               stopWords=StopWordsRemover.loadDefaultStopWords("english") + TRIM_WORDS)
    tf = HashingTF(inputCol="words", outputCol="name_tf", numFeatures=TEXT_FEATURES)
    idf = IDF(inputCol="name_tf", outputCol="name_tfidf", minDocFreq=2)
    assembler = VectorAssembler(
        inputCols=[f"{c}_imp" for c in NUMERIC] + ["origin_vec", "cylinders_vec", "era_vec", "name_tfidf"],
        outputCol="raw_features")
    scaler = StandardScaler(inputCol="raw_features", outputCol="features", withMean=False, withStd=True)
    return Pipeline(stages=[clean, imputer, era, indexer, encoder, tokenizer, remover, tf, idf, assembler, scaler])


MADE_UP = [
    ("ford pinto", 4, 98.0, 80.0, 2000, 15.0, 1973, "USA"),
    ("ford maverick", 6, 200.0, 88.0, 2900, 15.5, 1974, "USA"),
    ("chevrolet impala", 8, 350.0, 150.0, 4200, 12.0, 1972, "USA"),
    ("chevrolet vega", 4, 140.0, 72.0, 2400, 16.0, 1976, "USA"),
    ("plymouth fury", 8, 318.0, 145.0, 4100, 13.0, 1978, "USA"),
    ("toyota corolla", 4, 97.0, 75.0, 2150, 16.5, 1976, "Japan"),
    ("toyota celica", 4, 134.0, 90.0, 2700, 15.0, 1980, "Japan"),
    ("mazda rx3", 3, 70.0, 90.0, 2124, 13.5, 1973, "Japan"),
    ("audi 100ls", 5, 131.0, 103.0, 2830, 15.9, 1977, "Europe"),
    ("volkswagen rabbit", 4, 90.0, 70.0, 1950, 16.0, 1976, "Europe"),
    ("volvo 245", 6, 163.0, 125.0, 3140, 13.6, 1978, "Europe"),
    ("volkswagen dasher", 4, 97.0, 78.0, 2190, 14.1, 1975, "Europe"),
]


def fit_and_transform(pipeline, train_df, test_df):
    """Fit on made-up rows (never on train_df); transform train_df and test_df with that model."""
    columns = ["name", "cylinders", "displacement", "horsepower", "weight_in_lbs", "acceleration", "year", "origin"]
    schema = ", ".join(f"{c} {train_df.schema[c].dataType.simpleString()}" for c in columns)
    fake = train_df.sparkSession.createDataFrame(MADE_UP, schema)
    model = pipeline.fit(fake)
    return model, model.transform(train_df), model.transform(test_df)
