"""Gradescope ``results.json``: one test per check, with per-test visibility."""

from __future__ import annotations

import json

from autograder.feedback import student_notes, student_text
from autograder.results import GradeReport, Status


def grader_error_notice(report: GradeReport) -> list[str]:
    """A first line for the student when checks could not be graded (Gradescope knows only passed and
    failed, so they show as failed with 0 points): whose problem it is and what happens next. It counts
    hidden checks too, without naming them."""
    errors = report.grader_errors
    if not errors:
        return []
    points = sum(c.max_score for c in errors)
    return [f"{len(errors)} check(s) worth {points:g} point(s) could not be graded because of a problem on the "
            "grader's side, not in your work. They count 0 points for now; your instructor can see why and "
            "will regrade them (you may also submit again)."]


def to_gradescope(report: GradeReport) -> dict:
    """The report in Gradescope's results schema (status passed|failed; errors count as failed). Each test
    keeps its check's visibility, which Gradescope enforces; the top-level output, always visible, carries
    only the notes a student may read (never the internal ones, see :mod:`autograder.feedback`). A
    withheld check's output is the generic message (Gradescope shows a test's output to students once its
    visibility allows, and an ``after_due_date`` test's would carry the hidden inputs)."""
    tests = []
    for number, check in enumerate(report.checks, 1):
        output, hint = student_text(check)
        if check.status is Status.ERROR:
            output = f"[grader error] {output}"
        if hint and check.status is not Status.PASSED:
            output += f"\nHint: {hint}"
        if check.flag:
            output += f"\n[to be reviewed] {check.flag}"
        tests.append({"name": f"{check.question} {check.name}", "number": str(number), "score": check.score,
                      "max_score": check.max_score,
                      "status": "passed" if check.status is Status.PASSED else "failed",
                      "output": output, "output_format": "text", "visibility": check.visibility})
    notes = "\n".join(grader_error_notice(report) + student_notes(report))
    return {"score": report.score, "output": notes, "output_format": "text", "visibility": "visible",
            "stdout_visibility": "hidden", "execution_time": round(report.seconds), "tests": tests}


def render(report: GradeReport) -> str:
    return json.dumps(to_gradescope(report), indent=2) + "\n"
