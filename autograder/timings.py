"""Where one grading's time goes (``sparkgrade grade --timings``): named spans in seconds, in the order
they were measured. The grader measures every span itself; the two parts of a child's start-up that only
the child can see (its Spark session, the submission's import) are the child's own report, shown for
information only."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Timings:
    rows: list[tuple[str, float]] = field(default_factory=list)

    def add(self, name: str, seconds: float) -> None:
        self.rows.append((name, round(float(seconds), 3)))

    @contextmanager
    def span(self, name: str):
        started = time.monotonic()
        try:
            yield
        finally:
            self.add(name, time.monotonic() - started)


def table(rows, total: float) -> str:
    """A plain-text breakdown: one line per span with its share of ``total``; indented names (two spaces)
    are parts of the span above them."""
    width = max([len(name) for name, _ in rows] + [5])
    lines = [f"{'span':<{width}}  {'seconds':>8}  {'share':>6}"]
    for name, seconds in rows:
        lines.append(f"{name:<{width}}  {seconds:8.2f}  {seconds / total:6.1%}" if total > 0 else
                     f"{name:<{width}}  {seconds:8.2f}")
    lines.append(f"{'total':<{width}}  {total:8.2f}")
    return "\n".join(lines)


def sequence_rows(sequencer, started: str, item: str) -> list[tuple[str, float]]:
    """The spans a :class:`autograder.harness.sealing.TaskSequencer` saw: each child's start-up (until its
    first report, named ``started``) and each ordered task (``item`` and its name), as measured by the
    grader."""
    rows = [(started, s) for s in sequencer.load_seconds]
    rows += [(f"{item} {name}", v["seconds"]) for name, v in sequencer.verdicts.items() if "seconds" in v]
    return rows
