"""``sparkgrade bench``: grade the same N submissions (reference, stub, mutants) both ways in one run:
a warm batch (one Spark Connect server, thin client children) and one cold process per submission
(local Spark, as ``otter run`` does). Prints seconds per submission for each and the ratio."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.batch import default_workers, grade_class
from autograder.mutants import load_mutants, solution_file, write_mutant
from autograder.results import GradeReport
from autograder.spark import SparkOptions
from autograder.spec import AssignmentSpec


ROUNDS = 3      # default N: three rounds of (reference, stub, every mutant), the size of a small section


def bench_sources(spec: AssignmentSpec, root: Path) -> list[str]:
    """The source of the reference, the stub and every mutant."""
    sources = [solution_file(spec, root).read_text(encoding="utf-8"), (spec.path / spec.module).read_text(encoding="utf-8")]
    with tempfile.TemporaryDirectory() as tmp:
        for m in load_mutants(spec):
            sources.append(write_mutant(spec, m, root, Path(tmp) / m.name).read_text(encoding="utf-8"))
    return sources


def bench_submissions(spec: AssignmentSpec, root: Path, folder: Path, n: int = 0) -> list[Path]:
    """Reference, stub and mutants, cycled to ``n`` files in ``folder`` (default: ROUNDS rounds)."""
    sources = bench_sources(spec, root)
    n = n or ROUNDS * len(sources)
    out = []
    for i in range(n):
        src = sources[i % len(sources)]
        target = folder / f"s{i:03d}.py"
        target.write_text(src, encoding="utf-8")
        out.append(target)
    return out


def cold_grade(spec: AssignmentSpec, path: Path) -> GradeReport:
    """One fresh process per submission, local Spark: the cold baseline."""
    proc = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", spec.slug, str(path), "--writer", "json"],
                          capture_output=True, text=True, check=True)
    return GradeReport.from_dict(json.loads(proc.stdout))


def outcome(report: GradeReport) -> list[tuple[str, str, float]]:
    return [(c.name, c.status.value, c.score) for c in report.checks]


def bench(spec: AssignmentSpec, root: Path, n: int = 0, workers: int = 0) -> dict:
    """Run both ways and return the figures (also printed by the CLI). The warm batch runs as an
    instructor runs it (``workers`` 0: sized to the machine); the cold baseline one process at a time."""
    workers = workers or default_workers()
    with tempfile.TemporaryDirectory(prefix="sparkgrade-bench-") as tmp:
        folder = Path(tmp) / "class"
        folder.mkdir()
        subs = bench_submissions(spec, root, folder, n)
        n = len(subs)
        t0 = time.monotonic()
        warm = grade_class(spec, folder, Path(tmp) / "warm", SparkOptions(), workers=workers, progress=False)
        warm_s = time.monotonic() - t0
        t0 = time.monotonic()
        cold = {p.stem: cold_grade(spec, p) for p in subs}
        cold_s = time.monotonic() - t0
    identical = all(outcome(warm.reports[s]) == outcome(cold[s]) for s in cold)
    return {"assignment": spec.slug, "submissions": n, "workers": workers,
            "warm_s_per_submission": warm_s / n, "cold_s_per_submission": cold_s / n,
            "ratio": (cold_s / n) / (warm_s / n), "identical_scores": identical,
            "scores": {s: warm.reports[s].score for s in sorted(cold)}}


def bench_scale(spec: AssignmentSpec, root: Path, scales: list[int], options: SparkOptions) -> list[dict]:
    """Grade the reference on synthetic variants of the data at each scale factor (local Spark), timing
    each run; the data is generated before timing starts so only grading is measured."""
    from autograder.runner import Grader

    rows = []
    for scale in scales:
        grader = Grader(spark_options=options, scale=scale)
        data = grader.prepared(spec)
        import pyarrow.parquet as pq

        train_rows = pq.read_metadata(data.train).num_rows
        t0 = time.monotonic()
        report = grader.grade(spec, solution_file(spec, root))
        seconds = time.monotonic() - t0
        rows.append({"scale": scale, "train_rows": train_rows, "seconds": seconds, "score": report.score,
                     "max_score": report.max_score,
                     "not_passed": [c.name for c in report.checks if c.status.value != "passed"]})
    base = rows[0]
    for row in rows:
        row["time_ratio"] = row["seconds"] / base["seconds"]
        row["rows_ratio"] = row["train_rows"] / base["train_rows"]
    return rows
