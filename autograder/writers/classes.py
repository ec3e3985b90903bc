"""Class-level outputs of ``sparkgrade grade --class``, chosen by name (``--outputs``); none knows the others.

Each output is a function ``(out, spec, reports) -> files written``: ``out`` is the class's output folder,
``reports`` every student's full report by student name. Every file is written atomically.

- ``gradebook``: ``gradebook.csv``, one row per student (SID, score, percent, the checks the grader could not
  grade), one column per check;
- ``canvas``: ``canvas.csv``, the total per student in Canvas's gradebook import layout; blank for a student
  with a check the grader could not grade (that total is not final, so it is not imported);
- ``summary``: ``summary.csv`` (pass count per check) and ``summary.png`` (score histogram, pass rate per check).

Every text cell of every CSV (headers included) follows OWASP's rule against formula injection (:func:`csv_cell`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from autograder.errors import SparkgradeError
from autograder.results import GradeReport, Status
from autograder.spec import AssignmentSpec


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file; text is UTF-8, and a character UTF-8 cannot
    hold (a lone surrogate) is written as ``?`` rather than failing the write."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data.encode("utf-8", "replace") if isinstance(data, str) else data)
    tmp.replace(path)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A cell as written to a CSV: text that a spreadsheet would read as a formula (it begins with
    ``= + - @``, a tab or a carriage return, also after leading spaces or quotes) gets a leading single
    quote (OWASP's rule against CSV injection); anything else is unchanged."""
    if isinstance(value, str) and (value.startswith(FORMULA_STARTS)
                                   or value.lstrip(" \t\r\n\"'").startswith(FORMULA_STARTS)):
        return "'" + value
    return value


def csv_text(frame) -> str:
    """``frame`` as CSV text (RFC 4180 line ends), every text cell and header through :func:`csv_cell`."""
    safe = frame.copy()
    safe.columns = [csv_cell(c) for c in frame.columns]
    for i, dtype in enumerate(safe.dtypes):
        if dtype == object:
            safe.isetitem(i, safe.iloc[:, i].map(csv_cell))
    return safe.to_csv(index=False, lineterminator="\r\n")      # RFC 4180: a CR in a cell is quoted too


GRADER_ERRORS = "Grader errors"
TO_REVIEW = "To review"         # checks flagged for the instructor (e.g. a metric far beyond the reference's)


def gradebook_frame(spec: AssignmentSpec, reports: dict[str, GradeReport]):
    """One row per student (sorted), one column per check of the spec."""
    import pandas as pd

    rows = []
    for student, report in sorted(reports.items()):
        row = {"SID": student, "Score": report.score, "Max Score": report.max_score,
               "Percent": round(100 * report.score / report.max_score, 2) if report.max_score else 0.0,
               GRADER_ERRORS: "; ".join(c.name for c in report.grader_errors),
               TO_REVIEW: "; ".join(c.name for c in report.flagged)}
        row.update({c.name: c.score for c in report.checks})
        rows.append(row)
    columns = ["SID", "Score", "Max Score", "Percent", GRADER_ERRORS, TO_REVIEW] + [c.name for c in spec.checks]
    return pd.DataFrame(rows, columns=columns)


def write_gradebook(out: Path, spec: AssignmentSpec, reports: dict[str, GradeReport]) -> tuple[Path, ...]:
    atomic_write(out / "gradebook.csv", csv_text(gradebook_frame(spec, reports)))
    return (out / "gradebook.csv",)


def write_canvas(out: Path, spec: AssignmentSpec, reports: dict[str, GradeReport]) -> tuple[Path, ...]:
    import pandas as pd

    frame = gradebook_frame(spec, reports)
    # Not final while the grader owes a check or the instructor a review: left blank, so not imported.
    final = frame["Score"].where((frame[GRADER_ERRORS] == "") & (frame[TO_REVIEW] == ""))
    canvas = pd.DataFrame({"Student": frame["SID"], "ID": "", "SIS User ID": "", "SIS Login ID": frame["SID"],
                           "Section": "", f"{spec.title} ({spec.slug})": final})
    atomic_write(out / "canvas.csv", csv_text(canvas))
    return (out / "canvas.csv",)


def write_summary(out: Path, spec: AssignmentSpec, reports: dict[str, GradeReport]) -> tuple[Path, ...]:
    import pandas as pd

    summary = pd.DataFrame([{"check": c.name, "question": c.question, "points": c.points,
                             "passed": sum(_passed(r, c.name) for r in reports.values()),
                             "students": len(reports)} for c in spec.checks])
    atomic_write(out / "summary.csv", csv_text(summary))
    plot_summary(out / "summary.png", spec, gradebook_frame(spec, reports), summary)
    return out / "summary.csv", out / "summary.png"


def _passed(report: GradeReport, check: str) -> bool:
    result = report.by_name().get(check)
    return result is not None and result.status is Status.PASSED


def plot_summary(path: Path, spec: AssignmentSpec, frame, summary) -> None:
    """Total score histogram and pass rate per check, as one PNG."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.hist(frame["Score"], bins=min(20, max(5, len(frame))), range=(0, spec.total_points), color="#4472c4")
    left.set(title=f"{spec.slug}: total scores (n={len(frame)})", xlabel="score", ylabel="students")
    rate = summary["passed"] / summary["students"].clip(lower=1)
    right.barh(summary["check"], rate, color="#70ad47")
    right.set(title="share of students passing each check", xlim=(0, 1))
    right.invert_yaxis()
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, metadata={"Software": None})
    plt.close(fig)
    atomic_write(path, buffer.getvalue())


CLASS_OUTPUTS: dict[str, Callable[[Path, AssignmentSpec, dict[str, GradeReport]], tuple[Path, ...]]] = {
    "gradebook": write_gradebook,
    "canvas": write_canvas,
    "summary": write_summary,
}


def class_outputs(names: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The chosen outputs in registry order, from a comma-separated list or a sequence of names; an unknown
    name (or none at all) is an error naming the known ones."""
    chosen = [n.strip() for n in (names.split(",") if isinstance(names, str) else names) if n.strip()]
    unknown = [n for n in chosen if n not in CLASS_OUTPUTS]
    if unknown or not chosen:
        what = f"unknown class output{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}" \
            if unknown else "no class output given"
        raise SparkgradeError(f"{what}: choose from {', '.join(CLASS_OUTPUTS)} (comma-separated)")
    return tuple(n for n in CLASS_OUTPUTS if n in chosen)


def write_class_outputs(out: Path, spec: AssignmentSpec, reports: dict[str, GradeReport],
                        names=tuple(CLASS_OUTPUTS)) -> dict[str, tuple[Path, ...]]:
    """Write the chosen outputs (default: all); the files each wrote, by name."""
    return {name: CLASS_OUTPUTS[name](out, spec, reports) for name in class_outputs(names)}
