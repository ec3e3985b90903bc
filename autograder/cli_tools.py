"""The instructor's machine-facing commands of ``sparkgrade``: ``bench`` (warm and cold grading side by
side, the cold path, data scales), ``measure`` (the smallest Gradescope box) and ``prepare`` (what every
grading would otherwise redo). :mod:`autograder.cli` parses the arguments."""

from __future__ import annotations

import sys

from autograder.errors import SparkgradeError
from autograder.registry import discover, load_assignment, project_root
from autograder.spark import SparkOptions, sized_options


def spark_options(args) -> SparkOptions:
    """The Spark options of the command line; what it leaves out is sized to the box (autograder.box)."""
    return sized_options(master=args.master, remote=args.remote, java_options=args.java_options,
                         driver_memory=args.driver_memory)


def cmd_bench_all(args) -> int:
    """``bench --all``: every assignment's figures, then one table of the ratios to the floor."""
    from autograder.bench import bench

    rows = []
    for path in discover(project_root()):
        spec = load_assignment(path.parent)
        f = bench(spec, project_root(), args.n, args.workers)
        rows.append(f)
        print(f"{spec.slug}: warm {f['warm_s_per_submission']:.2f} s per submission, warm reference "
              f"{f['reference_warm_s']:.2f} s, floor {f['floor_warm_s']:.2f} s, start-up {f['jvm_startup_s']:.2f} s, "
              f"cold reference {f['reference_cold_s']:.2f} s", flush=True)
    print(f"{'assignment':<16} {'warm/floor':>10} {'warm ref/floor':>15} {'cold/(floor+start-up)':>22} "
          f"{'same scores':>12}")
    for f in rows:
        print(f"{f['assignment']:<16} {f['warm_over_floor']:>10.2f} {f['reference_warm_over_floor']:>15.2f} "
              f"{f['cold_over_floor']:>22.2f} {'yes' if f['identical_scores'] else 'NO':>12}")
    return 0 if all(f["identical_scores"] for f in rows) else 1


def cmd_bench(args) -> int:
    from autograder.bench import bench, bench_scale

    if args.all:
        return cmd_bench_all(args)
    if not args.assignment:
        raise SparkgradeError("bench needs an assignment (e.g. sparkgrade bench 02) or --all")
    spec = load_assignment(args.assignment)
    if args.cold_path:
        from autograder.bench import bench_cold_path

        f = bench_cold_path(spec, project_root(), args.rounds)
        print(f"{f['assignment']}: the reference graded cold, one process at a time, best of {f['rounds']} each "
              "(process wall time)")
        print(f"  without sparkgrade prepare: {f['unprepared_s']:6.2f} s")
        print(f"  with it (archive, file system): {f['prepared_s']:6.2f} s")
        print(f"  ratio: {f['ratio']:.2f}x   scores: {f['scores']} of {f['max_score']:g}")
        from autograder.timings import table

        print(table(f["timings"], f["report_s"]))
        return 0
    if args.scales:
        rows = bench_scale(spec, project_root(), [int(x) for x in args.scales.split(",")], spark_options(args))
        print(f"{spec.slug}: grading the reference on generated data (local Spark)")
        print(f"{'scale':>6} {'train rows':>11} {'seconds':>8} {'rows x':>7} {'time x':>7}  score")
        for r in rows:
            print(f"{r['scale']:>6} {r['train_rows']:>11} {r['seconds']:>8.1f} {r['rows_ratio']:>7.1f} "
                  f"{r['time_ratio']:>7.2f}  {r['score']:g}/{r['max_score']:g}"
                  + (f"  (not passed: {', '.join(r['not_passed'])})" if r["not_passed"] else ""))
        print("checks that pin the real data's exact values (row counts, fixtures) cannot pass on generated "
              "data; time x / rows x below 1 means grading cost grows less than linearly")
        return 0
    figures = bench(spec, project_root(), args.n, args.workers)
    print(f"{figures['assignment']}: {figures['submissions']} submissions (reference, stub, mutants, alternatives, "
          f"cycled), {figures['workers']} at a time both ways")
    print(f"  warm server start-up (once):     {figures['server_start_s']:6.2f} s  ({figures['engine']})")
    print(f"  warm batch:                      {figures['warm_s_per_submission']:6.2f} s per submission")
    print(f"  cold process each (local Spark): {figures['cold_s_per_submission']:6.2f} s per submission")
    print(f"  ratio cold / warm:               {figures['ratio']:6.2f}x")
    print(f"  identical scores both ways:      {'yes' if figures['identical_scores'] else 'NO: ' + ', '.join(figures['differences'])}")
    print(f"  floor, warm (the reference's own Spark work, JVM up):      {figures['floor_warm_s']:6.2f} s"
          + (f" (tasks that failed: {', '.join(figures['floor_failed'])})" if figures["floor_failed"] else ""))
    print(f"  one JVM start-up (a local session able to run a job):      {figures['jvm_startup_s']:6.2f} s")
    print(f"  the floor process, cold (interpreter and JVM included):    {figures['floor_s']:6.2f} s")
    print(f"  the reference graded cold, alone (process wall time):      {figures['reference_cold_s']:6.2f} s")
    print(f"  the reference graded warm, in the class (its own time):   {figures['reference_warm_s']:6.2f} s")
    print(f"  warm batch / floor:                                        {figures['warm_over_floor']:6.2f}x")
    print(f"  warm reference / floor:                                    {figures['reference_warm_over_floor']:6.2f}x")
    print(f"  cold reference / (floor + one JVM start-up):               {figures['cold_over_floor']:6.2f}x")
    if args.timings:
        from autograder.timings import table

        print(table(figures["reference_timings"], figures["reference_cold_s"]))
    return 0 if figures["identical_scores"] else 1


