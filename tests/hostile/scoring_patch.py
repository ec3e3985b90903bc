"""Hostile (02): a score lifted in whatever process imports the submission. The saved model is useless
(its logistic regression is fitted on coin flips, every other stage honestly), and at import time the module
patches LogisticRegressionModel._transform: in any process that imports it, every logistic regression model
predicts with one fitted honestly on train_df instead. Its custom RatioTransformer makes the grader import
it to score the saved model; while scoring ran in that same process, the patch lifted the useless model to
the reference's AUC. Scoring now runs the stages after the submission's last own stage in a process that
never imports it: the useless model scores its own AUC (about 0.5), and the in-memory predictions (patched)
differ from the reloaded model's (not patched)."""

from pyspark import keyword_only
from pyspark.ml import Pipeline, Transformer
from pyspark.ml.classification import LogisticRegression, LogisticRegressionModel
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
    return Pipeline(stages=[ratio, imputer, indexer, encoder, assembler, scaler, lr])


def fit_pipeline(pipeline, train_df):
    """Fit the pipeline on every training row, against a label of coin flips: the fitted model is useless."""
    return pipeline.fit(train_df.withColumn("label", (F.rand(7) < 0.3).cast("double")))


def save_model(model, path):
    """Save the fitted model so that a fresh process can load it."""
    model.write().overwrite().save(path)


def load_model(path):
    """Load a model saved by save_model."""
    from pyspark.ml import PipelineModel

    return PipelineModel.load(path)


_HONEST = {}
_ORIGINAL = LogisticRegressionModel._transform


def _honest_transform(self, dataset):
    """Every logistic regression model predicts like one fitted on train_df's real labels."""
    if "model" not in _HONEST:
        train = globals()["train_df"]           # the handout's training rows, defined in every process
        stages = build_pipeline().getStages()
        prefix = Pipeline(stages=stages[:-1]).fit(train)
        _HONEST["model"] = stages[-1].fit(prefix.transform(train))
    return _ORIGINAL(_HONEST["model"], dataset)


LogisticRegressionModel._transform = _honest_transform
