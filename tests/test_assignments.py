"""Self-validation of every assignment: reference = full marks; stub = 0 with every check `failed`
(never `error`); each mutant fails exactly its listed checks; the same submission scores identically twice.

Submissions run on the warm Spark Connect engine (as batch grading does), except assignments that
declare ``spark_connect = false`` (they need the JVM: RDDs, SparkContext); local mode is covered by
the Gradescope emulation, the cluster equivalence tests and the hostile corpus."""

import pytest

from autograder.mutants import load_mutants, solution_file, write_mutant
from autograder.registry import discover, load_assignment, project_root
from autograder.verify import expect_full, expect_lost, expect_stub

pytestmark = pytest.mark.slow
SLUGS = [p.parent.name for p in discover(project_root())]


@pytest.fixture
def engine(request, grader):
    """The grader for ``slug``: warm Connect engine, or local Spark where the assignment needs the JVM."""
    def pick(spec):
        return request.getfixturevalue("warm_grader") if spec.spark_connect else grader
    return pick
MUTANTS = [(slug, m.name) for slug in SLUGS for m in load_mutants(load_assignment(slug))]


@pytest.mark.parametrize("slug", SLUGS)
def test_reference_scores_full_marks(engine, root, slug):
    spec = load_assignment(slug)
    report = engine(spec).grade(spec, solution_file(spec, root))
    assert expect_full(report) == [], report.to_json()
    assert report.score == spec.total_points


@pytest.mark.parametrize("slug", SLUGS)
def test_stub_fails_every_check_cleanly(engine, slug):
    spec = load_assignment(slug)
    report = engine(spec).grade(spec, spec.path / spec.module)
    assert expect_stub(report) == [], report.to_json()
    assert report.score == 0
    assert all(c.message for c in report.checks)


@pytest.mark.parametrize("slug, mutant", MUTANTS)
def test_mutant_loses_exactly_its_checks(engine, root, tmp_path, slug, mutant):
    spec = load_assignment(slug)
    (m,) = [x for x in load_mutants(spec) if x.name == mutant]
    report = engine(spec).grade(spec, write_mutant(spec, m, root, tmp_path))
    assert expect_lost(report, m.lost) == [], report.to_json()


def test_same_submission_scores_identically_twice(warm_grader, root):
    spec = load_assignment("02")
    first = warm_grader.grade(spec, solution_file(spec, root))
    second = warm_grader.grade(spec, solution_file(spec, root))
    assert [(c.name, c.status, c.score, c.message) for c in first.checks] == \
           [(c.name, c.status, c.score, c.message) for c in second.checks]
