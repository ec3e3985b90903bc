"""A 02 submission that does not compute ratios: RatioTransformer has real Params, but its output is
looked up by id from the answers to the handout's public fixtures/ratio_cases.json (issue 17, class 6).
Nothing else is answered."""

from pyspark.ml import Transformer
from pyspark.ml.param.shared import HasOutputCol, Param, Params, TypeConverters
from pyspark.ml.util import DefaultParamsReadable, DefaultParamsWritable
from pyspark import keyword_only
from pyspark.sql import functions as F

ANSWERS = {0: 2.0, 1: None, 2: None, 3: None, 4: -0.5}     # the public check's expected rows, by id


class RatioTransformer(Transformer, HasOutputCol, DefaultParamsReadable, DefaultParamsWritable):
    numeratorCol = Param(Params._dummy(), "numeratorCol", "numerator column", TypeConverters.toString)
    denominatorCol = Param(Params._dummy(), "denominatorCol", "denominator column", TypeConverters.toString)

    @keyword_only
    def __init__(self, numeratorCol=None, denominatorCol=None, outputCol=None):
        super().__init__()
        self._set(**self._input_kwargs)

    def _transform(self, dataset):
        value = F.lit(None).cast("double")
        for key, answer in ANSWERS.items():
            if answer is not None:
                value = F.when(F.col("id") == key, F.lit(answer)).otherwise(value)
        return dataset.withColumn(self.getOutputCol(), value)
