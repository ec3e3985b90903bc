"""What the scoring phase asks the scorer to load: of Spark's own tuning model only its best model, so
a Python object the submission attached to it (an evaluator of its own) never imports the submission."""

import json

from autograder.harness.saved_models import custom_classes, tuning_model
from autograder.harness.scorer import load_model


def _saved(folder, cls, **extra):
    (folder / "metadata").mkdir(parents=True)
    (folder / "metadata" / "part-00000").write_text(json.dumps({"class": cls, "uid": "x", **extra}) + "\n")


def _tuned(tmp_path, cls="pyspark.ml.tuning.CrossValidatorModel", evaluator="tuning.AUCEvaluator"):
    root = tmp_path / "stage"
    _saved(root, cls, avgMetrics=[0.7, 0.8])
    _saved(root / "evaluator", evaluator)
    _saved(root / "estimator", "org.apache.spark.ml.Pipeline")
    _saved(root / "bestModel", "org.apache.spark.ml.PipelineModel")
    _saved(root / "bestModel" / "stages" / "0_lr", "org.apache.spark.ml.classification.LogisticRegressionModel")
    return root


def test_a_python_evaluator_on_a_spark_tuning_model_needs_no_submission(tmp_path):
    assert custom_classes(_tuned(tmp_path)) == []


def test_a_custom_stage_in_the_best_model_still_needs_the_submission(tmp_path):
    root = _tuned(tmp_path)
    _saved(root / "bestModel" / "stages" / "1_mine", "tuning.MyStage")
    assert custom_classes(root) == ["tuning.MyStage"]


def test_a_tuning_model_of_the_submissions_own_class_is_custom(tmp_path):
    root = _tuned(tmp_path, cls="tuning.MyCrossValidatorModel")
    assert not tuning_model({"class": "tuning.MyCrossValidatorModel"})
    assert set(custom_classes(root)) == {"tuning.MyCrossValidatorModel", "tuning.AUCEvaluator"}


def test_the_scorer_reads_a_tuning_models_metrics_from_its_metadata(tmp_path, monkeypatch):
    import autograder.harness.scorer as scorer

    root = _tuned(tmp_path)
    loaded = []

    class Best:
        @classmethod
        def load(cls, path):
            loaded.append(path)
            return cls()

    monkeypatch.setattr(scorer, "stage_class", lambda meta: Best)
    model, facts = load_model(root)
    assert isinstance(model, Best) and loaded == [str(root / "bestModel")]
    assert facts == {"class": "pyspark.ml.tuning.CrossValidatorModel", "metrics": [0.7, 0.8]}
