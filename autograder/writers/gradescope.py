"""Gradescope ``results.json``: one test per check, with per-test visibility."""

from __future__ import annotations

import json

from autograder.feedback import student_notes
from autograder.results import GradeReport, Status


def to_gradescope(report: GradeReport) -> dict:
    """The report in Gradescope's results schema (status passed|failed; errors count as failed). Each test
    keeps its check's visibility, which Gradescope enforces; the top-level output, always visible, carries
    only the notes a student may read (never the internal ones, see :mod:`autograder.feedback`)."""
    tests = []
    for number, check in enumerate(report.checks, 1):
        output = check.message
        if check.status is Status.ERROR:
            output = f"[grader error] {output}"
        if check.hint and check.status is not Status.PASSED:
            output += f"\nHint: {check.hint}"
        tests.append({"name": f"{check.question} {check.name}", "number": str(number), "score": check.score,
                      "max_score": check.max_score,
                      "status": "passed" if check.status is Status.PASSED else "failed",
                      "output": output, "output_format": "text", "visibility": check.visibility})
    notes = "\n".join(student_notes(report))
    return {"score": report.score, "output": notes, "output_format": "text", "visibility": "visible",
            "stdout_visibility": "hidden", "execution_time": round(report.seconds), "tests": tests}


def render(report: GradeReport) -> str:
    return json.dumps(to_gradescope(report), indent=2) + "\n"
