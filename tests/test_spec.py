"""assignment.toml validation: every error names the file and the key."""

from pathlib import Path

import pytest

from autograder.checks import CHECK_KINDS
from autograder.errors import SpecError
from autograder.registry import load_assignment
from autograder.spec import load_spec
from autograder.spec.kinds import KINDS

MINIMAL = '''
slug = "{slug}"
title = "t"
module = "m.py"
[data]
dataset = "credit"
[[questions]]
name = "q1"
title = "Q"
[[tasks]]
name = "t1"
call = "f"
[[checks]]
name = "c1"
question = "q1"
kind = "task_ok"
points = 1
tasks = ["t1"]
'''


def write(tmp_path: Path, text: str, slug: str = "01-x") -> Path:
    folder = tmp_path / slug
    folder.mkdir()
    path = folder / "assignment.toml"
    path.write_text(text.replace("{slug}", slug))
    return path


def test_minimal_spec_loads(tmp_path):
    spec = load_spec(write(tmp_path, MINIMAL), set(CHECK_KINDS))
    assert spec.slug == "01-x" and spec.total_points == 1 and spec.module_name == "m"
    assert [t.name for t in spec.tasks_for(spec.checks)] == ["t1"]


@pytest.mark.parametrize("change, key, words", [
    (('points = 1', 'points = "two"'), "checks[0].points", "must be float"),
    (('points = 1', 'points = -1'), "checks[0].points", ">= 0"),
    (('kind = "task_ok"', 'kind = "magic"'), "checks[0].kind", "unknown check kind 'magic'"),
    (('tasks = ["t1"]', 'tasks = ["nope"]'), "checks[0].tasks", "unknown task 'nope'"),
    (('question = "q1"', 'question = "q9"'), "checks[0].question", "unknown question 'q9'"),
    (('call = "f"', 'call = "f"\nfunction = "tasks:g"'), "tasks[0].call", "exactly one"),
    (('module = "m.py"', 'module = "m.txt"'), "module", "ending in .py"),
    (('title = "t"', 'title = "t"\ncolour = "red"'), "colour", "unknown key"),
    (('dataset = "credit"', 'dataset = "credit"\ntest_fold = 7'), "data.test_fold", "below folds"),
    (('module = "m.py"', 'module = "m.py"\npackages = [""]'), "packages", "list of package names"),
    (('module = "m.py"', 'module = "m.py"\npackages = "pandas"'), "packages", "must be list"),
    (('call = "f"', 'function = "helpers:g"'), "tasks[0].function", "must be 'tasks:<function>'"),
    (('call = "f"', 'function = "g"'), "tasks[0].function", "must be 'tasks:<function>'"),
])
def test_errors_name_file_and_key(tmp_path, change, key, words):
    path = write(tmp_path, MINIMAL.replace(*change))
    with pytest.raises(SpecError) as info:
        load_spec(path, set(CHECK_KINDS))
    assert info.value.key == key
    assert str(path) in str(info.value) and words in str(info.value)


def test_slug_must_match_folder(tmp_path):
    path = write(tmp_path, MINIMAL.replace('slug = "{slug}"', 'slug = "99-other"'))
    with pytest.raises(SpecError, match="must equal the folder name"):
        load_spec(path)


def test_invalid_toml_is_reported(tmp_path):
    path = write(tmp_path, "slug = ")
    with pytest.raises(SpecError, match="not valid TOML"):
        load_spec(path)


def test_task_reference_must_be_earlier(tmp_path):
    text = MINIMAL.replace('call = "f"', 'call = "f"\nargs = ["@later"]')
    with pytest.raises(SpecError, match="must name an earlier task"):
        load_spec(write(tmp_path, text))


def test_every_shipped_assignment_loads(root):
    from autograder.registry import discover

    for path in discover(root):
        spec = load_assignment(path.parent)
        assert spec.checks and spec.public_checks() and spec.total_points > 0


def test_extra_packages_are_read(tmp_path):
    spec = load_spec(write(tmp_path, MINIMAL.replace('module = "m.py"', 'module = "m.py"\npackages = ["pandas"]')))
    assert spec.packages == ("pandas",)


METRIC = MINIMAL + '''
[[checks]]
name = "auc"
question = "q1"
kind = "metric"
points = 1
tasks = ["t1"]
params = { metric = "areaUnderROC", min = 0.79 }
'''


def test_declared_params_load(tmp_path):
    spec = load_spec(write(tmp_path, METRIC))
    assert dict(spec.checks[1].params) == {"metric": "areaUnderROC", "min": 0.79}


