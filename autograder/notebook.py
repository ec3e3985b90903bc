"""``grader.check("q1")`` for handout notebooks: runs the public checks of a question on the saved
notebook, in fresh child processes, exactly as the autograder does (nothing runs in your kernel)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from autograder.registry import load_assignment
from autograder.results import GradeReport
from autograder.runner import Grader
from autograder.writers import console


class Notebook:
    """The checker of one handout notebook (``Notebook("02-pipelines", "pipelines.ipynb")``)."""

    def __init__(self, assignment: str, path: str | Path):
        self.assignment = assignment
        self.path = Path(path)

    def _run(self, questions: tuple[str, ...]) -> GradeReport:
        spec = load_assignment(self.assignment)
        if not self.path.is_file():
            raise FileNotFoundError(f"{self.path} not found: run the checks from the notebook's own folder")
        saved = dt.datetime.fromtimestamp(self.path.stat().st_mtime).strftime("%H:%M:%S")
        print(f"Checking the notebook as last saved at {saved} (save it first: Ctrl-S) ...", flush=True)
        report = Grader().grade(spec, self.path, public_only=True, questions=questions)
        print(console.render(report, width=100))
        return report

    def check(self, question: str) -> GradeReport:
        """Run the public checks of one question and print the results."""
        return self._run((question,))

    def check_all(self) -> GradeReport:
        """Run every public check and print the results."""
        return self._run(())
