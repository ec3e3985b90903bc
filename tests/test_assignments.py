"""Self-validation of every assignment: reference = full marks; stub = 0 with every check `failed`
(never `error`); each mutant fails exactly its listed checks; the same submission scores identically twice.

Each assignment's reference, stub and mutants are graded as one class through the batch path (two
workers) on the warm Spark Connect engine, or with local Spark where the assignment declares
``spark_connect = false``. Local mode is also covered by the Gradescope emulation, the cluster
equivalence tests and the hostile corpus."""

import shutil

import pytest

from autograder.batch import grade_class
from autograder.mutants import load_mutants, solution_file, write_mutant
from autograder.registry import discover, load_assignment, project_root
from autograder.spark import SparkOptions
from autograder.verify import expect_full, expect_lost, expect_stub

pytestmark = pytest.mark.slow
SLUGS = [p.parent.name for p in discover(project_root())]
# Assignments whose mutants take minutes (local Spark per child, streams and services): every run grades
# their reference and stub; their mutants run with `pytest -m long`, within the suite's time budget.
MUTANTS_LONG = {"01-architecture", "04-algorithms", "05-tuning", "06-deploy"}


def cases() -> list:
    """(slug, with_mutants) for every assignment on disk; the long ones' mutants in the long tier."""
    out = []
    for slug in SLUGS:
        if slug in MUTANTS_LONG:
            out += [pytest.param(slug, False, id=f"{slug}-reference"),
                    pytest.param(slug, True, id=f"{slug}-mutants", marks=pytest.mark.long)]
        else:
            out.append(pytest.param(slug, True, id=slug))
    return out


@pytest.mark.parametrize("slug, with_mutants", cases())
def test_reference_stub_and_mutants(request, root, tmp_path, slug, with_mutants):
    spec = load_assignment(slug)
    klass = tmp_path / "class"
    klass.mkdir()
    shutil.copyfile(solution_file(spec, root), klass / "reference.py")
    shutil.copyfile(spec.path / spec.module, klass / "stub.py")
    mutants = {m.name: m for m in load_mutants(spec)} if with_mutants else {}
    for name, m in mutants.items():
        write_mutant(spec, m, root, tmp_path / "m" / name).rename(klass / f"mutant_{name}.py")
    server = request.getfixturevalue("connect_server") if spec.spark_connect else None
    options = SparkOptions(remote=server.url) if server else SparkOptions()
    result = grade_class(spec, klass, tmp_path / "graded", options, workers=2, progress=False,
                         work_root=server.work_root if server else None, server=server)
    reports = result.reports
    problems = {"reference": expect_full(reports["reference"]), "stub": expect_stub(reports["stub"])}
    problems.update({f"mutant_{n}": expect_lost(reports[f"mutant_{n}"], m.lost) for n, m in mutants.items()})
    assert {k: v for k, v in problems.items() if v} == {}
    assert reports["reference"].score == spec.total_points
    assert reports["stub"].score == 0 and all(c.message for c in reports["stub"].checks)


def test_same_submission_scores_identically_twice(warm_grader, root):
    spec = load_assignment("02")
    first = warm_grader.grade(spec, solution_file(spec, root))
    second = warm_grader.grade(spec, solution_file(spec, root))
    assert [(c.name, c.status, c.score, c.message) for c in first.checks] == \
           [(c.name, c.status, c.score, c.message) for c in second.checks]
    spans = dict(second.timings)
    assert {"student phase", "  task model", "scoring phase (a fresh process)", "  request q3_auc-hidden",
            "judges"} <= set(spans), second.timings
    top = sum(s for name, s in second.timings if not name.startswith(" "))
    assert 0 < top <= second.seconds + 0.01 and spans["  task model"] < spans["student phase"]
