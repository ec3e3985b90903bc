"""Scoring split in two on real Spark (autograder.harness.scorer): the submission's part runs a saved model's
stages up to its last custom one and leaves rows (vectors included) as Parquet; the grader's part reads
only the Spark stages after it and predicts exactly as the whole model does in one process."""

from pathlib import Path

from pyspark.ml import Pipeline, Transformer
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.feature import VectorAssembler
from pyspark.ml.functions import array_to_vector, vector_to_array
from pyspark.ml.param.shared import HasInputCol, HasOutputCol
from pyspark.ml.util import DefaultParamsReadable, DefaultParamsWritable
from pyspark.sql import functions as F

from autograder.harness.saved_models import split_at
from autograder.harness.scorer import run_submission_part, score_given, submission_model


class Doubled(Transformer, HasInputCol, HasOutputCol, DefaultParamsReadable, DefaultParamsWritable):
    """A custom stage in the middle of a pipeline: a vector column times two."""

    def __init__(self, inputCol="features", outputCol="doubled"):
        super().__init__()
        self._set(inputCol=inputCol, outputCol=outputCol)

    def _transform(self, dataset):
        doubled = F.transform(vector_to_array(F.col(self.getInputCol())), lambda x: x * 2)
        return dataset.withColumn(self.getOutputCol(), array_to_vector(doubled))


def test_a_custom_stage_between_spark_stages_scores_like_the_whole_model(spark, tmp_path):
    rows = spark.createDataFrame([(i, float(i % 7), float(i % 3), float(i % 2)) for i in range(60)],
                                 ["id", "a", "b", "label"])
    model = Pipeline(stages=[VectorAssembler(inputCols=["a", "b"], outputCol="features"), Doubled(),
                             LogisticRegression(featuresCol="doubled", maxIter=20)]).fit(rows)
    saved, data = tmp_path / "model", tmp_path / "rows.parquet"
    model.write().overwrite().save(str(saved))
    rows.drop("label").write.parquet(str(data))
    assert split_at(saved) == 2             # the assembler and the custom stage: the submission's side

    part = tmp_path / "part"
    request = {"model": str(saved), "data": str(data)}
    run_submission_part(spark, None, request, submission_model(spark, None, request, part), part)
    left = spark.read.parquet(str(part / "rows"))
    assert {"features", "doubled"} <= set(left.columns) and "probability" not in left.columns

    scored, facts = score_given(spark, {**request, "given": str(part)}, {})
    assert facts == {"class": "pyspark.ml.pipeline.PipelineModel", "metrics": []}
    got = {r["id"]: list(r["probability"]) for r in scored.select("id", "probability").collect()}
    whole = {r["id"]: list(r["probability"]) for r in model.transform(rows).select("id", "probability").collect()}
    assert got == whole and len(got) == 60
    assert not Path(part / "model").exists()        # no loader, no fit: the saved model itself is read
