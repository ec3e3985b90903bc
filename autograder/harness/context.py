"""What a task sees in the student phase: the Spark session, public data, fixtures and artifact helpers."""

from __future__ import annotations

import importlib.util
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.harness import processes
from autograder.harness.artifacts import HarnessError, NotPlainData, to_plain, write_json, write_predictions
from autograder.spark import SparkOptions, build_session, stop_jvm
from autograder.submission import LoadedSubmission


class TaskFailed(Exception):
    """The student's code did not produce what the task needs; the message is shown to the student."""


def _stage_uids(stage: Any) -> set[str]:
    """The uid of ``stage`` and of every stage inside it (a Pipeline's or PipelineModel's, at any depth)."""
    found, stack = set(), [stage]
    while stack:
        current = stack.pop()
        if current is None or not hasattr(current, "uid"):
            continue
        found.add(current.uid)
        inner = current.getStages() if hasattr(current, "getStages") else getattr(current, "stages", None)
        if isinstance(inner, (list, tuple)):
            stack.extend(inner)
    return found


def grid_without_detached_params(tuning: Any) -> list | None:
    """The grid of a tuning stage (CrossValidator, TrainValidationSplit or their models) with only the params
    of its estimator's own stages, or None when it is not one or its grid has no other. Spark fits such a
    grid and ignores the param of a stage outside the estimator, but cannot save it; saved with this grid,
    the stage keeps what was tuned, so the grid's own check judges the grid and the others are not lost."""
    if not all(callable(getattr(tuning, m, None)) for m in ("getEstimatorParamMaps", "getEstimator", "set")):
        return None
    owners = _stage_uids(tuning.getEstimator())
    grid = tuning.getEstimatorParamMaps() or []
    kept = [{param: value for param, value in point.items() if param.parent in owners} for point in grid]
    return None if kept == grid else kept


def _save_with_grid(tuning: Any, grid: list, target: Path) -> None:
    """Save ``tuning`` with ``grid`` in place of its own, which it gets back afterwards (the student's object
    is left as it was; a tuning model's ``copy()`` would need its sub-models)."""
    original = tuning.getEstimatorParamMaps()
    tuning.set(tuning.estimatorParamMaps, grid)
    try:
        spark_writer(tuning).save(str(target))
    finally:
        tuning.set(tuning.estimatorParamMaps, original)