def cmd_measure(args) -> int:
    from autograder.measure import DEFAULT_MEMORY, box_table, cgroup_problem, measure, record

    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))     # leave the boxes as on Ctrl-C: emptied, removed
    spec = load_assignment(args.assignment)
    problem = cgroup_problem()
    if problem:
        raise SparkgradeError(f"cannot measure {spec.slug}: {problem}")
    candidates = [int(m) for m in args.memory.split(",")] if args.memory else list(DEFAULT_MEMORY)
    print(f"{spec.slug}: grading the reference in boxes of {', '.join(map(str, sorted(candidates)))} MB, "
          f"{args.cpus:g} CPU, at most {args.timeout:g} s each")
    best, trials = measure(spec, project_root(), candidates, args.cpus, args.timeout,
                           progress=lambda t: print(f"  {t.memory_mb:>5} MB: {t.score:g}/{t.max_score:g} in "
                                                    f"{t.seconds:.0f} s, peak {t.peak_mb:.0f} MB"
                                                    + (" (timed out)" if t.timed_out else "")
                                                    + (f", not passed: {', '.join(t.not_passed)}\n      {t.problem}"
                                                       if t.not_passed else ""), flush=True))
    if best is None:
        print(f"{spec.slug}: no box up to {max(candidates)} MB gives the reference full marks")
        return 1
    trial = trials[best]
    print(f"{spec.slug}: smallest box with full marks: {best} MB / {args.cpus:g} CPU, {trial.seconds:.0f} s, "
          f"peak {trial.peak_mb:.0f} MB")
    if not args.dry_run:
        record(spec.path / "assignment.toml", box_table(trial))
        print(f"recorded in {spec.path / 'assignment.toml'} [box]")
    return 0


def cmd_prepare(args) -> int:
    import time

    from autograder.engine.driver_archive import archive_path, local_fs, record

    local_fs(build=True)                    # on the archive's class path: made first
    existing = archive_path()
    was_there = existing is not None and existing.is_file()
    started = time.monotonic()
    try:
        path = record()
    except RuntimeError as exc:
        print(f"sparkgrade prepare: {exc}\ngrading works without the archive, only slower", file=sys.stderr)
        return 1
    if path is None:
        print("sparkgrade prepare: no java found; install Java 17+ (scripts/setup.sh does)", file=sys.stderr)
        return 1
    state = "already there" if was_there else f"recorded in {time.monotonic() - started:.0f} s"
    print(f"sparkgrade prepare: JVM class-data archive {path} ({path.stat().st_size / 2**20:.0f} MB, {state})")
    return 0
