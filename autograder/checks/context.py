"""What a check sees: the artifacts the children left, the prepared data and a Spark session of the
grader's own (used only to read Parquet and compute metrics; never to load student models)."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Mapping

from autograder.data import PreparedData
from autograder.harness.artifacts import read_json, stage_metadata
from autograder.spec import AssignmentSpec, CheckSpec


class GraderFault(Exception):
    """The grader's own code failed on what a child produced (never the student's failure)."""


class MissingArtifact(Exception):
    """A task succeeded but left no usable artifact; the message explains what was expected."""


@dataclass(frozen=True)
class ScoreRequest:
    """Ask the scoring child to load ``model`` in a fresh process (with the submission's own ``loader``
    function, if given), run it on the Parquet rows at ``data`` and leave its predictions under ``out``.

    ``fit``: ``model`` is an unfitted estimator, fitted first on the Parquet rows at ``fit`` (only those
    matching the grader's SQL condition ``where``, if given), with ``fit_params`` (JSON: a list of
    ``{"parent": stage uid, "name": param, "value": value}``, as Spark saves a grid point) set on its stages.
    ``rows``: the grader's SQL query over the view ``rows`` (the Parquet rows at ``data``): only its result
    is scored. ``preprocess``: a function of the submission, ``f(df) -> df``, applied to the rows before the
    model scores them (in a process of its own: see :mod:`autograder.harness.scorer`). ``metadata_of``: also
    leave the metadata Spark attaches to that output column (``column_metadata.json``: for an assembled
    vector, its slot names), read where the submission is never imported. ``probe``: instead of scoring, the scoring
    child runs the assignment's ``tasks.py`` function of that name, which drives the submission in
    processes of its own (see :mod:`autograder.harness.scorer`) and leaves what it observed under ``out``.

    Requests with the same model, data and out are scored once. ``to_dict`` gives the plain mapping the
    scoring phase reads (``model``, ``data``, ``out`` and, only when set, the optional fields)."""

    model: str
    data: str
    out: str
    loader: str | None = None
    fit: str | None = None
    where: str | None = None
    probe: str | None = None
    fit_params: str | None = None
    rows: str | None = None
    preprocess: str | None = None
    metadata_of: str | None = None

    OPTIONAL = ("loader", "fit", "where", "probe", "fit_params", "rows", "preprocess", "metadata_of")

    def __post_init__(self):
        for name in ("model", "data", "out") + (("fit",) if self.fit is not None else ()):
            object.__setattr__(self, name, str(getattr(self, name)))

    @property
    def key(self) -> tuple[str, str, str]:
        """What makes two requests the same scoring."""
        return self.model, self.data, self.out

    def to_dict(self) -> dict[str, str]:
        plain = {"model": self.model, "data": self.data, "out": self.out}
        plain.update({name: getattr(self, name) for name in self.OPTIONAL if getattr(self, name)})
        return plain

    @classmethod
    def from_dict(cls, plain: Mapping[str, Any]) -> ScoreRequest:
        return cls(model=plain["model"], data=plain["data"], out=plain["out"],
                   **{name: plain.get(name) for name in cls.OPTIONAL})

    @classmethod
    def of(cls, request: ScoreRequest | Mapping[str, Any]) -> ScoreRequest:
        """A request as given, or made from its plain mapping."""
        return request if isinstance(request, cls) else cls.from_dict(request)


def load_judges(spec: AssignmentSpec, module: str = "judges") -> ModuleType:
    """An assignment's judges module, ``judges`` (judges.py) or ``hidden/judges`` (hidden/judges.py),
    loaded from its file (a fresh module each time, never entered in ``sys.modules``)."""
    path = spec.path / f"{module}.py"
    name = f"_sparkgrade_{spec.slug.replace('-', '_')}_{module.replace('/', '_')}"
    found = importlib.util.spec_from_file_location(name, path)
    loaded = importlib.util.module_from_spec(found)
    found.loader.exec_module(loaded)
    return loaded


@dataclass
class JudgeContext:
    """Read-only access to one submission's artifacts for the checks."""

    spec: AssignmentSpec
    artifacts: Path
    scores: Path
    data: PreparedData
    spark_factory: Callable[[], Any]
    launch: Mapping[str, Any] | None = None     # the Spark options the grader started the student child with
    # How often the student children opened or read the watched copy of the training rows, counted by the
    # grader's kernel watch (None: no task is watched, or this platform cannot watch reads).
    watched_reads: int | None = None
    _spark: Any = field(default=None, repr=False)

    @property
    def spark(self):
        if self._spark is None:
            self._spark = self.spark_factory()
        return self._spark

    def _relative(self, exc: Exception) -> str:
        """An error's text with the grader's own folders left out (students see task-relative paths)."""
        return str(exc).replace(f"{self.artifacts}/", "")

    def task_dir(self, task: str) -> Path:
        return self.artifacts / task

    def outcome(self, task: str) -> dict[str, Any]:
        try:
            return read_json(self.task_dir(task) / "outcome.json")
        except (OSError, ValueError):
            return {"status": "not run"}

    def metadata(self, task: str, name: str = "stage") -> dict[str, Any]:
        try:
            return stage_metadata(self.task_dir(task) / name)
        except (OSError, ValueError) as exc:
            raise MissingArtifact(f"task '{task}' saved no readable stage: {self._relative(exc)}") from None

    def value(self, task: str, name: str = "value") -> Any:
        try:
            return read_json(self.task_dir(task) / f"{name}.json")
        except (OSError, ValueError) as exc:
            raise MissingArtifact(f"task '{task}' saved no readable value: {self._relative(exc)}") from None

    def dataframe(self, task: str, name: str = "data"):
        path = self.task_dir(task) / name
        if not path.is_dir():
            raise MissingArtifact(f"task '{task}' saved no DataFrame")
        return self.spark.read.parquet(str(path))

    def frame(self, task: str, name: str = "data"):
        """A DataFrame a task saved, read with pandas (no JVM in the grader)."""
        path = self.task_dir(task) / name
        if not path.is_dir():
            raise MissingArtifact(f"task '{task}' saved no DataFrame")
        return self.read_parquet(path)

    def schema(self, task: str, name: str = "data") -> dict[str, Any]:
        try:
            return read_json(self.task_dir(task) / f"{name}.schema.json")
        except (OSError, ValueError) as exc:
            raise MissingArtifact(f"task '{task}' saved no schema ({type(exc).__name__})") from None

    def read_parquet(self, path: Path):
        """A Parquet folder or file written by a child, as pandas (vectors arrive as arrays)."""
        import pandas as pd

        return pd.read_parquet(path)

    def score_dir(self, check: CheckSpec, label: str = "hidden") -> Path:
        return self.scores / f"{check.name}-{label}"

    def model_request(self, check: CheckSpec, task: str, data: Path | str, label: str = "hidden") -> ScoreRequest:
        """Score the stage ``task`` saved on ``data``, into this check's scores folder ``label``."""
        return ScoreRequest(model=self.task_dir(task) / "stage", data=data, out=self.score_dir(check, label))

    def judges(self, module: str = "judges") -> ModuleType:
        """The assignment's judges module, ``judges`` (judges.py) or ``hidden/judges`` (hidden/judges.py)."""
        return load_judges(self.spec, module)

    def public_judges(self) -> ModuleType:
        """The assignment's public judges.py: the way hidden judges reach its helpers."""
        return self.judges("judges")

    def train_columns(self) -> list[str]:
        return self.frame_columns(self.data.train)

    def train_types(self) -> dict[str, Any]:
        """Column -> Spark data type of the training rows, from the Parquet schema (no JVM)."""
        return self.frame_types(self.data.train)

    @staticmethod
    def _schema(path: Path):
        import pyarrow.dataset as ds

        return ds.dataset(str(path), format="parquet").schema

    def frame_columns(self, path: Path) -> list[str]:
        """The column names of the Parquet file or folder at ``path`` (a task's saved DataFrame, the rows)."""
        return list(self._schema(path).names)

    def frame_types(self, path: Path) -> dict[str, Any]:
        """Column -> Spark data type of the Parquet file or folder at ``path``, from its schema (no JVM); a
        type Spark cannot take from Arrow is left out."""
        from pyspark.sql.pandas.types import from_arrow_type

        types = {}
        for f in self._schema(path):
            try:
                types[f.name] = from_arrow_type(f.type)
            except Exception:  # noqa: BLE001 - an Arrow type without a Spark counterpart
                continue
        return types

    def scored(self, out: Path) -> dict[str, Any]:
        """The outcome the scoring child recorded for one request (``not run`` if none)."""
        try:
            outcome = read_json(Path(out) / "outcome.json")
        except (OSError, ValueError):
            return {"status": "not run", "message": "the scoring process did not reach this model"}
        if isinstance(outcome, dict) and outcome.get("status") == "error":
            raise GraderFault(f"the grader could not record the model's predictions: {outcome.get('message', '')}")
        return outcome
