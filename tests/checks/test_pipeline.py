"""Pipeline structure checks on real saved pyspark.ml pipelines (Spark's own writers), including the
failure messages: stage identity by fully qualified name, leakage by lineage, nested pipelines, and
SQLTransformer columns from Spark's analysis."""

import pytest
from pyspark.ml import Pipeline
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.feature import (Imputer, OneHotEncoder, SQLTransformer, StandardScaler, StringIndexer, Tokenizer,
                                VectorAssembler)
from pyspark.ml.tuning import CrossValidator, CrossValidatorModel, ParamGridBuilder

from autograder.checks.pipeline import (flatten, is_stage, leaves, param_targets, spark_ml_classes, structure_problems,
                                       tuned_dir)
from autograder.submission import load_submission

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


def test_a_bound_names_the_stages_it_judges_and_an_unset_param_is_spark_s_default(spark, tmp_path):
    stages = good_stages()
    stages[-1] = LogisticRegression(featuresCol="scaled", labelCol="label", maxIter=7)
    top, flat = saved(tmp_path, stages)
    params = {"params": {"LogisticRegression.maxIter": {"max": 5}, "LogisticRegression.regParam": {"max": 0.5},
                         "KMeans.k": 3}}
    targets = [(name, param, [s.params.get(param) for s in hits]) for name, param, _, hits in
               param_targets(top, flat, params, "m")]
    assert targets == [("LogisticRegression", "maxIter", [7]), ("LogisticRegression", "regParam", [0.0]),
                       ("KMeans", "k", [])]
    assert structure_problems(top, flat, params, COLUMNS) == [
        "LogisticRegression has maxIter=7, expected at most 5", "no KMeans stage to check k on"]


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
    assert any("computed from 'label'" in p and "leaks the answer" in p for p in problems)


def test_an_update_in_place_of_an_earlier_stages_column_is_wiring_but_a_second_writer_is_not(spark, tmp_path):
    """Imputer(outputCols=inputCols) replaces the columns it reads, also one an earlier stage wrote; a stage
    that writes such a column without reading it is reported."""
    stages = [SQLTransformer(statement="SELECT *, income / age AS ratio FROM __THIS__"),
              Imputer(inputCols=["ratio", "income"], outputCols=["ratio", "income"]),
              VectorAssembler(inputCols=["age", "ratio", "income"], outputCol="features"),
              LogisticRegression(featuresCol="features", labelCol="label")]
    top, flat = saved(tmp_path, stages, "in_place")
    wiring = {"wiring": True, "not_features": ["label"]}
    assert structure_problems(top, flat, wiring, COLUMNS, spark=lambda: spark) == []
    stages[1] = Imputer(inputCols=["income"], outputCols=["ratio"])
    top, flat = saved(tmp_path, stages, "second_writer")
    assert structure_problems(top, flat, wiring, COLUMNS, spark=lambda: spark) == [
        "stage 2 (Imputer) writes column 'ratio', which an earlier stage already wrote"]


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


# ------------------------------------------------------------------ identity by fully qualified class name

STUDENT_CODE = """
from pyspark.ml import Transformer
from pyspark.ml.param.shared import HasOutputCol, Param, Params, TypeConverters
from pyspark.ml.util import DefaultParamsReadable, DefaultParamsWritable


class RatioTransformer(Transformer, HasOutputCol, DefaultParamsReadable, DefaultParamsWritable):
    numeratorCol = Param(Params._dummy(), "numeratorCol", "numerator", typeConverter=TypeConverters.toString)
    denominatorCol = Param(Params._dummy(), "denominatorCol", "denominator", typeConverter=TypeConverters.toString)

    def __init__(self, numeratorCol="a", denominatorCol="b", outputCol="r"):
        super().__init__()
        self._set(numeratorCol=numeratorCol, denominatorCol=denominatorCol, outputCol=outputCol)

    def _transform(self, df):
        return df


class Imputer(Transformer, DefaultParamsReadable, DefaultParamsWritable):
    \"\"\"Does nothing, but is named like Spark's Imputer.\"\"\"
    inputCols = Param(Params._dummy(), "inputCols", "in", typeConverter=TypeConverters.toListString)
    outputCols = Param(Params._dummy(), "outputCols", "out", typeConverter=TypeConverters.toListString)

    def __init__(self, inputCols=None, outputCols=None):
        super().__init__()
        self._set(inputCols=inputCols, outputCols=outputCols)

    def _transform(self, df):
        return df
"""


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    """A module loaded exactly as the child loads a submission (its classes belong to ``pipelines_sub``)."""
    path = tmp_path_factory.mktemp("sub") / "pipelines_sub.py"
    path.write_text(STUDENT_CODE)
    loaded = load_submission(path, "pipelines_sub")
    assert loaded.problems == []
    return loaded.module