@pytest.mark.parametrize("params, key, words", [
    ('metric = "areaUnderROC", mn = 0.79', "checks[1].params.mn",
     "unknown param of check 'auc' (kind metric); its params are: max, metric, min"),
    ('metric = "areaUnderROC", min = "0.79"', "checks[1].params.min", "check 'auc' (kind metric): must be a number"),
    ('metric = "areaUnderROC", min = true', "checks[1].params.min", "must be a number, got True"),
    ('metric = "auc", min = 0.79', "checks[1].params.metric", "must be one of areaUnderPR, areaUnderROC"),
    ('min = 0.79', "checks[1].params.metric", "check 'auc' (kind metric) needs this param"),
    ('metric = "areaUnderROC"', "checks[1].params",
     "check 'auc' (kind metric) needs at least one of the params min, max: without them it could not fail"),
])
def test_check_params_are_held_to_their_declaration(tmp_path, params, key, words):
    path = write(tmp_path, METRIC.replace('metric = "areaUnderROC", min = 0.79', params))
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert info.value.key == key
    assert str(path) in str(info.value) and words in str(info.value)


def test_list_items_are_typed(tmp_path):
    text = METRIC.replace('kind = "metric"', 'kind = "schema"').replace(
        'metric = "areaUnderROC", min = 0.79', 'no_nulls = ["a", 3]')
    with pytest.raises(SpecError, match=r"checks\[1\]\.params\.no_nulls: check 'auc' \(kind schema\): "
                                        r"must be a list of strings"):
        load_spec(write(tmp_path, text))


def test_custom_checks_pass_their_own_params_on(tmp_path):
    text = METRIC.replace('kind = "metric"', 'kind = "custom"').replace(
        'metric = "areaUnderROC", min = 0.79', 'judge = "judges:j", margin = 0.01')
    assert dict(load_spec(write(tmp_path, text)).checks[1].params) == {"judge": "judges:j", "margin": 0.01}
    with pytest.raises(SpecError, match=r"checks\[1\]\.params\.judge: .*needs this param"):
        load_spec(write(tmp_path, text.replace('judge = "judges:j", ', ""), slug="02-y"))


def test_every_param_of_the_shipped_specs_is_declared(root):
    """Each key a shipped (or test fixture) check uses is one its kind declares, so the declarations, the
    guide and the judges agree."""
    from autograder.registry import discover

    paths = discover(root) + discover(Path(__file__).parent / "fixtures" / "root")
    assert len(paths) >= 7
    for path in paths:
        for check in load_spec(path).checks:
            kind = KINDS[check.kind]
            declared = {p.name for p in kind.params}
            assert kind.open_params or set(check.params) <= declared, (path, check.name)


def test_every_declared_kind_has_a_judge_and_the_spec_compiles_without_the_check_library():
    """The kinds the spec accepts are exactly the kinds the check library judges, and loading a spec never
    imports the check library (which imports the spec: the declarations are the seam)."""
    import subprocess
    import sys

    assert set(KINDS) == set(CHECK_KINDS)
    code = ("import sys; from autograder.registry import load_assignment; load_assignment('02-pipelines'); "
            "print(sorted(m for m in sys.modules if m.startswith('autograder.checks')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out


def test_declared_defaults_are_filled_in_when_the_spec_is_loaded(tmp_path):
    """A judge reads ``check.params[key]``: a key the spec leaves out holds its declared default, and a key
    whose default is None stays absent (absent is its meaning)."""
    spec = load_assignment("02-pipelines")
    for check in spec.checks:
        for param in KINDS[check.kind].params:
            if param.default is not None:
                assert param.name in check.params, (check.name, param.name)
    text = (spec.path / "assignment.toml").read_text(encoding="utf-8")
    pipeline = next(c for c in spec.checks if c.kind == "pipeline" and "input_task" not in c.params)
    assert "artifact" not in text and pipeline.params["artifact"] == "stage"
    assert "input_task" not in pipeline.params and pipeline.params["all_used"] is False


def test_a_task_plan_carries_every_dependency_resolved_by_the_spec():
    """The ``@<task>`` rule is read once (TaskSpec.references): the plan a child runs holds the positional and
    keyword references and the declared needs, and the child's sequencer reads them as they are."""
    from autograder.harness.sealing import TaskPlan

    spec = load_assignment("05-tuning")
    for task in spec.tasks:
        plan = TaskPlan.from_dict(task.plan())
        assert set(plan.needs) == task.dependencies()
        assert set(task.references()) <= set(plan.needs)
    assert any(task.references() for task in spec.tasks) and any(task.needs for task in spec.tasks)
