"""A readable table of one report, for terminals."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from autograder.results import GradeReport, Status

STYLE = {Status.PASSED: "green", Status.FAILED: "red", Status.ERROR: "yellow"}


def render(report: GradeReport, width: int = 120) -> str:
    table = Table(title=f"{report.assignment}: {report.submission}", show_lines=False)
    for col in ("check", "status", "score", "message"):
        table.add_column(col, overflow="fold")
    for c in report.checks:
        message = c.message + (f"\nhint: {c.hint}" if c.hint and c.status is not Status.PASSED else "")
        table.add_row(f"{c.name}{' (hidden)' if c.visibility != 'visible' else ''}",
                      f"[{STYLE[c.status]}]{c.status.value}[/]", f"{c.score:g}/{c.max_score:g}", message)
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=False, force_jupyter=False, color_system=None)
    console.print(table)
    for note in report.notes:
        console.print(f"note: {note}")
    console.print(f"total: {report.score:g}/{report.max_score:g} in {report.seconds:.1f} s")
    return buffer.getvalue()
