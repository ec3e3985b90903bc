"""Static validation: the shipped assignments are consistent, and each kind of inconsistency is reported."""

import shutil
import tomllib
from pathlib import Path

import pytest

from autograder.cli import main
from autograder.errors import SpecError
from autograder.registry import discover, load_assignment
from autograder.validate import problems


def test_shipped_assignments_are_valid(root):
    for path in discover(root):
        spec = load_assignment(path.parent)
        assert problems(spec, root) == [], spec.slug



@pytest.fixture
def copy02(root, tmp_path) -> Path:
    """A private copy of assignment 02 and its reference solution, to break."""
    shutil.copytree(root / "assignments" / "02-pipelines", tmp_path / "assignments" / "02-pipelines")
    shutil.copytree(root / "solutions" / "02-pipelines", tmp_path / "solutions" / "02-pipelines")
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def _problems(root: Path) -> list[str]:
    return problems(load_assignment(root / "assignments" / "02-pipelines"), root)


def test_the_copy_is_valid(copy02):
    assert _problems(copy02) == []


def test_missing_stub_function_is_reported(copy02):
    _edit(copy02 / "solutions" / "02-pipelines" / "pipelines.py", "def build_pipeline(", "def build_pipe(")
    found = _problems(copy02)
    assert [p for p in found if "student stub" in p and "does not define build_pipeline" in p]
    assert [p for p in found if "reference solution" in p and "does not define build_pipeline" in p]


def test_a_question_s_function_left_outside_a_solution_region_is_reported(copy02):
    source = copy02 / "solutions" / "02-pipelines" / "pipelines.py"
    text = source.read_text(encoding="utf-8")
    start = text.index("def fit_pipeline(")
    body = text[start:text.index("def save_model(")]
    source.write_text(text.replace(body, body.replace("    # BEGIN SOLUTION\n", "").replace("    # END SOLUTION\n", "")))
    assert _problems(copy02) == [
        "fit_pipeline() is asked for by a question but the student's stub already has a body: mark its body in "
        f"{source} with `# BEGIN SOLUTION` ... `# END SOLUTION`"]


def test_missing_task_function_is_reported(copy02):
    _edit(copy02 / "assignments" / "02-pipelines" / "tasks.py", "def ratio_save(", "def ratio_saved(")
    assert any("task 'ratio_saved' names tasks:ratio_save" in p and "defines no ratio_save" in p
               for p in _problems(copy02))


@pytest.mark.parametrize("file, old, new, words", [
    ("judges.py", "def ratio_params(", "def ratio_param(", "names judge judges:ratio_params: "),
    ("hidden/judges.py", "def ratio_values(", "def ratio_value(", "names judge hidden/judges:ratio_values: "),
])
def test_missing_judge_function_is_reported(copy02, file, old, new, words):
    _edit(copy02 / "assignments" / "02-pipelines" / file, old, new)
    found = _problems(copy02)
    assert len(found) == 1 and words in found[0] and found[0].endswith(f"defines no {old[4:-1]}")


def test_judge_in_an_unknown_module_is_reported(copy02):
    _edit(copy02 / "assignments" / "02-pipelines" / "assignment.toml", '"judges:ratio_params"', '"tasks:ratio_params"')
    assert any("must be '<module>:<function>' with module one of judges, hidden/judges" in p for p in _problems(copy02))


def test_a_mutant_that_is_not_python_once_applied_is_reported(copy02):
    """A replacement written in single quotes keeps `\\n` as two characters: the mutant would not compile,
    and verify would score it 0 for a reason that is not the mistake it stands for."""
    path = copy02 / "assignments" / "02-pipelines" / "mutants" / "mutants.toml"
    path.write_text(path.read_text() + """
[broken_quotes]
why = "a debugging line"
lost = ["q2_stages"]
replace = [['    return pipeline.fit(train_df)', '    print(1)\\n    return pipeline.fit(train_df)']]
""")
    found = [p for p in _problems(copy02) if "broken_quotes" in p]
    assert len(found) == 1 and "is not valid Python once applied (line" in found[0], found


