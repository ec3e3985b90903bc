"""A box that holds one grading JVM at a time (the grader says so in the children's environment,
``autograder.box.JVMS_AT_ONCE_ENV``): a task's process (06's spark-submit) runs with the student process's
JVM ended and a new session after it, and a probe's processes (06's stream, its restart and the server) run
with no JVM of the scoring process beside them. The grade is the same as with JVMs side by side."""

import pytest

from autograder.box import JVMS_AT_ONCE_ENV
from autograder.mutants import solution_file
from autograder.registry import load_assignment

pytestmark = pytest.mark.slow


def test_06_reference_scores_full_marks_one_jvm_at_a_time(grader, root, monkeypatch):
    # q2-q4: the batch job under spark-submit and its rerun, the killed and restarted stream, the server
    monkeypatch.setenv(JVMS_AT_ONCE_ENV, "1")
    spec = load_assignment("06-deploy")
    report = grader.grade(spec, solution_file(spec, root), questions=("q2", "q3", "q4"))
    lost = [(c.name, c.status.value, c.message) for c in report.checks if c.score < c.max_score]
    assert report.checks and {c.question for c in report.checks} == {"q2", "q3", "q4"}, report.checks
    assert not lost and report.score == report.max_score, lost
