"""Self-validation of assignments: the reference scores full marks, the stub scores 0 with every check
``failed`` (never ``error``), and every mutant loses exactly the checks it declares."""

from __future__ import annotations

import contextlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

from autograder.batch import engine
from autograder.checks import bounds
from autograder.engine.prefork import fork_server
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


def verify_assignment(grader: Grader, spec: AssignmentSpec, root: Path, mutants: bool,
                      questions: tuple[str, ...] = ()) -> list[Expectation]:
    """Grade reference, stub and (optionally) mutants of one assignment against their expectations; with
    ``questions``, only those questions' checks (and tasks), and only the mutants that lose one of them."""
    out = []
    reference = grader.grade(spec, solution_file(spec, root), questions=questions)
    out.append(Expectation(spec.slug, "reference", reference, tuple(expect_full(reference))))
    stub = grader.grade(spec, spec.path / spec.module, questions=questions)
    out.append(Expectation(spec.slug, "stub", stub, tuple(expect_stub(stub))))
    if mutants:
        graded = {c.name for c in reference.checks}
        with tempfile.TemporaryDirectory(prefix="sparkgrade-mutants-") as tmp:
            for m in load_mutants(spec):
                if questions and not graded & set(m.lost):
                    continue
                report = grader.grade(spec, write_mutant(spec, m, root, Path(tmp) / m.name), questions=questions)
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


def reference_intervals(spec: AssignmentSpec, report: GradeReport) -> dict[str, bounds.Interval]:
    """The reference's measured value and bootstrap interval of every metric check it passed."""
    verdicts = report.by_name()
    out = {}
    for check in spec.checks:
        got = verdicts.get(check.name)
        if check.kind == "metric" and got is not None and got.status is Status.PASSED and "high" in got.measured:
            m = got.measured
            out[check.name] = bounds.Interval(check.params["metric"], float(m["value"]), float(m["low"]),
                                              float(m["high"]), int(m["rows"]))
    return out


def values_table(specs: list[AssignmentSpec], results: list[Expectation]) -> str:
    """Each metric check's threshold beside the reference's measured value, its bootstrap interval, the
    interval recorded for flagging (``verify --record`` writes it) and each mutant's value."""
    import pandas as pd

    rows = []
    by_slug = {s.slug: s for s in specs}
    for r in results:
        if r.submission != "reference":
            continue
        spec = by_slug[r.assignment]
        kept = bounds.recorded(spec.path)
        declared = {c.name: c for c in spec.checks}
        for name, iv in reference_intervals(spec, r.report).items():
            params = declared[name].params
            old = kept.get(name)
            rows.append({"assignment": r.assignment, "check": name, "metric": iv.metric,
                         "threshold": " ".join(f"{k} {params[k]:g}" for k in ("min", "max") if k in params),
                         "reference": f"{iv.value:.4f}", f"{bounds.LEVEL:.0%} interval": f"{iv.low:.4f} to {iv.high:.4f}",
                         "recorded": f"{old.low:.4f} to {old.high:.4f}" if old else "none (verify --record)",
                         "mutants": mutant_values(results, r.assignment, name)})
    return pd.DataFrame(rows).to_string(index=False) if rows else ""


def mutant_values(results: list[Expectation], slug: str, check: str) -> str:
    """Each graded mutant's measured value of a metric check (which side of the threshold it fell on)."""
    found = []
    for r in results:
        got = r.report.by_name().get(check) if r.assignment == slug and r.submission.startswith("mutant:") else None
        if got is not None and isinstance(got.measured, dict) and "value" in got.measured:
            found.append(f"{r.submission.removeprefix('mutant:')} {float(got.measured['value']):.4f}")
    return ", ".join(found) or "-"


def record_intervals(specs: list[AssignmentSpec], results: list[Expectation]) -> list[Path]:
    """Write each assignment's reference intervals (``hidden/reference_metrics.json``) where the reference
    got full marks, over those recorded before (a run of some questions keeps the others'); returns the
    files written."""
    written = []
    by_slug = {s.slug: s for s in specs}
    for r in results:
        if r.submission == "reference" and r.ok:
            spec = by_slug[r.assignment]
            intervals = reference_intervals(spec, r.report)
            if intervals:
                written.append(bounds.record(spec.path, {**bounds.recorded(spec.path), **intervals}))
    return written


def verify(specs: list[AssignmentSpec] | None, options: SparkOptions, mutants: bool = False,
           record: bool = False, questions: tuple[str, ...] = (), engine_kind: str = "connect") -> int:
    """Grade every reference, stub (and mutants) and print the tables. With ``engine_kind`` "connect", the
    assignments that run on Spark Connect are graded on one warm local server, as a class run grades them
    (started once for all of them); the others, and every one with "local", in cold local Spark."""
    root = project_root()
    specs = specs or [load_spec(p) for p in discover(root)]
    results = []
    with contextlib.ExitStack() as stack:
        graders: dict[bool, Grader] = {}

        def grader_for(spec: AssignmentSpec) -> Grader:
            warm = engine_kind == "connect" and spec.spark_connect
            if warm not in graders:
                if warm:
                    child_options, work_root, server = stack.enter_context(engine("connect", options))
                    starter = stack.enter_context(fork_server(enabled=True))
                    graders[warm] = Grader(spark_options=child_options, work_root=work_root, starter=starter,
                                           server=server)
                else:
                    graders[warm] = Grader(spark_options=options)
            return graders[warm]

        for spec in specs:
            results += verify_assignment(grader_for(spec), spec, root, mutants, questions)
    print(table(results))
    recorded = record_intervals(specs, results) if record else []      # before the values table shows them
    values = values_table(specs, results)
    if values:
        print("\nmetric checks: the reference's (and each mutant's) held-out value beside each threshold\n" + values)
    for path in recorded:
        print(f"recorded {path}")
    for r in results:
        for p in r.problems:
            print(f"{r.assignment} {r.submission}: {p}")
    return 0 if all(r.ok for r in results) else 1