def test_stale_mutant_is_reported(copy02):
    """A mutant whose text no longer occurs in the reference solution (it was edited) fails validate."""
    mutants = tomllib.loads((copy02 / "assignments" / "02-pipelines" / "mutants" / "mutants.toml").read_text())
    old = mutants["ratio_zero_not_null"]["replace"][0][0]
    _edit(copy02 / "solutions" / "02-pipelines" / "pipelines.py", old, old.replace("den != 0", "den != 0.0"))
    assert any("ratio_zero_not_null.replace" in p and "occurs 0 times in the solution" in p
               for p in _problems(copy02))


def test_bad_spec_fails_validate_with_file_check_and_key(copy02, capsys):
    toml = copy02 / "assignments" / "02-pipelines" / "assignment.toml"
    _edit(toml, 'params = { type = "Pipeline" }', 'params = { tipe = "Pipeline" }')
    with pytest.raises(SpecError, match=r"checks\[\d+\]\.params\.tipe: unknown param of check 'q2_is_pipeline'"):
        load_assignment(toml.parent)
    assert main(["validate", str(toml.parent)]) != 0
    err = capsys.readouterr().err
    assert str(toml) in err and ".params.tipe" in err and "q2_is_pipeline" in err


@pytest.mark.parametrize("old, new, words", [
    ("wiring = true", "wirring = true",
     "check 'q2_wiring'.params.wirring: unknown param of check 'q2_wiring' (kind custom); its params are: "),
    ('output = "share", tolerance = 1e-12', 'output = "share", tolerance = "tight"',
     "check 'q1_ratio_values_hidden'.params.tolerance: check 'q1_ratio_values_hidden' (kind custom): must be a number"),
    ('fixture = "ratio_cases_hidden", ', "",
     "check 'q1_ratio_values_hidden'.params.fixture: check 'q1_ratio_values_hidden' (kind custom) needs this param"),
])
def test_a_custom_checks_params_are_held_to_what_its_judge_declares(copy02, old, new, words):
    """A custom check loads (its judge's keys are the judge's own), but validate holds them to the judge's
    @sdk.takes declaration: a typo would otherwise fall back to a default at grading time."""
    toml = copy02 / "assignments" / "02-pipelines" / "assignment.toml"
    _edit(toml, old, new)
    found = _problems(copy02)
    assert any(words in p and str(toml) in p for p in found), found


def test_a_judge_without_a_declaration_is_reported_for_the_keys_it_is_given(copy02):
    judges = copy02 / "assignments" / "02-pipelines" / "judges.py"
    _edit(judges, '@sdk.takes(Param("expected", dict, "RatioTransformer param -> the value it must have", '
                  'required=True))\n', "")
    assert "check 'q1_ratio_params' passes expected to judge judges:ratio_params, which declares no params: " \
           "declare them with @sdk.takes(Param(...), ...)" in _problems(copy02)


def _measuring_model_task(copy02: Path) -> Path:
    toml = copy02 / "assignments" / "02-pipelines" / "assignment.toml"
    _edit(toml, 'name = "model"\ncall = "fit_pipeline"', 'name = "model"\nmeasures = "the fit\'s job count"\ncall = "fit_pipeline"')
    return toml


def test_a_check_on_a_measuring_task_must_say_where_its_fact_is_observed(copy02):
    _measuring_model_task(copy02)
    found = [p for p in _problems(copy02) if "which measures the fit's job count" in p]
    assert any("check 'q3_fitted'" in p and 'declare observed = "child"' in p for p in found), found
    assert any("check 'q3_auc'" in p for p in found), found


def test_child_observed_points_over_the_allowed_share_are_refused(copy02):
    toml = _measuring_model_task(copy02)
    for name in ("q3_fitted", "q3_auc", "q4_reload", "q4_load"):
        _edit(toml, f'name = "{name}"\n', f'name = "{name}"\nobserved = "grader"\n')
    assert _problems(copy02) == []
    _edit(toml, 'name = "q3_fitted"\nobserved = "grader"', 'name = "q3_fitted"\nobserved = "child"')
    assert _problems(copy02) == []                                  # 1 of 15 points: 7 %
    _edit(toml, 'name = "q3_auc"\nobserved = "grader"', 'name = "q3_auc"\nobserved = "child"')
    found = _problems(copy02)                                       # 4 of 15 points: 27 %
    assert len(found) == 1 and "carry 27% of the points (q3_fitted (1), q3_auc (3)); at most 10% is allowed" in found[0]
    _edit(toml, 'slug = "02-pipelines"', 'slug = "02-pipelines"\nchild_observed_max = 0.3')
    assert _problems(copy02) == []


