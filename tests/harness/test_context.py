"""What a task sees: saving a stage with Spark's writer, including a tuning stage whose grid names a param
of a stage outside its estimator (Spark fits it, ignoring that param, but cannot save it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autograder.harness.context import TaskContext, TaskFailed, grid_without_detached_params
from autograder.submission import LoadedSubmission


def _context(spark, tmp_path: Path) -> TaskContext:
    return TaskContext(spark=spark, submission=LoadedSubmission(None), assignment_dir=tmp_path,
                       artifact_dir=tmp_path / "task", data={}, id_col="id")


def _tuner(detached: bool):
    from pyspark.ml import Pipeline
    from pyspark.ml.classification import LogisticRegression
    from pyspark.ml.evaluation import BinaryClassificationEvaluator
    from pyspark.ml.feature import VectorAssembler
    from pyspark.ml.tuning import CrossValidator, ParamGridBuilder

    lr = LogisticRegression(maxIter=5)
    pipeline = Pipeline(stages=[VectorAssembler(inputCols=["x"], outputCol="features"), lr])
    other = LogisticRegression()                    # a stage of its own, not in the pipeline
    grid = (ParamGridBuilder().addGrid(lr.maxIter, [3, 5])
            .addGrid((other if detached else lr).regParam, [0.01, 0.1]).build())
    return CrossValidator(estimator=pipeline, estimatorParamMaps=grid, evaluator=BinaryClassificationEvaluator(),
                          numFolds=2, seed=1)


def _saved_grid(folder: Path) -> list:
    meta = json.loads(next((folder / "metadata").glob("part-*")).read_text(encoding="utf-8").splitlines()[0])
    return [sorted(p["name"] for p in point) for point in meta["paramMap"]["estimatorParamMaps"]]


def test_a_grid_of_the_estimator_s_own_params_is_saved_as_it_is(spark, tmp_path):
    tuner = _tuner(detached=False)
    assert grid_without_detached_params(tuner) is None
    _context(spark, tmp_path).save_stage(tuner)
    assert _saved_grid(tmp_path / "task" / "stage") == [["maxIter", "regParam"]] * 4


@pytest.mark.parametrize("fitted", [False, True], ids=["estimator", "model"])
def test_a_detached_grid_param_is_left_out_of_what_is_saved(spark, tmp_path, fitted):
    tuner = _tuner(detached=True)
    rows = spark.createDataFrame([(float(i), float(i % 2)) for i in range(20)], "x double, label double")
    stage = tuner.fit(rows) if fitted else tuner
    before = stage.getEstimatorParamMaps()
    with pytest.raises(Exception, match="Resolve param"):
        stage.write().save(str(tmp_path / "plain"))          # Spark's own writer refuses it
    _context(spark, tmp_path).save_stage(stage)
    assert _saved_grid(tmp_path / "task" / "stage") == [["maxIter"]] * 4
    assert stage.getEstimatorParamMaps() == before          # the student's object is left as it was


def test_a_stage_that_cannot_be_saved_otherwise_still_fails_the_task(spark, tmp_path):
    with pytest.raises(TaskFailed, match="expected a pyspark.ml stage"):
        _context(spark, tmp_path).save_stage(object())