@dataclass
class TaskContext:
    """Everything one task may use; created per task so tasks cannot leak state into each other."""

    spark: Any
    submission: LoadedSubmission
    assignment_dir: Path
    artifact_dir: Path
    data: dict[str, str]
    id_col: str
    results: dict[str, Any] = field(default_factory=dict)
    spark_options: SparkOptions | None = None     # how ``spark`` was built (the student process's tasks)

    def student(self, name: str) -> Any:
        try:
            return self.submission.lookup(name)
        except AttributeError as exc:
            raise TaskFailed(str(exc)) from None

    def dataframe(self, which: str):
        """A public DataFrame: ``train`` or ``sample`` (read fresh each time, from Parquet), or ``watched``:
        the training rows from the copy the grader watches, read with the schema of ``train`` so that
        describing it opens none of its files (outside the grader's student phase: ``train`` itself)."""
        if which == "watched":
            schema = self.spark.read.parquet(self.data["train"]).schema
            return self.spark.read.schema(schema).parquet(self.data.get("watched", self.data["train"]))
        return self.spark.read.parquet(self.data[which])

    def fixture(self, name: str):
        """A small DataFrame from ``fixtures/<name>.json`` (``{"schema": DDL, "rows": [[...], ...]}``). Hidden
        fixtures are in that folder only while the tasks that only hidden checks need run (see
        :mod:`autograder.harness.student_phase`); asking for one earlier is the assignment's mistake."""
        path = self.assignment_dir / "fixtures" / f"{name}.json"
        if not path.is_file():
            raise HarnessError(f"the fixture '{name}' is not among this task's inputs ({path.name} in fixtures/ or, "
                               "for a task that only hidden checks need, hidden/fixtures/); a task that a visible "
                               "check needs never gets hidden fixtures")
        spec = json.loads(path.read_text(encoding="utf-8"))
        return self.spark.createDataFrame([tuple(r) for r in spec["rows"]], spec["schema"])

    def path(self, name: str) -> str:
        target = self.artifact_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        return str(target)

    def resolve(self, arg: Any) -> Any:
        """Turn a task argument reference (spark, train, sample, fixture:x, path:x, @task) into a value."""
        if not isinstance(arg, str):
            return arg
        if arg == "spark":
            return self.spark
        if arg in ("train", "sample"):
            return self.dataframe(arg)
        if arg.startswith("fixture:"):
            return self.fixture(arg.split(":", 1)[1])
        if arg.startswith("path:"):
            return self.path(arg.split(":", 1)[1])
        if arg.startswith("value:"):
            return arg.split(":", 1)[1]
        if arg.startswith("@"):
            if arg[1:] not in self.results:
                raise TaskFailed(f"skipped: it needs the result of task '{arg[1:]}', which did not succeed")
            return self.results[arg[1:]]
        return arg

    def save_stage(self, obj: Any, name: str = "stage") -> None:
        """Persist a pyspark.ml stage with Spark's own writer."""
        from pyspark.ml.util import MLWritable

        if not isinstance(obj, MLWritable):
            raise TaskFailed(f"expected a pyspark.ml stage (Pipeline, Transformer, Estimator or Model), got "
                             f"{type(obj).__module__}.{type(obj).__qualname__}")
        target = Path(self.path(name))
        if target.exists():                               # left by an earlier attempt of this task
            shutil.rmtree(target)
        try:
            try:
                spark_writer(obj).save(str(target))
            except Exception:
                grid = grid_without_detached_params(obj)
                if grid is None:
                    raise
                if target.exists():
                    shutil.rmtree(target)
                _save_with_grid(obj, grid, target)
        except Exception as exc:
            raise TaskFailed(f"the returned {type(obj).__name__} could not be saved ({type(exc).__name__}: "
                             f"{str(exc)[:300]}); custom stages need DefaultParamsReadable/Writable") from None

    def save_dataframe(self, df: Any, name: str = "data", limit: int = 100_000) -> None:
        from pyspark.sql import DataFrame

        if not isinstance(df, DataFrame):
            raise TaskFailed(f"expected a pyspark DataFrame, got {type(df).__module__}.{type(df).__qualname__}")
        write_json(self.artifact_dir / f"{name}.schema.json", json.loads(df.schema.json()))
        df.limit(limit).coalesce(1).write.mode("overwrite").parquet(self.path(name))

    def save_value(self, value: Any, name: str = "value") -> None:
        try:
            write_json(self.artifact_dir / f"{name}.json", to_plain(value))
        except NotPlainData as exc:
            raise TaskFailed(f"the returned value cannot be graded: {exc}") from None

    def save_sample_predictions(self, model: Any, prepare: Any = None) -> None:
        """Predictions of an in-memory model on the public sample (compared after reload); with ``prepare``
        (the submission's preprocessing function), on ``prepare(sample)``."""
        if not hasattr(model, "transform"):
            raise TaskFailed(f"expected a fitted model with transform(), got {type(model).__qualname__}")
        rows = self.dataframe("sample")
        if prepare is not None:
            rows = prepare(rows)
            if not hasattr(rows, "columns") or not hasattr(rows, "select"):
                raise TaskFailed(f"the preprocessing function returned a {type(rows).__qualname__}, expected a "
                                 "DataFrame")
        write_predictions(model.transform(rows), Path(self.path("sample_predictions")), self.id_col)

    def submission_entry(self, target: str, args: list[str]) -> list[str]:
        """Arguments that run an entry point of the submission in a fresh process (see
        :mod:`autograder.harness.entry`): a submission function ``name`` or a ``tasks.py`` function
        ``tasks:<name>`` (called with the loaded module)."""
        if target.startswith("tasks:"):
            target = f"{self.assignment_dir / 'tasks.py'}:{target.split(':', 1)[1]}"
        return [self.submission.module.__file__, self.submission.module.__name__, target, *map(str, args)]

    def start_process(self, argv: list[str], log: str = "process") -> processes.Process:
        """Start ``argv`` in its own process group (output in ``<task>/<log>.log``); use it in a ``with``
        block so that it is killed, whole group included, when the task is done or fails."""
        return processes.start(argv, self.artifact_dir / f"{log}.log", cwd=self.artifact_dir)

    def run_process(self, argv: list[str], timeout_s: float, log: str = "process") -> processes.Process:
        """Run ``argv`` to completion; a process that overruns ``timeout_s`` is killed and the task fails.
        In a box of one JVM at a time this process's local JVM is ended first and a new session (the same
        options) is ``spark`` afterwards, also as the submission's global ``spark``."""
        alone = (self.spark_options is not None and self.spark_options.remote is None
                 and processes.one_jvm_at_a_time())
        if alone:
            processes.keep_secondary_conf()
            stop_jvm()
        try:
            return processes.run(argv, self.artifact_dir / f"{log}.log", timeout_s, cwd=self.artifact_dir)
        except processes.ProcessTimeout as exc:
            raise TaskFailed(f"the process `{Path(str(argv[0])).name}` {exc}") from None
        finally:
            if alone:
                self.spark = build_session(self.spark_options)
                self.submission.module.__dict__["spark"] = self.spark


def spark_writer(obj: Any):
    """Spark's own writer for ``obj``: the ``write`` of the nearest pyspark.ml class in its MRO, so that a
    subclass overriding ``write()`` (to describe stages it does not hold) is saved as what it is. The
    submission's own classes (custom stages) keep their writer."""
    for klass in type(obj).__mro__:
        if "write" in vars(klass) and klass.__module__.startswith("pyspark.ml."):
            return klass.write(obj)
    return obj.write()


def load_tasks_module(assignment_dir: Path):
    """The assignment's ``tasks.py`` (trusted harness code), imported under a private name."""
    path = assignment_dir / "tasks.py"
    spec = importlib.util.spec_from_file_location(f"_sparkgrade_tasks_{assignment_dir.name.replace('-', '_')}",
                                                  path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