def test_spark_names_resolve_to_both_saved_class_names():
    assert spark_ml_classes()["Imputer"] == {"org.apache.spark.ml.feature.Imputer", "pyspark.ml.feature.Imputer"}
    assert "org.apache.spark.ml.PipelineModel" in spark_ml_classes()["PipelineModel"]
    assert "RatioTransformer" not in spark_ml_classes()


def test_fake_imputer_from_the_submission_fails(spark, tmp_path, student):
    stages = [student.Imputer(inputCols=["income"], outputCols=["income_imp"])] + good_stages()[1:]
    top, flat = saved(tmp_path, stages)
    assert flat[0].cls == "pipelines_sub.Imputer" and not is_stage(flat[0], "Imputer", "pipelines_sub")
    params = {"type": "Pipeline", "stages": ["Imputer", "StringIndexer", "OneHotEncoder", "VectorAssembler",
                                             "StandardScaler", "LogisticRegression"], "wiring": True}
    problems = structure_problems(top, flat, params, COLUMNS, module="pipelines_sub")
    assert problems[0] == ("a class named Imputer defined in your code, not pyspark.ml.feature.Imputer: use "
                           "Spark's own stage")
    assert any(p.startswith("expected stages") and "Imputer (not Spark's)" in p for p in problems)
    real_top, real = saved(tmp_path, good_stages(), "real")
    assert structure_problems(real_top, real, params, COLUMNS, module="pipelines_sub") == []


def test_custom_stage_must_come_from_the_submission_module(spark, tmp_path, student):
    top, flat = saved(tmp_path, [student.RatioTransformer(numeratorCol="age", denominatorCol="income")])
    assert structure_problems(top, flat, {"stages": ["RatioTransformer"]}, COLUMNS, module="pipelines_sub") == []
    problems = structure_problems(top, flat, {"stages": ["RatioTransformer"]}, COLUMNS, module="other")
    assert problems[0] == "pipelines_sub.RatioTransformer, not the RatioTransformer class defined in your submission"


# --------------------------------------------------------------------------------- leakage by lineage

def leak_params():
    return {"wiring": True, "not_features": ["label"]}


def test_label_through_custom_transformer_into_features_fails(spark, tmp_path, student):
    """Depth 2: label -> RatioTransformer -> VectorAssembler -> features."""
    stages = [student.RatioTransformer(numeratorCol="label", denominatorCol="income", outputCol="ratio"),
              VectorAssembler(inputCols=["age", "ratio"], outputCol="features"),
              LogisticRegression(featuresCol="features", labelCol="label")]
    top, flat = saved(tmp_path, stages)
    problems = structure_problems(top, flat, leak_params(), COLUMNS, module="pipelines_sub")
    assert problems == ["the features that stage 3 (LogisticRegression) reads are computed from 'label', the label "
                        "(or derived from it): 'label' -> stage 1 (RatioTransformer) 'ratio' -> stage 2 "
                        "(VectorAssembler) 'features'; that leaks the answer into the model"]
    clean = [student.RatioTransformer(numeratorCol="age", denominatorCol="income", outputCol="ratio")] + stages[1:]
    top, flat = saved(tmp_path, clean, "clean")
    assert structure_problems(top, flat, leak_params(), COLUMNS, module="pipelines_sub") == []


