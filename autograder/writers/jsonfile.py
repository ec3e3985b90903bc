"""The report as JSON (the round-trippable form of GradeReport)."""

from __future__ import annotations

from autograder.results import GradeReport


def render(report: GradeReport) -> str:
    return report.to_json() + "\n"
