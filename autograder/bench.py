"""``sparkgrade bench``: grade one class of N submissions (default 30: the reference, the stub, every mutant
and the partial and alternative solutions of ``tests/alternatives``, cycled) both ways in one run, at the
same parallelism: a warm batch (one Spark Connect server, thin client children, W at a time) and one cold
process per submission (local Spark, W at a time, as ``otter grade -n W`` runs containers). The warm
server's start-up is timed apart. The floor (the reference's own Spark work, :mod:`autograder.floor`) is
measured in the same run, so the grading overhead is a ratio of two figures measured side by side."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from autograder.batch import default_workers, grade_class
from autograder.engine.driver_archive import UNPREPARED
from autograder.engine.server import ConnectServer
from autograder.floor import floor_seconds
from autograder.mutants import load_mutants, solution_file, write_mutant
from autograder.results import GradeReport
from autograder.runner import Grader
from autograder.spark import SparkOptions
from autograder.spec import AssignmentSpec

CLASS_SIZE = 30     # default N: a realistic section


def bench_sources(spec: AssignmentSpec, root: Path) -> list[tuple[str, bytes]]:
    """(suffix, content) of the reference, the stub, every mutant and the alternatives corpus's cases."""
    sources = [(".py", solution_file(spec, root).read_bytes()), (".py", (spec.path / spec.module).read_bytes())]
    with tempfile.TemporaryDirectory() as tmp:
        for m in load_mutants(spec):
            sources.append((".py", write_mutant(spec, m, root, Path(tmp) / m.name).read_bytes()))
    corpus = root / "tests" / "alternatives" / spec.slug
    if corpus.is_dir():
        sources += [(p.suffix, p.read_bytes()) for p in sorted(corpus.iterdir()) if p.suffix in (".py", ".ipynb")]
    return sources


def bench_submissions(spec: AssignmentSpec, root: Path, folder: Path, n: int = 0) -> list[Path]:
    """The class: :func:`bench_sources` cycled to ``n`` files in ``folder`` (default :data:`CLASS_SIZE`)."""
    sources = bench_sources(spec, root)
    out = []
    for i in range(n or CLASS_SIZE):
        suffix, content = sources[i % len(sources)]
        target = folder / f"s{i:03d}{suffix}"
        target.write_bytes(content)
        out.append(target)
    return out


def cold_grade(spec: AssignmentSpec, path: Path, env: dict[str, str] | None = None) -> GradeReport:
    """One fresh process per submission, local Spark: the cold baseline."""
    proc = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", spec.slug, str(path), "--writer", "json"],
                          capture_output=True, text=True, check=True, env=env)
    return GradeReport.from_dict(json.loads(proc.stdout))


def outcome(report: GradeReport) -> list[tuple[str, str, float]]:
    return [(c.name, c.status.value, c.score) for c in report.checks]


def bench(spec: AssignmentSpec, root: Path, n: int = 0, workers: int = 0) -> dict:
    """Run both ways at the same parallelism and the floor; return the figures (printed by the CLI)."""
    workers = workers or default_workers()
    with tempfile.TemporaryDirectory(prefix="sparkgrade-bench-") as tmp:
        folder = Path(tmp) / "class"
        folder.mkdir()
        subs = bench_submissions(spec, root, folder, n)
        n = len(subs)
        floor = floor_seconds(spec.slug, solution_file(spec, root))     # alone, then the reference graded alone
        t0 = time.monotonic()
        reference = cold_grade(spec, subs[0])
        reference_s = time.monotonic() - t0
        server_s = 0.0
        t0 = time.monotonic()
        server = ConnectServer(SparkOptions()) if spec.spark_connect else None
        try:
            if server is not None:
                server.start()
            server_s = time.monotonic() - t0
            options = SparkOptions(remote=server.url) if server else SparkOptions()
            t0 = time.monotonic()
            warm = grade_class(spec, folder, Path(tmp) / "warm", options, workers=workers, progress=False,
                               work_root=server.work_root if server else None, server=server)
            warm_s = time.monotonic() - t0
        finally:
            if server is not None:
                server.stop()
        t0 = time.monotonic()
        with ThreadPoolExecutor(workers) as pool:
            cold = dict(zip((p.stem for p in subs), pool.map(lambda p: cold_grade(spec, p), subs)))
        cold_s = time.monotonic() - t0
    identical = all(outcome(warm.reports[s]) == outcome(cold[s]) for s in cold)
    return {"assignment": spec.slug, "submissions": n, "workers": workers,
            "engine": "Spark Connect" if spec.spark_connect else "local Spark (the assignment needs the JVM)",
            "server_start_s": server_s, "warm_s_per_submission": warm_s / n, "cold_s_per_submission": cold_s / n,
            "ratio": cold_s / warm_s, "identical_scores": identical,
            "floor_s": floor["seconds"], "floor_failed": floor["failed"], "reference_cold_s": reference_s,
            "overhead": reference_s / floor["seconds"],
            "floor_warm_s": floor["warm_s"], "jvm_startup_s": floor["startup_s"],
            "warm_over_floor": (warm_s / n) / floor["warm_s"],
            # the reference itself (the class's first submission), graded on the warm engine inside the class
            "reference_warm_s": warm.reports[subs[0].stem].seconds,
            "reference_warm_over_floor": warm.reports[subs[0].stem].seconds / floor["warm_s"],
            "cold_over_floor": reference_s / (floor["warm_s"] + floor["startup_s"]),
            "reference_timings": list(reference.timings),
            "differences": sorted(s for s in cold if outcome(warm.reports[s]) != outcome(cold[s])),
            "scores": {s: warm.reports[s].score for s in sorted(cold)}}


def bench_cold_path(spec: AssignmentSpec, root: Path, rounds: int = 2) -> dict:
    """The reference graded cold, one process at a time, alternately with and without what ``sparkgrade
    prepare`` made (the JVMs' class-data archive, the local file system): the best of ``rounds`` each,
    the ratio, and the prepared grading's breakdown."""
    import os

    reference = solution_file(spec, root)
    runs: dict[str, list[tuple[float, GradeReport]]] = {"prepared": [], "unprepared": []}
    for _ in range(rounds):
        for kind in runs:
            env = {**os.environ, UNPREPARED: "1" if kind == "unprepared" else "0"}
            t0 = time.monotonic()
            report = cold_grade(spec, reference, env)
            runs[kind].append((time.monotonic() - t0, report))
    best = {kind: min(r, key=lambda x: x[0]) for kind, r in runs.items()}
    return {"assignment": spec.slug, "rounds": rounds,
            "prepared_s": best["prepared"][0], "unprepared_s": best["unprepared"][0],
            "ratio": best["unprepared"][0] / best["prepared"][0],
            "scores": {kind: [r.score for _, r in runs[kind]] for kind in runs}, "max_score": spec.total_points,
            "timings": list(best["prepared"][1].timings), "report_s": best["prepared"][1].seconds}


def bench_scale(spec: AssignmentSpec, root: Path, scales: list[int], options: SparkOptions) -> list[dict]:
    """Grade the reference on synthetic variants of the data at each scale factor (local Spark), timing
    each run; the data is generated before timing starts so only grading is measured."""
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
