"""Writers: Gradescope results.json validates against Gradescope's documented schema; JSON round-trips."""

import json

import jsonschema

from autograder.results import CheckResult, GradeReport, Status
from autograder.writers import WRITERS

# Gradescope's results.json (autograder specifications): top-level score or tests, per-test fields.
GRADESCOPE_SCHEMA = {
    "type": "object",
    "required": ["tests"],
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number"},
        "output": {"type": "string"},
        "output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
        "visibility": {"enum": ["visible", "hidden", "after_due_date", "after_published"]},
        "stdout_visibility": {"enum": ["visible", "hidden", "after_due_date", "after_published"]},
        "tests": {"type": "array", "items": {
            "type": "object",
            "required": ["name", "score", "max_score", "status", "output", "visibility"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string"}, "number": {"type": "string"},
                "score": {"type": "number"}, "max_score": {"type": "number"},
                "status": {"enum": ["passed", "failed"]},
                "output": {"type": "string"},
                "output_format": {"enum": ["text", "html", "simple_format", "md", "ansi"]},
                "visibility": {"enum": ["visible", "hidden", "after_due_date", "after_published"]},
            }}},
    },
}


def report():
    checks = (
        CheckResult("a", Status.PASSED, 2, 2, "fine", question="q1"),
        CheckResult("b", Status.FAILED, 0, 3, "AUC 0.61", "scale the features", "q2", "hidden"),
        CheckResult("c", Status.ERROR, 0, 1, "check crashed", question="q2", visibility="after_published"),
    )
    return GradeReport("02-pipelines", "sub.py", checks, 12.5, ("ignored conftest.py",))


def test_gradescope_results_validate_and_keep_visibility():
    data = json.loads(WRITERS["gradescope"](report()))
    jsonschema.validate(data, GRADESCOPE_SCHEMA)
    assert data["score"] == 2
    assert [t["visibility"] for t in data["tests"]] == ["visible", "hidden", "after_published"]
    assert [t["status"] for t in data["tests"]] == ["passed", "failed", "failed"]
    assert "Hint: scale the features" in data["tests"][1]["output"]
    assert data["tests"][2]["output"].startswith("[grader error]")
    assert data["output"].splitlines() == [
        "1 check(s) worth 1 point(s) could not be graded because of a problem on the grader's side, not in your "
        "work. They count 0 points for now; your instructor can see why and will regrade them (you may also "
        "submit again).", "ignored conftest.py"]


def test_without_grader_errors_the_output_is_the_notes_alone():
    checks = tuple(c for c in report().checks if c.status is not Status.ERROR)
    data = json.loads(WRITERS["gradescope"](GradeReport("02-pipelines", "sub.py", checks, 1.0, ("a note",))))
    assert data["output"] == "a note"


def test_json_round_trip():
    original = report()
    assert GradeReport.from_dict(json.loads(WRITERS["json"](original))) == original


def test_console_table_lists_every_check():
    text = WRITERS["console"](report())
    rows = [[cell.strip() for cell in line.strip().strip("│").split("│")]
            for line in text.splitlines() if line.startswith("│")]
    assert rows == [["a", "passed", "2/2", "fine"],
                    ["b (hidden)", "failed", "0/3", "AUC 0.61"],
                    ["", "", "", "hint: scale the features"],
                    ["c (hidden)", "error", "0/1", "check crashed"]]
    assert "note: ignored conftest.py" in text.splitlines()
    assert text.splitlines()[-1] == "total: 2/6 in 12.5 s"
