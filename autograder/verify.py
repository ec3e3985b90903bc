"""Self-validation of assignments: the reference scores full marks, the stub scores 0 with every check
``failed`` (never ``error``), and every mutant loses exactly the checks it declares."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from autograder.mutants import load_mutants, solution_file, write_mutant
from autograder.registry import discover, project_root
from autograder.results import GradeReport, Status
from autograder.runner import Grader
from autograder.spark import SparkOptions
from autograder.spec import AssignmentSpec, load_spec


@dataclass(frozen=True)
class Expectation:
    """What one graded submission must score, and what it did."""

    assignment: str
    submission: str
    report: GradeReport
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def expect_full(report: GradeReport) -> list[str]:
    return [f"{c.name}: {c.status.value}: {c.message}" for c in report.checks if c.status is not Status.PASSED]


def expect_stub(report: GradeReport) -> list[str]:
    return [f"{c.name}: {c.status.value} (a stub must fail every check, never error or pass): {c.message}"
            for c in report.checks if c.status is not Status.FAILED]


def expect_lost(report: GradeReport, lost: tuple[str, ...]) -> list[str]:
    problems = []
    for c in report.checks:
        if c.status is Status.ERROR:
            problems.append(f"{c.name}: error: {c.message}")
        elif (c.name in lost) != (c.status is Status.FAILED):
            problems.append(f"{c.name}: {c.status.value}, expected {'failed' if c.name in lost else 'passed'}: {c.message}")
    return problems


def verify_assignment(grader: Grader, spec: AssignmentSpec, root: Path, mutants: bool) -> list[Expectation]:
    """Grade reference, stub and (optionally) mutants of one assignment against their expectations."""
    out = []
    reference = grader.grade(spec, solution_file(spec, root))
    out.append(Expectation(spec.slug, "reference", reference, tuple(expect_full(reference))))
    stub = grader.grade(spec, spec.path / spec.module)
    out.append(Expectation(spec.slug, "stub", stub, tuple(expect_stub(stub))))
    if mutants:
        with tempfile.TemporaryDirectory(prefix="sparkgrade-mutants-") as tmp:
            for m in load_mutants(spec):
                report = grader.grade(spec, write_mutant(spec, m, root, Path(tmp) / m.name))
                out.append(Expectation(spec.slug, f"mutant:{m.name}", report, tuple(expect_lost(report, m.lost))))
    return out


def table(results: list[Expectation]) -> str:
    """The score table printed by ``sparkgrade verify``."""
    import pandas as pd

    frame = pd.DataFrame([{"assignment": r.assignment, "submission": r.submission,
                           "score": f"{r.report.score:g}/{r.report.max_score:g}",
                           "passed": sum(c.status is Status.PASSED for c in r.report.checks),
                           "failed": sum(c.status is Status.FAILED for c in r.report.checks),
                           "error": sum(c.status is Status.ERROR for c in r.report.checks),
                           "seconds": round(r.report.seconds, 1),
                           "as expected": "yes" if r.ok else "NO"} for r in results])
    return frame.to_string(index=False)


def verify(specs: list[AssignmentSpec] | None, options: SparkOptions, mutants: bool = False) -> int:
    root = project_root()
    specs = specs or [load_spec(p) for p in discover(root)]
    grader = Grader(spark_options=options)
    results = [r for spec in specs for r in verify_assignment(grader, spec, root, mutants)]
    print(table(results))
    for r in results:
        for p in r.problems:
            print(f"{r.assignment} {r.submission}: {p}")
    return 0 if all(r.ok for r in results) else 1