def test_a_child_observed_check_needs_a_task_that_measures(copy02):
    toml = copy02 / "assignments" / "02-pipelines" / "assignment.toml"
    _edit(toml, 'name = "q3_fitted"\n', 'name = "q3_fitted"\nobserved = "child"\n')
    assert any("check 'q3_fitted' is observed = \"child\" but none of its tasks declares what it measures" in p
               for p in _problems(copy02))


def test_a_public_fixture_without_its_hidden_counterpart_is_reported(copy02):
    (copy02 / "assignments" / "02-pipelines" / "hidden" / "fixtures" / "ratio_cases_hidden.json").unlink()
    assert any("fixtures/ratio_cases.json has no hidden counterpart hidden/fixtures/ratio_cases_hidden.json" in p
               for p in _problems(copy02))


def test_a_hidden_twin_that_is_visible_or_worth_less_is_reported(copy02):
    toml = copy02 / "assignments" / "02-pipelines" / "assignment.toml"
    _edit(toml, 'name = "q1_ratio_values_hidden"\nquestion = "q1"\nkind = "custom"\npoints = 1.5\nvisibility = "hidden"',
          'name = "q1_ratio_values_hidden"\nquestion = "q1"\nkind = "custom"\npoints = 0.25')
    found = _problems(copy02)
    assert any("'q1_ratio_values_hidden' mirrors ['q1_ratio_values'] on hidden inputs but is visible" in p for p in found)
    assert any("'q1_ratio_values_hidden' (0.25 points) is worth less than its public twins" in p for p in found)


def test_a_metric_on_rows_a_public_data_set_labels_is_refused(copy02):
    """Issue 26: the shipped data sets are public; a metric check needs drawn held-out rows."""
    toml = copy02 / "assignments" / "02-pipelines" / "assignment.toml"
    _edit(toml, 'heldout = "synthetic"', 'heldout = "fold"')
    found = _problems(copy02)
    assert any("q3_auc" in p and "look up" in p and 'heldout = "synthetic"' in p for p in found), found


def test_drawn_held_out_rows_need_their_secret_seed(copy02):
    (copy02 / "assignments" / "02-pipelines" / "hidden" / "heldout.toml").unlink()
    found = _problems(copy02)
    assert any("heldout.toml is missing" in p and "sparkgrade secret 02-pipelines" in p for p in found), found


def test_a_malformed_param_rule_table_is_reported(copy02):
    toml = copy02 / "assignments" / "02-pipelines" / "assignment.toml"
    text = toml.read_text(encoding="utf-8")
    assert "[[checks]]\nname = \"q2_stages\"" in text
    toml.write_text(text + '\n[[checks]]\nname = "q9_rule"\nquestion = "q2"\nkind = "pipeline"\npoints = 1\n'
                    'tasks = ["pipeline"]\nparams = { type = "Pipeline", params = { "LogisticRegression.maxIter" = '
                    '{ most = 5 } } }\n', encoding="utf-8")
    found = _problems(copy02)
    assert any("q9_rule" in p and "takes equals, any_of, includes, min, max; got most" in p for p in found), found


def test_a_hand_kept_table_of_points_in_the_readme_is_reported(copy02):
    readme = copy02 / "assignments" / "02-pipelines" / "README.md"
    readme.write_text("# Pipelines\n\n## Points\n\n| question | check | Points |\n| --- | --- | ---: |\n"
                      "| q1 | values | 2 |\n", encoding="utf-8")
    found = [p for p in _problems(copy02) if p.startswith("README.md line")]
    assert len(found) == 1 and "starts a table of points" in found[0]
