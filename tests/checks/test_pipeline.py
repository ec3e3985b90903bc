"""Pipeline structure checks on real saved pyspark.ml pipelines, including the failure messages."""

import pytest
from pyspark.ml import Pipeline
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.feature import Imputer, OneHotEncoder, StandardScaler, StringIndexer, VectorAssembler

from autograder.checks.pipeline import flatten, structure_problems

COLUMNS = ["id", "age", "income", "home", "label"]


def saved(tmp_path, stages, name="p"):
    path = tmp_path / name
    Pipeline(stages=stages).write().overwrite().save(str(path))
    return flatten(path)


def good_stages():
    return [Imputer(inputCols=["income"], outputCols=["income_imp"]),
            StringIndexer(inputCol="home", outputCol="home_idx", handleInvalid="keep"),
            OneHotEncoder(inputCol="home_idx", outputCol="home_vec"),
            VectorAssembler(inputCols=["age", "income_imp", "home_vec"], outputCol="features"),
            StandardScaler(inputCol="features", outputCol="scaled"),
            LogisticRegression(featuresCol="scaled", labelCol="label")]


def test_correct_pipeline_has_no_problems(spark, tmp_path):
    top, stages = saved(tmp_path, good_stages())
    params = {"type": "Pipeline", "stages": ["Imputer", "StringIndexer", "OneHotEncoder", "VectorAssembler",
                                             "StandardScaler", "LogisticRegression|RandomForestClassifier"],
              "wiring": True, "not_features": ["label"], "params": {"StringIndexer.handleInvalid": "keep"}}
    assert top.name == "Pipeline"
    assert structure_problems(top, stages, params, COLUMNS) == []


def test_wrong_order_is_described(spark, tmp_path):
    stages = good_stages()
    stages[4], stages[5] = stages[5], stages[4]
    top, flat = saved(tmp_path, stages)
    problems = structure_problems(top, flat, {"stages": ["Imputer", "StringIndexer", "OneHotEncoder",
                                                         "VectorAssembler", "StandardScaler", "LogisticRegression"]},
                                  COLUMNS)
    assert problems == ["expected stages Imputer -> StringIndexer -> OneHotEncoder -> VectorAssembler -> "
                        "StandardScaler -> LogisticRegression, got Imputer -> StringIndexer -> OneHotEncoder -> "
                        "VectorAssembler -> LogisticRegression -> StandardScaler"]


def test_fitted_model_instead_of_pipeline(spark, tmp_path):
    df = spark.createDataFrame([(1, 30.0, 2.0, "own", 1.0), (2, 40.0, None, "rent", 0.0),
                                (3, 50.0, 4.0, "own", 0.0), (4, 20.0, 1.0, "rent", 1.0)], COLUMNS)
    model = Pipeline(stages=good_stages()).fit(df)
    model.write().overwrite().save(str(tmp_path / "m"))
    top, stages = flatten(tmp_path / "m")
    problems = structure_problems(top, stages, {"type": "Pipeline"}, COLUMNS)
    assert problems == ["expected a Pipeline, got a PipelineModel (you returned a fitted model: return the "
                        "Pipeline before calling fit)"]
    assert [s.name for s in stages][-1] == "LogisticRegressionModel"


def test_missing_column_label_leak_and_param(spark, tmp_path):
    stages = good_stages()
    stages[1] = StringIndexer(inputCol="home", outputCol="home_idx")
    stages[3] = VectorAssembler(inputCols=["age", "income_raw", "home_vec", "label"], outputCol="features")
    top, flat = saved(tmp_path, stages)
    problems = structure_problems(top, flat, {"wiring": True, "not_features": ["label"],
                                              "params": {"StringIndexer.handleInvalid": "keep"}}, COLUMNS)
    assert 'StringIndexer has handleInvalid="error", expected "keep"' in problems
    assert "stage 4 (VectorAssembler) reads column 'income_raw', which neither the data nor an earlier stage provides" in problems
    assert any("uses label as a feature" in p for p in problems)


def test_same_stage_instance_twice(spark, tmp_path):
    scaler = StandardScaler(inputCol="a", outputCol="b")
    top, flat = saved(tmp_path, [scaler, scaler])
    assert any("used twice" in p for p in structure_problems(top, flat, {}, ["a"]))


def test_nested_pipelines_are_flattened(spark, tmp_path):
    inner = Pipeline(stages=good_stages()[:3])
    top, flat = saved(tmp_path, [inner] + good_stages()[3:])
    assert [s.name for s in flat] == ["Imputer", "StringIndexer", "OneHotEncoder", "VectorAssembler",
                                      "StandardScaler", "LogisticRegression"]


def test_contains_in_order(spark, tmp_path):
    top, flat = saved(tmp_path, good_stages())
    assert structure_problems(top, flat, {"contains": ["StringIndexer", "LogisticRegression"]}, COLUMNS) == []
    problems = structure_problems(top, flat, {"contains": ["LogisticRegression", "StringIndexer"]}, COLUMNS)
    assert problems and "expected a StringIndexer stage" in problems[0]


def test_missing_metadata_raises(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing was saved"):
        flatten(tmp_path)


def test_ten_or_more_stages_are_read_in_order(spark, tmp_path):
    from pyspark.ml.feature import SQLTransformer

    stages = [SQLTransformer(statement=f"SELECT *, {i} AS c{i} FROM __THIS__") for i in range(11)]
    top, flat = saved(tmp_path, stages)
    assert [s.params["statement"] for s in flat] == [s.getStatement() for s in stages]