def test_label_leak_found_at_depth_three_inside_nested_pipelines(spark, tmp_path, student):
    """label -> RatioTransformer -> Imputer -> StandardScaler -> features, the first two in nested Pipelines."""
    inner = Pipeline(stages=[Pipeline(stages=[student.RatioTransformer(numeratorCol="income",
                                                                       denominatorCol="label", outputCol="ratio")]),
                             Imputer(inputCols=["ratio"], outputCols=["ratio_imp"])])
    stages = [inner, VectorAssembler(inputCols=["age", "ratio_imp"], outputCol="raw"),
              StandardScaler(inputCol="raw", outputCol="scaled"),
              LogisticRegression(featuresCol="scaled", labelCol="label")]
    top, flat = saved(tmp_path, stages)
    assert [s.name for s in flat] == ["RatioTransformer", "Imputer", "VectorAssembler", "StandardScaler",
                                      "LogisticRegression"]
    problems = structure_problems(top, flat, leak_params(), COLUMNS, module="pipelines_sub")
    assert len(problems) == 1 and "'label' -> stage 1 (RatioTransformer) 'ratio' -> stage 2 (Imputer) " \
        "'ratio_imp' -> stage 3 (VectorAssembler) 'raw' -> stage 4 (StandardScaler) 'scaled'" in problems[0]


def test_estimator_label_is_a_source_and_indexed_label_is_not_a_feature(spark, tmp_path):
    """The final estimator's labelCol counts as the label even when not_features does not name it."""
    stages = [StringIndexer(inputCol="home", outputCol="target"),
              VectorAssembler(inputCols=["age", "target"], outputCol="features"),
              LogisticRegression(featuresCol="features", labelCol="target")]
    top, flat = saved(tmp_path, stages)
    problems = structure_problems(top, flat, {"wiring": True}, COLUMNS)
    assert len(problems) == 1 and "computed from 'home'" not in problems[0] \
        and "stage 1 (StringIndexer) 'target'" in problems[0]


# ---------------------------------------------------------------------------------- nested pipelines

def test_nested_pipeline_inside_cross_validator_estimator_and_fitted_best_model(spark, tmp_path):
    df = spark.createDataFrame([(i, 20.0 + i, float(i % 3), ["own", "rent"][i % 2], float(i % 2)) for i in range(12)],
                               COLUMNS)
    features = Pipeline(stages=[Pipeline(stages=good_stages()[:2]), Pipeline(stages=good_stages()[2:5])])
    lr = LogisticRegression(featuresCol="scaled", labelCol="label", maxIter=5)
    cv = CrossValidator(estimator=Pipeline(stages=[features, lr]), numFolds=2, seed=1,
                        estimatorParamMaps=ParamGridBuilder().addGrid(lr.regParam, [0.0, 0.1]).build(),
                        evaluator=__import__("pyspark.ml.evaluation", fromlist=["x"]).BinaryClassificationEvaluator())
    cv.write().overwrite().save(str(tmp_path / "cv"))
    top, flat = flatten(tuned_dir(tmp_path / "cv"))
    assert [s.name for s in flat] == ["Imputer", "StringIndexer", "OneHotEncoder", "VectorAssembler",
                                      "StandardScaler", "LogisticRegression"]
    best = cv.getEstimator().fit(df)   # a tuned model around it, without the cost of tuning
    cv._copyValues(CrossValidatorModel(best, [0.5, 0.6], None, [0.0, 0.0])).write().overwrite().save(str(tmp_path / "cvm"))
    fitted = leaves(tuned_dir(tmp_path / "cvm"))
    indexers = [folder for stage, folder in fitted if is_stage(stage, "StringIndexerModel")]
    assert len(indexers) == 1
    learned = __import__("pandas").read_parquet(indexers[0] / "data")["labelsArray"][0]
    assert sorted(label for group in learned for label in group) == ["own", "rent"]
    assert fitted[-1][0].name == "LogisticRegressionModel"


