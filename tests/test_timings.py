"""The --timings breakdown: spans in order, indented parts, shares of the total, and the report's JSON."""

from types import SimpleNamespace

from autograder.results import GradeReport
from autograder.runner import child_rows
from autograder.timings import Timings, sequence_rows, table


def test_spans_and_parts_in_order():
    t = Timings()
    with t.span("stage"):
        pass
    seq = SimpleNamespace(load_seconds=[2.5, 1.0], verdicts={"a": {"status": "ok", "seconds": 3.0},
                                                            "b": {"status": "skipped", "message": "not run"}})
    rows = sequence_rows(seq, "start", "task")
    assert rows == [("start", 2.5), ("start", 1.0), ("task a", 3.0)]     # a task never ordered has no span
    t.add("phase", 7.0)
    t.rows += child_rows(rows, {"session_s": 1.5, "seconds": 2.0})
    assert [name for name, _ in t.rows] == ["stage", "phase", "  start", "    Spark session (as the child reports it)",
                                            "    submission import (as the child reports it)", "  start", "  task a"]
    text = table(t.rows, 10.0)
    assert "  task a" in text and " 30.0%" in text and text.splitlines()[-1].split() == ["total", "10.00"]


def test_timings_survive_the_json_report():
    report = GradeReport("02-pipelines", "s.py", (), seconds=3.0, timings=(("student phase", 2.0),))
    again = GradeReport.from_dict(report.to_dict())
    assert again.timings == (("student phase", 2.0),) and report.to_dict()["timings"][0]["span"] == "student phase"
