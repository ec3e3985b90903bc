"""What crosses each process boundary: the job the grader writes for a child (as JSON, read back by the
child), typed on both sides.

:class:`StudentJob`   grader (:mod:`~autograder.harness.student_phase`) -> student child
                      (:mod:`~autograder.harness.student`); its tasks are
                      :class:`~autograder.harness.sealing.TaskPlan` s
:class:`ScoringJob`   grader (:mod:`~autograder.harness.scoring_phase`) -> scoring child
                      (:mod:`~autograder.harness.scorer`); its requests stay plain dicts (``model``,
                      ``data``, ``out``, ``hidden``, ``timeout_s``, ``loader``, ``needs_submission``)

What comes back is files only (artifacts, outcomes, ``HARNESS`` events), judged by the grader.
Imports only the standard library, :mod:`autograder.spark` and :mod:`autograder.harness.sealing`: the
children load this module before any submission code runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from autograder.harness.sealing import TaskPlan
from autograder.spark import SparkOptions

HARNESS = "_harness.json"       # student child -> grader: events (Spark restarted, settings put back)
MAX_RESTARTS = 3                # fresh student children after one that died, per submission
REQUEST_TIMEOUT_S = 120.0       # a scoring request's time limit (at most)
LOAD_TIMEOUT_S = 120.0          # the submission's top-level code, when a job does not say


@dataclass(frozen=True)
class StudentJob:
    """The student child's job: load ``submission`` (its top-level code within ``load_timeout_s``),
    then run the tasks the grader orders through ``control``, writing into ``artifacts``."""

    submission: Path
    module_name: str
    assignment_dir: Path
    artifacts: Path
    control: Path
    spark: SparkOptions
    id_col: str
    data: Mapping[str, str] = field(default_factory=dict)      # public data: name -> path in the area
    tasks: tuple[TaskPlan, ...] = ()
    memory_mb: int = 2048
    load_timeout_s: float = LOAD_TIMEOUT_S

    def to_dict(self) -> dict[str, Any]:
        return {"submission": str(self.submission), "module_name": self.module_name,
                "assignment_dir": str(self.assignment_dir), "artifacts": str(self.artifacts),
                "id_col": self.id_col, "control": str(self.control), "spark": self.spark.to_dict(),
                "data": dict(self.data), "tasks": [t.to_dict() for t in self.tasks],
                "memory_mb": self.memory_mb, "load_timeout_s": self.load_timeout_s}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "StudentJob":
        return cls(spark=SparkOptions.from_dict(d["spark"]), submission=Path(d["submission"]),
                   module_name=d["module_name"], assignment_dir=Path(d["assignment_dir"]),
                   artifacts=Path(d["artifacts"]), control=Path(d["control"]), id_col=d["id_col"],
                   data=dict(d.get("data") or {}), tasks=tuple(TaskPlan.from_dict(t) for t in d.get("tasks", ())),
                   memory_mb=int(d.get("memory_mb", 2048)),
                   load_timeout_s=float(d.get("load_timeout_s", LOAD_TIMEOUT_S)))


@dataclass(frozen=True)
class ScoringJob:
    """The scoring child's job: score ``requests`` one at a time as the grader orders them through
    ``control``, writing into ``scores``. ``role`` "submission": import ``submission`` and run only the parts
    of the requests that need its code; "grader": never import it (its probes start it in processes of
    their own; see :mod:`autograder.harness.scorer`)."""

    submission: Path | None
    module_name: str
    spark: SparkOptions
    id_col: str
    scores: Path
    control: Path
    requests: tuple[dict, ...] = ()
    train: str | None = None        # the public training data (``train_df`` for the submission's code)
    memory_mb: int = 2048
    load_timeout_s: float = LOAD_TIMEOUT_S
    role: str = "grader"            # "submission": the parts that import it; "grader": everything else

    def to_dict(self) -> dict[str, Any]:
        return {"submission": str(self.submission) if self.submission else None, "module_name": self.module_name,
                "role": self.role,
                "spark": self.spark.to_dict(), "id_col": self.id_col, "requests": [dict(r) for r in self.requests],
                "memory_mb": self.memory_mb, "scores": str(self.scores), "train": self.train,
                "control": str(self.control), "load_timeout_s": self.load_timeout_s}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "ScoringJob":
        return cls(spark=SparkOptions.from_dict(d["spark"]),
                   submission=Path(d["submission"]) if d.get("submission") else None,
                   module_name=d["module_name"], id_col=d["id_col"],
                   scores=Path(d["scores"]), control=Path(d["control"]),
                   requests=tuple(dict(r) for r in d.get("requests", ())), train=d.get("train"),
                   memory_mb=int(d.get("memory_mb", 2048)), role=str(d.get("role", "grader")),
                   load_timeout_s=float(d.get("load_timeout_s", LOAD_TIMEOUT_S)))