# ------------------------------------------------------------------------------------ SQLTransformer

def sql_params():
    return {"wiring": True, "not_features": ["label"]}


def test_sql_alias_without_as_is_an_output_column(spark, tmp_path):
    stages = [SQLTransformer(statement="SELECT *, coalesce(home, '') home_text FROM __THIS__"),
              Tokenizer(inputCol="home_text", outputCol="words"),
              VectorAssembler(inputCols=["age", "income"], outputCol="features")]
    top, flat = saved(tmp_path, stages)
    assert structure_problems(top, flat, sql_params(), COLUMNS, spark=lambda: spark) == []


def test_sql_column_computed_from_the_label_leaks_but_passed_through_columns_do_not(spark, tmp_path):
    stages = [SQLTransformer(statement="SELECT id, age, income, label, label * 2 twice FROM __THIS__;"),
              VectorAssembler(inputCols=["age", "twice"], outputCol="features"),
              LogisticRegression(featuresCol="features", labelCol="label")]
    top, flat = saved(tmp_path, stages)
    problems = structure_problems(top, flat, sql_params(), COLUMNS, spark=lambda: spark)
    assert len(problems) == 1 and "'label' -> stage 1 (SQLTransformer) 'twice' -> stage 2 (VectorAssembler)" \
        in problems[0]
    stages[1] = VectorAssembler(inputCols=["age", "income"], outputCol="features")
    top, flat = saved(tmp_path, stages, "clean")
    assert structure_problems(top, flat, sql_params(), COLUMNS, spark=lambda: spark) == []
    stages[1] = VectorAssembler(inputCols=["age", "home"], outputCol="features")   # home was not selected
    top, flat = saved(tmp_path, stages, "dropped")
    assert structure_problems(top, flat, sql_params(), COLUMNS, spark=lambda: spark) == [
        "stage 2 (VectorAssembler) reads column 'home', which neither the data nor an earlier stage provides"]


def test_sql_statement_that_does_not_analyse_or_is_a_command_fails_without_running(spark, tmp_path):
    top, flat = saved(tmp_path, [SQLTransformer(statement="SELECT *, nope + 1 AS x FROM __THIS__")])
    problem, = structure_problems(top, flat, sql_params(), COLUMNS, spark=lambda: spark)
    assert problem.startswith("stage 1 (SQLTransformer): Spark cannot analyse the statement") \
        and "UNRESOLVED_COLUMN" in problem
    top, flat = saved(tmp_path, [SQLTransformer(statement="CREATE TABLE sparkgrade_probe AS SELECT 1 AS x")], "cmd")
    problem, = structure_problems(top, flat, sql_params(), COLUMNS, spark=lambda: spark)
    assert "PARSE_SYNTAX_ERROR" in problem
    assert not spark.catalog.tableExists("sparkgrade_probe")


def test_sql_after_spark_stages_sees_their_column_types(spark, tmp_path):
    stages = [StringIndexer(inputCol="home", outputCol="home_idx"), Tokenizer(inputCol="home", outputCol="words"),
              SQLTransformer(statement="SELECT *, home_idx + size(words) n FROM __THIS__"),
              VectorAssembler(inputCols=["age", "n"], outputCol="features")]
    top, flat = saved(tmp_path, stages)
    assert structure_problems(top, flat, sql_params(), COLUMNS, spark=lambda: spark) == []
    stages[2] = SQLTransformer(statement="SELECT *, words + 1 n FROM __THIS__")
    top, flat = saved(tmp_path, stages, "typed")
    problems = structure_problems(top, flat, sql_params(), COLUMNS, spark=lambda: spark)
    assert problems[0].startswith("stage 3 (SQLTransformer): Spark cannot analyse") and "DATATYPE_MISMATCH" in problems[0]


