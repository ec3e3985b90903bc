"""Class-level outputs (gradebook, canvas, summary) chosen by name: `grade --class --outputs` writes only the
chosen ones, an unknown name is refused before anything is graded; no Spark (every student is graded already)."""

import csv
import dataclasses

import pandas as pd
import pytest

from autograder.batch import write_feedback
from autograder.cli import main
from autograder.errors import SparkgradeError
from autograder.registry import load_assignment
from autograder.results import CheckResult, GradeReport, Status
from autograder.writers import CLASS_OUTPUTS
from autograder.writers.classes import atomic_write, class_outputs, write_class_outputs

ALL_FILES = {"gradebook.csv", "canvas.csv", "summary.csv", "summary.png"}


def reports(spec):
    def report(passing: bool) -> GradeReport:
        checks = tuple(CheckResult(c.name, Status.PASSED if passing else Status.FAILED, c.points if passing else 0,
                                   c.points, "", question=c.question, visibility=c.visibility) for c in spec.checks)
        return GradeReport(spec.slug, "x.py", checks, 1.0)

    return {"alice": report(True), "bob": report(False)}


def graded_class(tmp_path, spec):
    """A class folder whose every student already has an instructor's copy in the output folder."""
    klass, out = tmp_path / "class", tmp_path / "graded"
    klass.mkdir()
    for student, report in reports(spec).items():
        (klass / f"{student}.py").write_text("")
        write_feedback(out, student, report)
    return klass, out


def class_files(out):
    return {p.name for p in out.iterdir() if p.is_file()}


def test_outputs_gradebook_writes_only_the_gradebook(tmp_path, capsys):
    spec = load_assignment("02")
    klass, out = graded_class(tmp_path, spec)
    assert main(["grade", "02", str(klass), "--class", "--out", str(out), "--outputs", "gradebook"]) == 0
    assert class_files(out) == {"gradebook.csv"}
    assert "skipped 2 already graded, in" in capsys.readouterr().out
    book = pd.read_csv(out / "gradebook.csv").set_index("SID")
    assert book.loc["alice", "Score"] == spec.total_points and book.loc["bob", "Score"] == 0
    assert list(book.columns) == ["Score", "Max Score", "Percent", "Grader errors", "To review"] + [c.name for c in spec.checks]
    assert (out / "alice" / "report.json").exists()           # feedback files are not class-level outputs


def test_by_default_every_class_output_is_written(tmp_path):
    spec = load_assignment("02")
    klass, out = graded_class(tmp_path, spec)
    assert main(["grade", "02", str(klass), "--class", "--out", str(out)]) == 0
    assert class_files(out) == ALL_FILES


