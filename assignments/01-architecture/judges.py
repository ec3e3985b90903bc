"""Assignment-specific public checks of assignment 01 (run by the grader on sealed outputs).

The session facts are judged against what the grader launched the student's process with; the partitions
a session or a DataFrame uses are read from files Spark wrote, one per partition (``tasks.py``:
``_grouped_layout``, ``partition_layout``), never from a value read back in the submission's process."""

from __future__ import annotations

from pathlib import Path

from autograder.checks import sdk
from autograder.checks.context import MissingArtifact
from autograder.checks.sdk import Param
from autograder.results import CheckResult

MAX_LAYOUT_BYTES = 8 * 2**20


def layout(folder: Path) -> list[list[str]]:
    """The lines of each partition file Spark wrote into ``folder`` (``part-00000`` ...), in partition order."""
    parts = sorted(p for p in Path(folder).glob("part-*") if p.is_file() and not p.name.endswith(".crc"))
    if not parts:
        raise MissingArtifact(f"no partition files were written ({Path(folder).name})")
    if sum(p.stat().st_size for p in parts) > MAX_LAYOUT_BYTES:
        raise MissingArtifact(f"the partition files ({Path(folder).name}) are larger than expected")
    return [p.read_text(encoding="utf-8", errors="replace").splitlines() for p in parts]


def launched(ctx) -> dict | None:
    """The session facts of the student's process as the grader started it (None: the grader did not start
    it, e.g. in the student's own notebook, where the task's own reading stands in)."""
    if not ctx.launch:
        return None
    from pyspark import __version__

    from autograder.spark import SparkOptions, settings

    options = SparkOptions.from_dict(ctx.launch)
    conf = settings(options)
    return {"spark_version": __version__, "master": options.master,
            "default_parallelism": int(conf.get("spark.default.parallelism", conf["spark.sql.shuffle.partitions"])),
            "shuffle_partitions": int(conf["spark.sql.shuffle.partitions"])}


def configure_verdict(ctx, check, target: int) -> CheckResult:
    """configure_session(new_session, target) returned ``target`` as an int; a groupBy on that session used
    ``target`` partitions; one on the root session still uses the partitions it was launched with."""
    saved = ctx.value(check.tasks[0])
    task = ctx.task_dir(check.tasks[0])
    returned = saved.get("returned")
    used, root = len(layout(task / "session_layout")), len(layout(task / "root_layout"))
    root_expected = (launched(ctx) or {}).get("shuffle_partitions", saved.get("root_before"))
    problems = []
    if type(returned) is not int or returned != target:
        problems.append(f"configure_session() returned {returned!r}, expected the int {target}")
    if used != target:
        problems.append(f"a groupBy on the session you were given used {used} partitions, expected {target}: set "
                        "spark.sql.shuffle.partitions on that session (spark.conf)")
    if root != root_expected:
        problems.append(f"the application's root session now uses {root} partitions instead of {root_expected}: "
                        "change only the session you were given, not SparkSession.builder...getOrCreate()")
    if problems:
        return CheckResult.failed("; ".join(problems))
    return CheckResult.passed(f"returned {target}; the session uses {target} shuffle partitions; the root session "
                              "is unchanged")


@sdk.takes(Param("target", int, "the shuffle partitions configure_session is asked to set", required=True))
def configure(ctx, check):
    """configure_session(new_session, 7), judged from the partitions Spark used."""
    return configure_verdict(ctx, check, int(check.params["target"]))


def session_facts(ctx, check):
    """The dict returned by session_facts() equals the session's facts: as the grader launched the process
    (version, master, parallelism) and the shuffle partitions the task set at run time before the call."""
    from autograder.harness.context import load_tasks_module

    saved = ctx.value(check.tasks[0])
    returned = saved.get("returned")
    truth = launched(ctx)
    if truth is None:                   # the student's own notebook: the task's reading of its own session
        truth = dict(saved["truth"])
    set_partitions = load_tasks_module(ctx.spec.path).FACTS_PARTITIONS
    truth["shuffle_partitions"] = set_partitions
    if not isinstance(returned, dict):
        return CheckResult.failed(f"session_facts() returned {returned!r}; expected a dict with keys "
                                  f"{', '.join(truth)}")
    wrong = [f"{k}: {returned.get(k, '<missing>')!r} (expected {v!r})" for k, v in truth.items()
             if returned.get(k) != v or type(returned.get(k)) is not type(v)]
    if wrong and returned.get("shuffle_partitions") != set_partitions:
        wrong.append("the session's settings were changed at run time: read them from the session (spark.conf), "
                     "not from the launch configuration")
    if wrong:
        return CheckResult.failed("session_facts() differs from the session: " + "; ".join(wrong))
    return CheckResult.passed(f"all {len(truth)} facts match the session")


def train_rows(ctx) -> int:
    """How many training rows the task gave the submission (the grader's own copy)."""
    import pyarrow.parquet as pq

    return pq.ParquetDataset(str(ctx.data.train)).read(columns=[]).num_rows


@sdk.takes(Param("partitions", int, "the partitions repartition_by_key is asked for", required=True))
def partition_count(ctx, check):
    """repartition_by_key() returns every row in exactly the requested number of partitions (counted from
    the files Spark wrote, one per partition, empty ones included)."""
    parts = layout(ctx.task_dir(check.tasks[0]) / "layout")
    expected, rows, want_rows = int(check.params["partitions"]), sum(len(p) for p in parts), train_rows(ctx)
    problems = []
    if len(parts) != expected:
        problems.append(f"the DataFrame has {len(parts)} partitions, expected {expected}")
    if rows != want_rows:
        problems.append(f"it has {rows} rows, the input {want_rows}")
    if problems:
        return CheckResult.failed("; ".join(problems))
    return CheckResult.passed(f"{len(parts)} partitions, all {rows} rows kept")


def split_keys(ctx, check) -> list[str]:
    """The key values whose rows are in more than one partition file."""
    where: dict[str, set[int]] = {}
    for i, part in enumerate(layout(ctx.task_dir(check.tasks[0]) / "layout")):
        for key in part:
            where.setdefault(key, set()).add(i)
    return sorted(k for k, parts in where.items() if len(parts) > 1)
