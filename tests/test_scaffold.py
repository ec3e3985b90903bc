"""`sparkgrade new`: the skeleton of a new assignment, from a data set, in a course folder of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.cli import main
from autograder.errors import SparkgradeError
from autograder.registry import load_assignment
from autograder.scaffold import create, plan
from autograder.validate import problems


@pytest.fixture
def course(tmp_path, monkeypatch) -> Path:
    """An empty course folder (SPARKGRADE_ROOT) with nothing but its own assignments to come."""
    monkeypatch.setenv("SPARKGRADE_ROOT", str(tmp_path))
    return tmp_path


def fill_in(course: Path, slug: str, module: str) -> None:
    """What the instructor does with the TODOs: prose written, threshold and audit done."""
    toml = course / "assignments" / slug / "assignment.toml"
    lines = [line.replace("TODO: ", "").replace("# TODO", "#") for line in toml.read_text(encoding="utf-8").splitlines()]
    toml.write_text("\n".join(lines) + "\n", encoding="utf-8")
    source = course / "solutions" / slug / module      # the single source: the stub is derived from it
    source.write_text(source.read_text(encoding="utf-8").replace("TODO (instructor): ", ""), encoding="utf-8")


def test_new_writes_a_skeleton_whose_only_problems_are_the_instructor_s_to_do(course, capsys):
    assert main(["new", "07-loans", "--module", "loans.py", "--dataset", "credit", "--label", "status",
                 "--positive", "bad"]) == 0
    assert "sparkgrade verify 07-loans --mutants --record" in capsys.readouterr().out
    spec = load_assignment("07-loans")
    assert "/assignments/07-loans/loans.py" in (course / ".gitignore").read_text().splitlines()
    assert (spec.path / "loans.py").read_text().count('raise NotImplementedError("') == 4    # derived
    assert [q.name for q in spec.questions] == ["q1", "q2", "q3"]
    assert {c.kind for c in spec.checks} == {"pipeline", "metric", "persistence"}
    found = problems(spec, course)
    assert found and all("still has a TODO" in p or "no reference interval" in p for p in found), found
    assert any("title" in p for p in found) and any("loans.py line 1" in p for p in found)
    fill_in(course, "07-loans", "loans.py")
    assert [p for p in problems(load_assignment("07-loans"), course)] == [
        f"metric check 'q2_metric' has no reference interval in {course / 'assignments' / '07-loans' / 'hidden' / 'reference_metrics.json'}: "
        "run `sparkgrade verify 07-loans --record` (a result far beyond the reference's is flagged)"]


def test_a_regression_skeleton_for_a_numeric_label(course):
    data = plan("cars", "miles_per_gallon", None)
    assert not data.classification and "horsepower" in data.numeric and "name" in data.categorical
    create(course, "08-mpg", "mpg.py", data)
    spec = load_assignment("08-mpg")
    metric = next(c for c in spec.checks if c.kind == "metric")
    assert metric.params["metric"] == "rmse" and "max" in metric.params
    reference = (course / "solutions" / "08-mpg" / "mpg.py").read_text(encoding="utf-8")
    assert "LinearRegression(" in reference and "LogisticRegression" not in reference
    # 8 cars have no miles_per_gallon: Spark's learners refuse a null label, so the reference fits without them
    assert data.null_labels == 8 and 'pipeline.fit(train_df.dropna(subset=["label"]))' in reference
    assert "leave them out of the fit" in next(q.prompt for q in spec.questions if "fit_pipeline" in q.functions)


@pytest.mark.parametrize("args, words", [
    (("credit", "status", "unknown"), "--positive 'unknown' matches no row of 'status'"),
    (("credit", "status", None), "'status' is not numeric: give --positive"),
    (("credit", "nothing", None), "data set 'credit' has no column 'nothing'"),
])
def test_wrong_data_settings_are_refused_with_what_to_do(args, words):
    with pytest.raises(SparkgradeError, match=words.replace("(", r"\(").replace(")", r"\)")):
        plan(*args)


def test_nothing_is_overwritten_and_names_are_checked(course):
    data = plan("credit", "status", "bad")
    create(course, "07-loans", "loans.py", data)
    with pytest.raises(SparkgradeError, match="already exists"):
        create(course, "07-loans", "other.py", data)
    with pytest.raises(SparkgradeError, match="two digits"):
        create(course, "loans", "loans.py", data)
    with pytest.raises(SparkgradeError, match="lowercase Python file name"):
        create(course, "09-x", "Loans.PY", data)


@pytest.mark.long
def test_the_filled_in_skeleton_verifies_records_and_validates(course):
    """The whole loop an instructor runs: new, fill in, verify with mutants and --record, validate."""
    main(["new", "07-loans", "--module", "loans.py", "--dataset", "credit", "--label", "status", "--positive", "bad"])
    fill_in(course, "07-loans", "loans.py")
    assert main(["verify", "07-loans", "--mutants", "--record"]) == 0
    assert problems(load_assignment("07-loans"), course) == []
