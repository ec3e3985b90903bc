"""Where scoring splits a saved model (autograder.harness.saved_models): the leaf stages in the order they
transform, read from the files as Spark and PySpark write them, and the split after the submission's
last stage of its own classes."""

import json

import pytest

from autograder.harness.saved_models import leaf_stages, saved_facts, split_at


def _saved(folder, cls, **extra):
    (folder / "metadata").mkdir(parents=True)
    (folder / "metadata" / "part-00000").write_text(json.dumps({"class": cls, "uid": folder.name, **extra}) + "\n")
    return folder


def _pipeline(folder, stages, cls="org.apache.spark.ml.PipelineModel"):
    """A saved pipeline model whose stages are (uid, class) pairs, or (uid, [nested stages])."""
    digits = len(str(len(stages)))
    uids = [uid for uid, _ in stages]
    _saved(folder, cls, paramMap={"stageUids": uids})
    for i, (uid, what) in enumerate(stages):
        path = folder / "stages" / f"{str(i).zfill(digits)}_{uid}"
        if isinstance(what, list):
            _pipeline(path, what)
        else:
            _saved(path, what)
    return folder


LR = "org.apache.spark.ml.classification.LogisticRegressionModel"
ASSEMBLER = "org.apache.spark.ml.feature.VectorAssembler"


def test_leaves_are_in_transform_order_with_nested_pipelines_flattened(tmp_path):
    stages = [(f"s{i}", ASSEMBLER) for i in range(11)]          # two-digit stage folders: 00 .. 10
    stages[3] = ("inner", [("a", "pipelines.RatioTransformer"), ("b", ASSEMBLER)])
    root = _pipeline(tmp_path / "model", stages, cls="pyspark.ml.pipeline.PipelineModel")
    names = [p.name for p in leaf_stages(root)]
    assert names == ["00_s0", "01_s1", "02_s2", "0_a", "1_b"] + [f"{i:02d}_s{i}" for i in range(4, 11)]
    assert split_at(root) == 4          # everything up to the nested custom stage, which is the fourth leaf


def test_a_model_of_spark_stages_only_needs_no_submission(tmp_path):
    assert split_at(_pipeline(tmp_path / "m", [("a", ASSEMBLER), ("b", LR)])) == 0


def test_a_custom_last_stage_puts_every_stage_on_the_submissions_side(tmp_path):
    root = _pipeline(tmp_path / "m", [("a", ASSEMBLER), ("b", LR), ("c", "mine.Lookup")])
    assert split_at(root) == 3


def test_a_spark_stage_holding_a_custom_class_counts_as_custom(tmp_path):
    root = _pipeline(tmp_path / "m", [("ovr", "org.apache.spark.ml.classification.OneVsRestModel"), ("b", LR)])
    _saved(root / "stages" / "0_ovr" / "classifier", "mine.Classifier")
    assert split_at(root) == 1


def test_a_tuning_model_splits_its_best_model(tmp_path):
    root = _saved(tmp_path / "cv", "org.apache.spark.ml.tuning.CrossValidatorModel", avgMetrics=[0.7, 0.8])
    _pipeline(root / "bestModel", [("a", "mine.Ratio"), ("b", LR)])
    _saved(root / "evaluator", "mine.Evaluator")            # never loaded: not part of the split
    assert [p.name for p in leaf_stages(root)] == ["0_a", "1_b"] and split_at(root) == 1
    assert saved_facts(root) == {"class": "pyspark.ml.tuning.CrossValidatorModel", "metrics": [0.7, 0.8]}


def test_stage_folders_that_do_not_match_the_metadata_are_refused(tmp_path):
    root = _pipeline(tmp_path / "m", [("a", ASSEMBLER), ("b", LR)])
    (root / "stages" / "1_b").rename(root / "stages" / "1_x")
    with pytest.raises(FileNotFoundError, match=r"stage 1 \(b\) of the saved pipeline at m has no folder"):
        leaf_stages(root)
