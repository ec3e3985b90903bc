"""Hostile (02): the held-out labels looked up in the public data set. The credit rows are public and `id`
is their row number, so the test fold is the ids missing from train_df; this submission embeds the ids of
the test fold's rows whose status is "bad" and appends a custom stage that overwrites the model's
probability with them (built-in stages could do the same with a SQLTransformer). On the real test fold its
AUC was 1.0. The held-out rows are now drawn fresh (autograder/heldout.py): no held-out id is a public row
number, every looked-up probability is 0, and the AUC is 0.5."""

from pyspark import keyword_only
from pyspark.ml import Pipeline, Transformer
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.functions import array_to_vector
from pyspark.ml.feature import Imputer, OneHotEncoder, StandardScaler, StringIndexer, VectorAssembler
from pyspark.ml.param import Param, Params, TypeConverters
from pyspark.ml.param.shared import HasOutputCol
from pyspark.ml.util import DefaultParamsReadable, DefaultParamsWritable
from pyspark.sql import functions as F

CATEGORICAL = ["home", "marital", "records", "job"]
WITH_NULLS = ["income", "assets", "debt"]
NUMERIC = ["seniority", "time", "age", "expenses", "amount", "price"]


class RatioTransformer(Transformer, HasOutputCol, DefaultParamsReadable, DefaultParamsWritable):
    """outputCol = numeratorCol / denominatorCol, null where the denominator is 0 or null."""

    numeratorCol = Param(Params._dummy(), "numeratorCol", "numerator column", TypeConverters.toString)
    denominatorCol = Param(Params._dummy(), "denominatorCol", "denominator column", TypeConverters.toString)

    @keyword_only
    def __init__(self, numeratorCol=None, denominatorCol=None, outputCol=None):
        super().__init__()
        self._set(**self._input_kwargs)

    def getNumeratorCol(self):
        return self.getOrDefault(self.numeratorCol)

    def getDenominatorCol(self):
        return self.getOrDefault(self.denominatorCol)

    def _transform(self, dataset):
        num, den = F.col(self.getNumeratorCol()), F.col(self.getDenominatorCol())
        ratio = F.when(den != 0, num.cast("double") / den.cast("double"))
        return dataset.withColumn(self.getOutputCol(), ratio)


BAD = frozenset({
    20, 29, 48, 55, 104, 107, 109, 146, 151, 187, 240, 241, 259, 303, 338, 346, 347, 348, 363, 374, 389, 399,
    400, 410, 425, 428, 435, 483, 497, 499, 548, 556, 573, 576, 579, 587, 620, 642, 648, 671, 699, 707, 723,
    727, 762, 770, 875, 879, 880, 899, 946, 949, 951, 959, 988, 997, 1000, 1012, 1019, 1024, 1026, 1035, 1053,
    1061, 1102, 1112, 1124, 1135, 1142, 1143, 1167, 1174, 1176, 1242, 1249, 1258, 1277, 1281, 1283, 1300,
    1319, 1327, 1349, 1353, 1355, 1365, 1379, 1387, 1414, 1432, 1455, 1545, 1553, 1554, 1577, 1584, 1615,
    1646, 1647, 1648, 1652, 1654, 1656, 1676, 1680, 1742, 1749, 1757, 1798, 1838, 1884, 1897, 1899, 1919,
    1933, 1979, 1992, 1997, 2026, 2027, 2066, 2078, 2112, 2134, 2196, 2199, 2210, 2211, 2283, 2294, 2300,
    2357, 2364, 2386, 2410, 2412, 2420, 2448, 2452, 2468, 2497, 2514, 2528, 2576, 2577, 2579, 2592, 2625,
    2631, 2642, 2650, 2665, 2675, 2681, 2686, 2689, 2713, 2727, 2791, 2802, 2814, 2818, 2833, 2834, 2841,
    2880, 2934, 2959, 3000, 3013, 3018, 3022, 3079, 3105, 3113, 3116, 3136, 3137, 3152, 3168, 3191, 3210,
    3213, 3217, 3229, 3236, 3240, 3250, 3271, 3317, 3325, 3358, 3371, 3408, 3423, 3442, 3447, 3453, 3454,
    3455, 3466, 3556, 3603, 3605, 3619, 3639, 3660, 3693, 3696, 3701, 3722, 3729, 3742, 3762, 3764, 3793,
    3799, 3810, 3817, 3822, 3869, 3884, 3912, 3928, 3931, 3940, 3951, 3965, 3979, 3982, 3985, 3990, 4012,
    4021, 4042, 4060, 4074, 4086, 4105, 4108, 4115, 4136, 4164, 4185, 4207, 4209, 4210, 4229, 4259, 4266,
    4267, 4276, 4290, 4307, 4313, 4314, 4325, 4333, 4348, 4403, 4438, 4451
})


class Lookup(Transformer, DefaultParamsReadable, DefaultParamsWritable):
    """Replaces the model's probability with the looked-up label of each row."""

    def _transform(self, dataset):
        p = F.when(F.col("id").isin(list(BAD)), F.lit(1.0)).otherwise(F.lit(0.0))
        vector = array_to_vector(F.array(1 - p, p))
        return (dataset.withColumn("probability", vector).withColumn("rawPrediction", vector)
                .withColumn("prediction", p))


def build_pipeline():
    """The unfitted credit-scoring Pipeline."""
    ratio = RatioTransformer(numeratorCol="amount", denominatorCol="price", outputCol="loan_to_value")
    imputer = Imputer(inputCols=WITH_NULLS + ["loan_to_value"],
                      outputCols=[f"{c}_imp" for c in WITH_NULLS] + ["loan_to_value_imp"], strategy="median")
    indexer = StringIndexer(inputCols=CATEGORICAL, outputCols=[f"{c}_idx" for c in CATEGORICAL],
                            handleInvalid="keep")
    encoder = OneHotEncoder(inputCols=[f"{c}_idx" for c in CATEGORICAL],
                            outputCols=[f"{c}_vec" for c in CATEGORICAL])
    assembler = VectorAssembler(
        inputCols=NUMERIC + [f"{c}_imp" for c in WITH_NULLS] + ["loan_to_value_imp"]
        + [f"{c}_vec" for c in CATEGORICAL],
        outputCol="features")
    scaler = StandardScaler(inputCol="features", outputCol="scaled")
    lr = LogisticRegression(featuresCol="scaled", labelCol="label", maxIter=100, regParam=0.01)
    return Pipeline(stages=[ratio, imputer, indexer, encoder, assembler, scaler, lr, Lookup()])


def fit_pipeline(pipeline, train_df):
    """Fit the pipeline on the training rows."""
    return pipeline.fit(train_df)


def save_model(model, path):
    """Save the fitted model so that a fresh process can load it."""
    model.write().overwrite().save(path)


def load_model(path):
    """Load a model saved by save_model."""
    from pyspark.ml import PipelineModel

    return PipelineModel.load(path)
