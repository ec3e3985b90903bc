"""Feedback respects visibility: a student's files show visible checks fully, never a hidden check's
message, hint or threshold, and no internal note; the instructor's copy keeps everything."""

import json

import pytest

from autograder.batch import INSTRUCTOR, finished_report, write_feedback
from autograder.feedback import is_internal, view
from autograder.registry import load_assignment
from autograder.results import CheckResult, GradeReport, Status
from autograder.writers import WRITERS

SANDBOX = "sandbox: no namespaces (unprivileged user namespaces are disabled); permissions only"
SECRET = "AUC 0.61 on the held-out rows, required >= 0.79"


def report(*visibilities):
    checks = [CheckResult("q1_fit", Status.FAILED, 0, 2, "fit() was never called", "call pipeline.fit(train)", "q1")]
    for i, vis in enumerate(visibilities):
        checks.append(CheckResult(f"q2_auc_{i}", Status.FAILED, 0, 3, SECRET, "the label leaks into the features",
                                  "q2", vis))
    checks.append(CheckResult("q3_saved", Status.PASSED, 1, 1, "saved", question="q3", visibility="hidden"))
    notes = (SANDBOX, "graded with local Spark instead of the shared Spark Connect engine: ...",
             "while loading the submission: NameError: name 'spark' is not defined",
             "instructor: box of 768 MB")
    return GradeReport("02-pipelines", "alice.py", tuple(checks), 12.0, notes)


def student_text(out, student="alice"):
    return (out / student / "report.md").read_text() + (out / student / "report.json").read_text()


def test_hidden_checks_never_show_messages_hints_or_thresholds(tmp_path):
    full = report("hidden")
    write_feedback(tmp_path, "alice", full)
    text = student_text(tmp_path)
    for leak in (SECRET, "0.79", "the label leaks", SANDBOX, "local Spark", "box of 768", "instructor:"):
        assert leak not in text, leak
    for shown in ("fit() was never called", "call pipeline.fit(train)", "NameError", "q2_auc_0 (hidden)",
                  "hidden check: graded, but its result is not shown", "**Score: 1 / 6**"):
        assert shown in text, shown
    mine = json.loads((tmp_path / "alice" / "report.json").read_text())
    hidden = [c for c in mine["checks"] if c["visibility"] == "hidden"]
    assert hidden and all(set(c) == {"name", "question", "visibility", "max_score", "shown", "note"} for c in hidden)


def test_the_instructor_copy_keeps_everything(tmp_path):
    full = report("hidden")
    write_feedback(tmp_path, "alice", full)
    assert finished_report(tmp_path, "alice", load_assignment("02")) == full
    text = (tmp_path / INSTRUCTOR / "alice.md").read_text()
    for kept in (SECRET, "the label leaks", SANDBOX, "box of 768"):
        assert kept in text


@pytest.mark.parametrize("release, shown, total", [("none", False, None), ("due_date", True, 1.0),
                                                   ("published", True, 1.0)])
def test_after_due_date_checks_follow_the_release(release, shown, total):
    mine = view(report("after_due_date"), "alice", release)
    delayed = next(c for c in mine["checks"] if c["visibility"] == "after_due_date")
    assert delayed["shown"] is shown and (SECRET in json.dumps(mine)) is shown
    assert mine["score"] == total and (mine["score_note"] == "") is shown


def test_after_published_waits_for_publication():
    assert "once grades are published" in view(report("after_published"), "a", "due_date")["score_note"]
    assert view(report("after_published"), "a", "published")["score"] == 1.0


def test_student_files_are_refreshed_only_when_they_change(tmp_path):
    full = report("after_due_date")
    write_feedback(tmp_path, "alice", full)
    stamps = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    write_feedback(tmp_path, "alice", full)
    assert stamps == {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    write_feedback(tmp_path, "alice", full, release="due_date")
    assert SECRET in student_text(tmp_path)
    assert (tmp_path / INSTRUCTOR / "alice.json").stat().st_mtime_ns == stamps[tmp_path / INSTRUCTOR / "alice.json"]


def test_gradescope_output_carries_no_internal_note():
    data = json.loads(WRITERS["gradescope"](report("hidden")))
    assert data["output"] == "while loading the submission: NameError: name 'spark' is not defined"
    assert [t["visibility"] for t in data["tests"]] == ["visible", "hidden", "hidden"]
    assert SECRET in data["tests"][1]["output"]          # Gradescope hides the test itself


def test_internal_notes():
    assert is_internal(SANDBOX) and is_internal("instructor: anything")
    assert not is_internal("ignored conftest.py: files that change how Python or the grader start are not accepted")


HIDDEN_ROW = '[107, 9.0, -3.0, "negative denominator"]'


def withheld_report():
    """Checks whose tasks ran while hidden inputs were in the submission's reach (their text quotes them)."""
    from dataclasses import replace

    base = report("after_due_date", "visible")
    checks = [replace(c, withheld=True, message=f"RuntimeError: {HIDDEN_ROW}", hint=f"see {HIDDEN_ROW}")
              if c.name.startswith("q2_auc") else c for c in base.checks]
    return replace(base, checks=tuple(checks))


@pytest.mark.parametrize("release", ["none", "published"])
def test_withheld_checks_show_a_generic_message_to_students(tmp_path, release):
    full = withheld_report()
    write_feedback(tmp_path, "alice", full, release)
    text = student_text(tmp_path)
    assert HIDDEN_ROW not in text and "negative denominator" not in text
    assert "this check failed; its details are not shown" in text
    assert "fit() was never called" in text                      # a check that is not withheld keeps its text
    gradescope = WRITERS["gradescope"](full)
    assert HIDDEN_ROW.replace('"', '\\"') not in gradescope and "negative denominator" not in gradescope
    mine = view(full, "alice", release)
    shown = [c for c in mine["checks"] if c["name"].startswith("q2_auc") and c["shown"]]
    assert shown and all(c["status"] == "failed" and c["hint"] == "" and "withheld" not in c for c in shown)


def test_the_instructor_keeps_the_withheld_text(tmp_path):
    from autograder.feedback import withheld_details

    full = withheld_report()
    write_feedback(tmp_path, "alice", full)
    assert HIDDEN_ROW in (tmp_path / INSTRUCTOR / "alice.md").read_text()
    assert "negative denominator" in (tmp_path / INSTRUCTOR / "alice.json").read_text()
    mine = view(full, "alice", instructor=True)
    assert [c["withheld"] for c in mine["checks"] if c["name"].startswith("q2_auc")] == [True, True]
    assert len(withheld_details(full)) == 2 and all(HIDDEN_ROW in d for d in withheld_details(full))


def test_reports_written_before_withheld_existed_still_load():
    from autograder.results import GradeReport

    data = withheld_report().to_dict()
    for c in data["checks"]:
        del c["withheld"]
    assert not any(c.withheld for c in GradeReport.from_dict(data).checks)
