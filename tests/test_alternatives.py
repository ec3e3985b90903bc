"""Correct work is recognised: the corpus of alternative solutions (tests/alternatives/corpus.toml).

Each assignment's cases (correct solutions written differently from the reference, and partial solutions)
are graded as ONE class through the batch path (two workers), on the test session's warm Spark Connect
server, or with local Spark where the assignment declares ``spark_connect = false`` (01 needs RDDs, 06 its
own JVM). Every case must earn exactly its declared outcome:

- ``passes = "all"``, or the exact list of checks that pass; every other check must be ``failed`` (never
  ``error``) with score 0, and the report's score must be the sum of the passing checks' points;
- ``known_false_negatives``: checks a correct case loses today because of a defect outside the assignment
  (the grader's core). They are expected to fail, exactly: when one starts passing, the test fails too, so
  the list is shortened as the defect is fixed.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from autograder.batch import grade_class
from autograder.registry import load_assignment
from autograder.results import Status
from autograder.spark import SparkOptions

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent / "alternatives"
CORPUS = tomllib.loads((HERE / "corpus.toml").read_text(encoding="utf-8"))["case"]
SLUGS = sorted({case["slug"] for case in CORPUS})
# Every class runs with `pytest -m long` (each is graded as one class through the warm engine where the
# assignment allows, two to sixteen minutes): the suite's 30-minute budget has no room for them.
EVERY_RUN: set[str] = set()      # all in the long tier: 2 to 16 minutes a class


def student(case: dict) -> str:
    return Path(case["file"]).stem


def expected_passes(case: dict, checks: list[str]) -> set[str]:
    declared = checks if case["passes"] == "all" else case["passes"]
    unknown = set(declared) - set(checks)
    assert not unknown, f"{case['file']}: corpus.toml names checks the assignment does not have: {sorted(unknown)}"
    negatives = set(case.get("known_false_negatives", []))
    assert negatives <= set(declared), f"{case['file']}: a known false negative must be a check the case deserves"
    return set(declared) - negatives


def test_corpus_is_well_formed():
    for case in CORPUS:
        assert {"slug", "file", "why", "passes"} <= set(case), case
        assert (HERE / case["slug"] / case["file"]).is_file(), case["file"]
        assert case["passes"] == "all" or isinstance(case["passes"], list), case["file"]
    for slug in SLUGS:
        stems = [student(c) for c in CORPUS if c["slug"] == slug]
        assert len(stems) == len(set(stems)), f"{slug}: two cases would be the same student"
        assert any(c["file"].endswith(".ipynb") for c in CORPUS if c["slug"] == slug), f"{slug}: no notebook"


@pytest.mark.parametrize("slug", [s if s in EVERY_RUN else pytest.param(s, marks=pytest.mark.long) for s in SLUGS])
def test_alternatives_earn_exactly_their_declared_checks(request, tmp_path, slug):
    spec = load_assignment(slug)
    cases = [c for c in CORPUS if c["slug"] == slug]
    klass = tmp_path / "class"
    klass.mkdir()
    for case in cases:
        shutil.copyfile(HERE / slug / case["file"], klass / Path(case["file"]).name)
    server = request.getfixturevalue("connect_server") if spec.spark_connect else None
    options = SparkOptions(remote=server.url) if server else SparkOptions()
    result = grade_class(spec, klass, tmp_path / "graded", options, workers=2, progress=False,
                         work_root=server.work_root if server else None, server=server)
    assert outcome_problems(spec, cases, result.reports) == {}


def outcome_problems(spec, cases: list[dict], reports: dict) -> dict[str, list[str]]:
    """{case file: what differs from its declared outcome} for the reports of one class ({} when all match)."""
    names = [c.name for c in spec.checks]
    points = {c.name: c.points for c in spec.checks}
    problems = {}
    for case in cases:
        report = reports.get(student(case))
        if report is None:
            problems[case["file"]] = ["not graded"]
            continue
        want = expected_passes(case, names)
        got = {c.name for c in report.checks if c.status is Status.PASSED}
        wrong = []
        lost = {n: report.by_name()[n].message[:300] for n in sorted(want - got)}
        if lost:
            wrong.append(f"lost {lost}")
        if got - want:
            wrong.append(f"unexpectedly passed {sorted(got - want)}")
        errors = {c.name: c.message[:300] for c in report.checks if c.status is Status.ERROR}
        if errors:
            wrong.append(f"error (the grader's fault) {errors}")
        if abs(report.score - sum(points[n] for n in want)) > 1e-9:
            wrong.append(f"score {report.score} != {sum(points[n] for n in want)}")
        if wrong:
            problems[case["file"]] = wrong
    return problems
