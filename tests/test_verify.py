"""verify's values table (autograder/verify.py): each metric's threshold beside the reference's value and
each mutant's, so an instructor sees which side of the threshold every mutant fell on."""

from __future__ import annotations

from dataclasses import replace

from autograder.registry import load_assignment
from autograder.results import CheckResult, GradeReport
from autograder.verify import Expectation, mutant_values, values_table


def graded(submission: str, value: float, passed: bool) -> Expectation:
    measured = {"value": value, "low": value - 0.02, "high": value + 0.02, "rows": 4000}
    verdict = CheckResult.passed("ok", measured=measured) if passed else CheckResult.failed("low", measured=measured)
    report = GradeReport("02-pipelines", submission, (replace(verdict, name="q3_auc"),))
    return Expectation("02-pipelines", submission, report, ())


def test_each_mutant_s_value_is_shown_beside_the_reference_s():
    spec = load_assignment("02")
    results = [graded("reference", 0.8235, True), graded("mutant:no_scaler", 0.8012, True),
               graded("mutant:unfitted", 0.5, False), graded("stub", 0.0, False)]
    assert mutant_values(results, "02-pipelines", "q3_auc") == "no_scaler 0.8012, unfitted 0.5000"
    table = values_table([spec], results)
    assert "0.8235" in table and "no_scaler 0.8012, unfitted 0.5000" in table and "stub" not in table
    assert mutant_values(results, "02-pipelines", "another_check") == "-"
