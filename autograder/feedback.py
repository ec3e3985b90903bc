"""What a student may see of a report, following Gradescope's visibility rules.

- ``visible`` checks are shown in full (status, points, message, hint);
- ``hidden`` checks are never shown: only their name, their points and that they were graded;
- ``after_due_date`` / ``after_published`` checks are shown once the instructor releases them
  (``release``: ``none``, ``due_date`` or ``published``); until then the total is withheld too,
  as Gradescope does;
- internal notes (the sandbox's state, the engine used, grader problems) are for the instructor only;
- a ``withheld`` check (its task ran while hidden inputs were in the submission's reach, see
  :mod:`autograder.harness.student_phase`) shows its status and points when shown, but a generic message
  (:func:`student_text`) instead of its own message and hint, which may quote what the submission read.

The instructor's view keeps everything. Code that adds an internal note to a report starts it with
one of :data:`INTERNAL_PREFIXES` (``"instructor: ..."`` for new ones).
"""

from __future__ import annotations

from typing import Any

from autograder.results import CheckResult, GradeReport, Status

RELEASES = {
    "none": frozenset({"visible"}),
    "due_date": frozenset({"visible", "after_due_date"}),
    "published": frozenset({"visible", "after_due_date", "after_published"}),
}
WITHHELD = {
    "hidden": "hidden check: graded, but its result is not shown to students",
    "after_due_date": "result shown after the due date",
    "after_published": "result shown once grades are published",
}
WHEN = {"after_due_date": "after the due date", "after_published": "once grades are published"}
INTERNAL_PREFIXES = ("instructor:", "sandbox:", "graded with local Spark instead of", "graded again with local Spark")
INTERNAL_PHRASES = ("scoring request(s) were refused",)
WITHHELD_TEXT = {
    Status.PASSED: "passed; its details are not shown (it ran with inputs students do not see)",
    Status.FAILED: "this check failed; its details are not shown (it ran with inputs students do not see)",
    Status.ERROR: "this check could not be graded because of a problem on the grader's side; its details are "
                  "not shown (it ran with inputs students do not see)",
}


def is_internal(note: str) -> bool:
    """Whether a report note is meant for the instructor only."""
    return note.startswith(INTERNAL_PREFIXES) or any(p in note for p in INTERNAL_PHRASES)


def student_notes(report: GradeReport) -> list[str]:
    return [n for n in report.notes if not is_internal(n)]


def internal_notes(report: GradeReport) -> list[str]:
    return [n for n in report.notes if is_internal(n)]


def student_text(check: CheckResult) -> tuple[str, str]:
    """The message and hint a student may read of a shown check: its own, or for a withheld check a
    generic message and no hint."""
    if check.withheld:
        return WITHHELD_TEXT[check.status], ""
    return check.message, check.hint


def withheld_details(report: GradeReport) -> list[str]:
    """The withheld checks' own messages, for the instructor's log."""
    return [f"instructor: {c.name} (withheld from students): {c.message}" + (f" Hint: {c.hint}" if c.hint else "")
            for c in report.checks if c.withheld]


def view(report: GradeReport, student: str, release: str = "none", instructor: bool = False) -> dict[str, Any]:
    """The report as plain data for one reader: the student (per ``release``) or the instructor (all)."""
    if release not in RELEASES:
        raise ValueError(f"release must be one of {', '.join(RELEASES)}, not {release!r}")
    released = RELEASES[release]
    checks = []
    for c in report.checks:
        row = {"name": c.name, "question": c.question, "visibility": c.visibility, "max_score": c.max_score,
               "shown": instructor or c.visibility in released}
        if row["shown"]:
            message, hint = (c.message, c.hint) if instructor else student_text(c)
            row.update(status=c.status.value, score=c.score, message=message, hint=hint, flag=c.flag)
            if instructor and c.withheld:
                row["withheld"] = True
        else:
            row["note"] = WITHHELD.get(c.visibility, WITHHELD["hidden"])
        checks.append(row)
    withheld = sorted({r["visibility"] for r in checks if not r["shown"] and r["visibility"] in WHEN})
    return {"assignment": report.assignment, "student": student,
            "score": None if withheld else report.score, "max_score": report.max_score,
            "score_note": f"your total is shown {' and '.join(WHEN[v] for v in withheld)}" if withheld else "",
            "checks": checks, "notes": list(report.notes) if instructor else student_notes(report)}
