"""A GitHub-flavoured markdown table of one report (for a job summary, $GITHUB_STEP_SUMMARY)."""

from __future__ import annotations

from autograder.results import GradeReport, Status

MARK = {Status.PASSED: "passed", Status.FAILED: "**failed**", Status.ERROR: "**error**"}


def _cell(text: str) -> str:
    """One table cell: pipes escaped, line breaks as <br>."""
    return "<br>".join(line.strip() for line in text.replace("|", "\\|").strip().splitlines())


def render(report: GradeReport) -> str:
    lines = [f"### {report.assignment}: {report.submission}", "",
             f"**{report.score:g} / {report.max_score:g} points**", "",
             "| check | question | result | points | message |", "| --- | --- | --- | --- | --- |"]
    for c in report.checks:
        message = c.message + (f" Hint: {c.hint}" if c.hint and c.status is not Status.PASSED else "")
        message += f" To be reviewed: {c.flag}" if c.flag else ""
        lines.append(f"| {_cell(c.name)}{' (hidden)' if c.visibility != 'visible' else ''} | {_cell(c.question)} | "
                     f"{MARK[c.status]} | {c.score:g} / {c.max_score:g} | {_cell(message)} |")
    lines += [""] + [f"- note: {_cell(n)}" for n in report.notes]
    return "\n".join(lines).rstrip("\n") + "\n\n"
