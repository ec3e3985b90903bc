"""Assignment 02, written with setters, a Params mixin of my own, helper functions and a demo block."""

from pyspark import keyword_only
from pyspark.ml import Pipeline, PipelineModel, Transformer
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.feature import Imputer, OneHotEncoder, StandardScaler, StringIndexer, VectorAssembler
from pyspark.ml.param import Param, Params, TypeConverters
from pyspark.ml.param.shared import HasOutputCol
from pyspark.ml.util import DefaultParamsReadable, DefaultParamsWritable
import pyspark.sql.functions as F

CATEGORICAL = ["home", "marital", "records", "job"]
WITH_NULLS = ["income", "assets", "debt"]
NUMERIC = ["seniority", "time", "age", "expenses", "amount", "price"]
RATIO = "loan_to_value"
IMPUTED_SUFFIX = "_filled"


class _HasRatioCols(Params):
    numeratorCol = Param(Params._dummy(), "numeratorCol", "the numerator column",
                         typeConverter=TypeConverters.toString)
    denominatorCol = Param(Params._dummy(), "denominatorCol", "the denominator column",
                           typeConverter=TypeConverters.toString)

    def setNumeratorCol(self, value):
        return self._set(numeratorCol=value)

    def setDenominatorCol(self, value):
        return self._set(denominatorCol=value)


class RatioTransformer(Transformer, _HasRatioCols, HasOutputCol, DefaultParamsReadable, DefaultParamsWritable):

    @keyword_only
    def __init__(self, *, numeratorCol=None, denominatorCol=None, outputCol=None):
        super(RatioTransformer, self).__init__()
        kwargs = self._input_kwargs
        self.setParams(**kwargs)

    @keyword_only
    def setParams(self, *, numeratorCol=None, denominatorCol=None, outputCol=None):
        return self._set(**self._input_kwargs)

    def setOutputCol(self, value):
        return self._set(outputCol=value)

    def _transform(self, dataset):
        num = F.col(self.getOrDefault("numeratorCol")).cast("double")
        den = F.col(self.getOrDefault("denominatorCol")).cast("double")
        # try_divide gives null for a zero (or -0.0) or null denominator instead of raising in ANSI mode
        return dataset.withColumn(self.getOutputCol(), F.try_divide(num, den))


def _imputed(cols):
    return [c + IMPUTED_SUFFIX for c in cols]


def _indexed(cols):
    return [c + "_index" for c in cols]


def _encoded(cols):
    return [c + "_onehot" for c in cols]


def build_pipeline():
    ratio = RatioTransformer().setNumeratorCol("amount").setDenominatorCol("price").setOutputCol(RATIO)
    to_impute = WITH_NULLS + [RATIO]
    imputer = Imputer().setInputCols(to_impute).setOutputCols(_imputed(to_impute)).setStrategy("mean")
    indexer = (StringIndexer().setInputCols(CATEGORICAL).setOutputCols(_indexed(CATEGORICAL))
               .setHandleInvalid("keep").setStringOrderType("alphabetAsc"))
    encoder = OneHotEncoder().setInputCols(_indexed(CATEGORICAL)).setOutputCols(_encoded(CATEGORICAL))
    assembler = (VectorAssembler().setInputCols(NUMERIC + _imputed(to_impute) + _encoded(CATEGORICAL))
                 .setOutputCol("assembled"))
    scaler = StandardScaler().setInputCol("assembled").setOutputCol("std_features").setWithMean(True)
    lr = (LogisticRegression().setFeaturesCol("std_features").setLabelCol("label")
          .setMaxIter(200).setRegParam(0.05).setElasticNetParam(0.2))
    pipeline = Pipeline()
    pipeline.setStages([ratio, imputer, indexer, encoder, assembler, scaler, lr])
    return pipeline


def fit_pipeline(pipeline, train_df):
    model = pipeline.fit(train_df)
    return model


def save_model(model, path):
    model.write().overwrite().save(path)


def load_model(path):
    return PipelineModel.read().load(path)


if __name__ == "__main__":
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.master("local[2]").getOrCreate()
    demo = spark.createDataFrame([(1, 4.0, 2.0), (2, 1.0, 0.0)], "id long, a double, b double")
    RatioTransformer(numeratorCol="a", denominatorCol="b", outputCol="r").transform(demo).show()
    print(build_pipeline().getStages())