def test_all_used_reports_a_stage_output_no_later_stage_reads(spark, tmp_path):
    from autograder.checks.pipeline import unused_outputs

    stages = good_stages()
    stages[3] = VectorAssembler(inputCols=["age", "income", "home_vec"], outputCol="features",
                                handleInvalid="keep")     # the raw income, not the imputed one
    top, flat = saved(tmp_path, stages)
    assert unused_outputs(flat) == [
        "stage 1 (Imputer) writes 'income_imp', which no later stage reads (a later stage reads another "
        "column in its place)"]
    assert any("income_imp" in p for p in structure_problems(top, flat, {"all_used": True}, COLUMNS))
    top, flat = saved(tmp_path, good_stages(), "good")
    assert unused_outputs(flat) == []


def test_param_rules_require_a_list_param_exactly_and_bound_a_number(spark, tmp_path):
    """Issue 28.4: a list param can be required (TOML gives tuples, Spark's metadata lists) and a number
    bounded; the messages say the rule in words."""
    from types import MappingProxyType

    top, flat = saved(tmp_path, good_stages())
    rules = {"VectorAssembler.inputCols": MappingProxyType({"equals": ("age", "income_imp", "home_vec")}),
             "LogisticRegression.maxIter": MappingProxyType({"min": 10, "max": 100}),
             "StringIndexer.handleInvalid": ("keep", "skip")}
    assert structure_problems(top, flat, {"params": rules}, COLUMNS) == []
    rules = {"VectorAssembler.inputCols": MappingProxyType({"equals": ("income_imp", "age", "home_vec")}),
             "LogisticRegression.maxIter": MappingProxyType({"max": 50})}
    assert structure_problems(top, flat, {"params": rules}, COLUMNS) == [
        'VectorAssembler has inputCols=["age", "income_imp", "home_vec"], expected exactly '
        '["income_imp", "age", "home_vec"]',
        "LogisticRegression has maxIter=100, expected at most 50"]


def test_includes_requires_each_named_column_in_any_order(spark, tmp_path):
    """A list param that must hold the columns a prompt names, in any order, others allowed: a stage that
    leaves one out still wires up, so only this rule sees it."""
    from types import MappingProxyType

    top, flat = saved(tmp_path, good_stages())
    rule = {"VectorAssembler.inputCols": MappingProxyType({"includes": ("home_vec", "age")})}
    assert structure_problems(top, flat, {"params": rule}, COLUMNS) == []
    rule = {"VectorAssembler.inputCols": MappingProxyType({"includes": ("home_vec", "age", "income")})}
    assert structure_problems(top, flat, {"params": rule}, COLUMNS) == [
        'VectorAssembler has inputCols=["age", "income_imp", "home_vec"], expected a list that holds each of '
        '["home_vec", "age", "income"]']
    rule = {"StringIndexer.inputCol": MappingProxyType({"includes": ("home",)})}      # a string is not a list
    assert len(structure_problems(top, flat, {"params": rule}, COLUMNS)) == 1


def test_unmet_inputs_are_the_columns_a_fitted_model_reads_that_a_table_lacks(spark, tmp_path):
    """Read from the saved stages by the grader: the label read as a feature is one, the estimator's own
    labelCol (read only while fitting) is not, nor a column an earlier stage writes."""
    from autograder.checks.pipeline import unmet_inputs

    frame = spark.createDataFrame([(1, 30.0, 1.0, "own", 0.0), (2, 40.0, None, "rent", 1.0)], COLUMNS)
    model = Pipeline(stages=good_stages()).fit(frame)
    model.write().overwrite().save(str(tmp_path / "m"))
    features = [c for c in COLUMNS if c != "label"]
    assert unmet_inputs(tmp_path / "m", features) == []
    leaky = good_stages()
    leaky[3] = VectorAssembler(inputCols=["age", "income_imp", "home_vec", "label"], outputCol="features")
    Pipeline(stages=leaky).fit(frame).write().overwrite().save(str(tmp_path / "leaky"))
    assert unmet_inputs(tmp_path / "leaky", features) == ["label"]
    assert unmet_inputs(tmp_path / "leaky", COLUMNS) == []
    assert unmet_inputs(tmp_path / "missing", COLUMNS) == []