def test_an_unknown_output_is_refused_with_the_known_names(tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["grade", "02", str(tmp_path), "--class", "--out", str(tmp_path / "graded"),
              "--outputs", "gradebook,grades"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "unknown class output 'grades'" in err and "gradebook, canvas, summary" in err
    assert not (tmp_path / "graded").exists()


def test_outputs_are_chosen_in_registry_order_and_write_their_files(tmp_path):
    assert class_outputs("summary, canvas,summary") == ("canvas", "summary")
    assert class_outputs(list(CLASS_OUTPUTS)) == tuple(CLASS_OUTPUTS)
    with pytest.raises(SparkgradeError, match="no class output given"):
        class_outputs(" , ")
    spec = load_assignment("02")
    written = write_class_outputs(tmp_path, spec, reports(spec), "summary,canvas")
    assert {n: [p.name for p in files] for n, files in written.items()} == \
        {"canvas": ["canvas.csv"], "summary": ["summary.csv", "summary.png"]}
    assert class_files(tmp_path) == {"canvas.csv", "summary.csv", "summary.png"}
    canvas = pd.read_csv(tmp_path / "canvas.csv")
    assert list(canvas.columns) == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                                    f"{spec.title} ({spec.slug})"]
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert list(summary["passed"]) == [1] * len(spec.checks) and list(summary["students"]) == [2] * len(spec.checks)


def test_a_grader_error_is_named_left_out_of_canvas_and_graded_again(tmp_path):
    """A student whose check the grader could not grade: the gradebook names the check, canvas.csv leaves the
    (not final) total blank so it is not imported, and the next run grades that student again."""
    from autograder.batch import finished_report

    spec = load_assignment("02")
    graded = reports(spec)
    first = graded["alice"].checks[0]
    broken = CheckResult(first.name, Status.ERROR, 0, first.max_score, "the scoring process died",
                         question=first.question, visibility=first.visibility)
    graded["carol"] = GradeReport(spec.slug, "x.py", (broken,) + graded["alice"].checks[1:], 1.0)
    out = tmp_path / "graded"
    for student, report in graded.items():
        write_feedback(out, student, report)
    write_class_outputs(out, spec, graded, class_outputs(["gradebook", "canvas"]))
    book = pd.read_csv(out / "gradebook.csv", keep_default_na=False).set_index("SID")
    assert book.loc["carol", "Grader errors"] == first.name and book.loc["alice", "Grader errors"] == ""
    assert book.loc["carol", "Score"] == spec.total_points - first.max_score
    canvas = pd.read_csv(out / "canvas.csv").set_index("SIS Login ID")
    total = f"{spec.title} ({spec.slug})"
    assert pd.isna(canvas.loc["carol", total])
    assert canvas.loc["alice", total] == spec.total_points and canvas.loc["bob", total] == 0
    assert finished_report(out, "carol", spec) is None
    assert finished_report(out, "alice", spec) == graded["alice"]


def test_a_flagged_check_keeps_its_points_is_named_for_review_and_left_out_of_canvas(tmp_path):
    """A metric far beyond the reference's: the points stand in the gradebook, which names the check under
    "To review"; canvas.csv leaves the total blank until the instructor decides; the student reads why."""
    from autograder.writers.gradescope import to_gradescope

    spec = load_assignment("02")
    graded = reports(spec)
    last = graded["alice"].checks[-1]
    flagged = dataclasses.replace(last, flag="areaUnderROC 1.0000 is above what the reference solution reaches")
    graded["dave"] = GradeReport(spec.slug, "x.py", graded["alice"].checks[:-1] + (flagged,), 1.0)
    out = tmp_path / "graded"
    write_class_outputs(out, spec, graded, class_outputs(["gradebook", "canvas"]))
    book = pd.read_csv(out / "gradebook.csv", keep_default_na=False).set_index("SID")
    assert book.loc["dave", "To review"] == last.name and book.loc["alice", "To review"] == ""
    assert book.loc["dave", "Score"] == spec.total_points
    canvas = pd.read_csv(out / "canvas.csv").set_index("SIS Login ID")
    total = f"{spec.title} ({spec.slug})"
    assert pd.isna(canvas.loc["dave", total]) and canvas.loc["alice", total] == spec.total_points
    shown = to_gradescope(graded["dave"])["tests"][-1]["output"]
    assert "[to be reviewed] areaUnderROC 1.0000" in shown
    assert GradeReport.from_dict(graded["dave"].to_dict()).flagged[0].flag == flagged.flag


HOSTILE_NAMES = ["=2+5+cmd|' -C calc'!A0", "+1", "-2", "@SUM(A1:A9)", "\tTab", "\rCR", "  =spaced", "\"=quoted\"",
                 "'=quoted"]


def test_every_csv_cell_that_a_spreadsheet_would_run_starts_with_a_quote(tmp_path):
    """OWASP's rule against CSV injection: student names (an entry named `=2+5+cmd|' -C calc'!A0.py` was the
    first cell of its row), check names and headers beginning with = + - @ TAB CR (also after spaces or
    quotes) get a leading single quote; other text and numbers are unchanged."""
    spec = load_assignment("02")
    first = spec.checks[0]
    hostile = dataclasses.replace(spec, checks=(dataclasses.replace(first, name="=HYPERLINK(\"x\")"), *spec.checks[1:]))
    passing = reports(spec)["alice"]
    report = dataclasses.replace(passing, checks=(dataclasses.replace(passing.checks[0], name="=HYPERLINK(\"x\")",
                                                                       status=Status.ERROR, score=0),
                                                  *passing.checks[1:]))
    written = write_class_outputs(tmp_path, hostile, {name: report for name in [*HOSTILE_NAMES, "alice"]})
    book = pd.read_csv(tmp_path / "gradebook.csv", keep_default_na=False)
    assert sorted(book["SID"]) == sorted(["'" + n for n in HOSTILE_NAMES] + ["alice"])
    assert "'=HYPERLINK(\"x\")" in book.columns and set(book["Grader errors"]) == {"'=HYPERLINK(\"x\")"}
    assert book["Max Score"].dtype.kind in "if"                     # numbers stay numbers
    canvas = pd.read_csv(tmp_path / "canvas.csv", keep_default_na=False)
    assert sorted(canvas["Student"]) == sorted(canvas["SIS Login ID"]) == sorted(book["SID"])
    summary = pd.read_csv(tmp_path / "summary.csv", keep_default_na=False)
    assert summary["check"][0] == "'=HYPERLINK(\"x\")"
    for path in (p for files in written.values() for p in files if p.suffix == ".csv"):
        with open(path, newline="", encoding="utf-8") as fh:
            cells = [c for row in csv.reader(fh) for c in row]
        assert not [c for c in cells if c.lstrip(" \t\r\"'").startswith(("=", "+", "-", "@")) and not c.startswith("'")]


def test_feedback_with_a_lone_surrogate_and_escapes_is_written(tmp_path):
    """A message the grader did not clean (a last line of defence) never stops a class run: text UTF-8
    cannot hold is written as '?'."""
    spec = load_assignment("02")
    passing = reports(spec)["alice"]
    bad = dataclasses.replace(passing.checks[0], status=Status.FAILED, score=0, message="bad \udcff byte \x1b[31mred")
    report = dataclasses.replace(passing, checks=(bad, *passing.checks[1:]), notes=("note \udcff",))
    write_feedback(tmp_path, "alice", report)
    text = (tmp_path / "alice" / "report.md").read_text(encoding="utf-8")
    assert "bad ? byte" in text
    atomic_write(tmp_path / "x.txt", "\udcff\ud800")
    assert (tmp_path / "x.txt").read_text(encoding="utf-8") == "??"
