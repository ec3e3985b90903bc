"""Assignment 02: Transformers, Estimators, Pipelines.

Fill in every function marked TODO. Run the public checks with `sparkgrade check pipelines.py`.
"""

from pyspark import keyword_only
from pyspark.ml import Pipeline, Transformer
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.feature import Imputer, OneHotEncoder, StandardScaler, StringIndexer, VectorAssembler
from pyspark.ml.param import Param, Params, TypeConverters
from pyspark.ml.param.shared import HasOutputCol
from pyspark.ml.util import DefaultParamsReadable, DefaultParamsWritable
from pyspark.sql import functions as F

CATEGORICAL = ["home", "marital", "records", "job"]
WITH_NULLS = ["income", "assets", "debt"]
NUMERIC = ["seniority", "time", "age", "expenses", "amount", "price"]


""" # BEGIN PROMPT
class RatioTransformer(Transformer):
""" # END PROMPT
class RatioTransformer(Transformer, HasOutputCol, DefaultParamsReadable, DefaultParamsWritable):  # SOLUTION NO PROMPT
    """outputCol = numeratorCol / denominatorCol, null where the denominator is 0 or null."""

    # BEGIN SOLUTION NO PROMPT
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

    # END SOLUTION
    def _transform(self, dataset):
        """ # BEGIN PROMPT
        # TODO: declare the Params, a keyword-only __init__, and make the class persistable.
        raise NotImplementedError("RatioTransformer is not written yet")
        """ # END PROMPT
        # BEGIN SOLUTION NO PROMPT
        num, den = F.col(self.getNumeratorCol()), F.col(self.getDenominatorCol())
        ratio = F.when(den != 0, num.cast("double") / den.cast("double"))
        return dataset.withColumn(self.getOutputCol(), ratio)
        # END SOLUTION


def build_pipeline():
    """The unfitted credit-scoring Pipeline (seven stages, see the assignment)."""
    # BEGIN SOLUTION
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
    # END SOLUTION


def fit_pipeline(pipeline, train_df):
    """Fit the pipeline on the training rows and return the PipelineModel."""
    # BEGIN SOLUTION
    return pipeline.fit(train_df)
    # END SOLUTION


def save_model(model, path):
    """Save the fitted model so that a fresh process can load it."""
    # BEGIN SOLUTION
    model.write().overwrite().save(path)
    # END SOLUTION


def load_model(path):
    """Load a model saved by save_model."""
    # BEGIN SOLUTION
    from pyspark.ml import PipelineModel

    return PipelineModel.load(path)
    # END SOLUTION
