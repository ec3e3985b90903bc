"""assignment.toml validation: every error names the file and the key."""

from pathlib import Path

import pytest

from autograder.checks import CHECK_KINDS
from autograder.errors import SpecError
from autograder.registry import load_assignment
from autograder.spec import load_spec

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
