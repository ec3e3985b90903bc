"""Grading results as plain data: no knowledge of any LMS or output format."""

from __future__ import annotations

import enum
import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any


class Status(str, enum.Enum):
    """Outcome of one check: passed, failed (the submission is wrong) or error (it could not be judged)."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"


class Cause(str, enum.Enum):
    """Why a check did not pass, as the grader observed it (never as the submission said it). The
    ``student_*`` causes are the student's ``failed``; the ``grader_*`` causes are the grader's ``error``."""

    STUDENT_ERROR = "student_error"                 # the work is wrong, incomplete or raised
    STUDENT_TIMEOUT = "student_timeout"             # the grader stopped it at its time limit
    STUDENT_MEMORY = "student_memory"               # it went over its memory limit in a box with room to spare
    GRADER_INFRASTRUCTURE = "grader_infrastructure"  # the shared server died, the box is too small, the disk is full
    GRADER_BUG = "grader_bug"                       # the grader's own code failed

    @property
    def status(self) -> "Status":
        return Status.ERROR if self.value.startswith("grader_") else Status.FAILED


@dataclass(frozen=True)
class CheckResult:
    """The verdict of one check, with a message saying what was found and a hint saying what to do."""

    name: str
    status: Status
    score: float
    max_score: float
    message: str = ""
    hint: str = ""
    question: str = ""
    visibility: str = "visible"
    seconds: float = 0.0
    cause: Cause | None = None      # why it did not pass (None when passed)
    # Its text may carry what the submission read of hidden inputs (its task ran while they were in reach):
    # students see a generic message instead (autograder.feedback); absent in older reports (False).
    withheld: bool = False
    # For the instructor to decide (the points stand meanwhile): e.g. a held-out metric far beyond the
    # reference's (autograder.checks.bounds). Empty when nothing is out of the ordinary.
    flag: str = ""
    measured: dict[str, float] = field(default_factory=dict)   # what the check measured (a metric, its rows)

    def __post_init__(self) -> None:
        if self.cause is None and self.status is not Status.PASSED:      # built without one: from its status
            object.__setattr__(self, "cause", Cause.GRADER_BUG if self.status is Status.ERROR else Cause.STUDENT_ERROR)

    @classmethod
    def passed(cls, message: str = "", **kw: Any) -> "CheckResult":
        return cls(name="", status=Status.PASSED, score=0.0, max_score=0.0, message=message, **kw)

    @classmethod
    def failed(cls, message: str, hint: str = "", cause: Cause = Cause.STUDENT_ERROR, **kw: Any) -> "CheckResult":
        """The submission's failure (a ``student_*`` cause)."""
        return cls.because(cause, message, hint, Status.FAILED, **kw)

    @classmethod
    def error(cls, message: str, hint: str = "", cause: Cause = Cause.GRADER_BUG, **kw: Any) -> "CheckResult":
        """The grader's error (a ``grader_*`` cause)."""
        return cls.because(cause, message, hint, Status.ERROR, **kw)

    @classmethod
    def because(cls, cause: Cause, message: str, hint: str = "", expected: Status | None = None,
                **kw: Any) -> "CheckResult":
        """A verdict for an observed ``cause``: ``failed`` for the student's causes, ``error`` for the grader's
        (``expected``: the status the caller means, refused when the cause says otherwise)."""
        if expected is not None and cause.status is not expected:
            raise ValueError(f"{cause.value} does not make a check {expected.value}")
        return cls(name="", status=cause.status, score=0.0, max_score=0.0, message=message, hint=hint, cause=cause,
                   **kw)

    def scored(self, name: str, points: float, question: str, visibility: str, hint: str = "") -> "CheckResult":
        """This verdict attached to a declared check: full points when passed, none otherwise."""
        return replace(self, name=name, max_score=points, question=question, visibility=visibility,
                       score=points if self.status is Status.PASSED else 0.0,
                       hint=self.hint or ("" if self.status is Status.PASSED else hint))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["status"] = self.status.value
        d["cause"] = self.cause.value if self.cause is not None else None
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "CheckResult":
        cause = d.get("cause")      # reports written before causes existed have none: inferred from the status
        return cls(**{**d, "status": Status(d["status"]), "cause": Cause(cause) if cause else None})


@dataclass(frozen=True)
class GradeReport:
    """All check results of one submission to one assignment."""

    assignment: str
    submission: str
    checks: tuple[CheckResult, ...]
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)
    timings: tuple[tuple[str, float], ...] = ()     # where the time went (autograder.timings), for instructors

    @property
    def score(self) -> float:
        return round(sum(c.score for c in self.checks), 6)

    @property
    def max_score(self) -> float:
        return round(sum(c.max_score for c in self.checks), 6)

    @property
    def grader_errors(self) -> tuple[CheckResult, ...]:
        """The checks the grader could not grade (status ``error``): while there are any, the score is not final."""
        return tuple(c for c in self.checks if c.status is Status.ERROR)

    @property
    def flagged(self) -> tuple[CheckResult, ...]:
        """The checks that ask the instructor to look (``flag``): their points are not final until then."""
        return tuple(c for c in self.checks if c.flag)

    def by_name(self) -> dict[str, CheckResult]:
        return {c.name: c for c in self.checks}

    def to_dict(self) -> dict[str, Any]:
        return {"assignment": self.assignment, "submission": self.submission, "score": self.score,
                "max_score": self.max_score, "seconds": round(self.seconds, 3), "notes": list(self.notes),
                "checks": [c.to_dict() for c in self.checks],
                "timings": [{"span": name, "seconds": s} for name, s in self.timings]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "GradeReport":
        return cls(assignment=d["assignment"], submission=d["submission"], seconds=d.get("seconds", 0.0),
                   notes=tuple(d.get("notes", ())), checks=tuple(CheckResult.from_dict(c) for c in d["checks"]),
                   timings=tuple((t["span"], float(t["seconds"])) for t in d.get("timings", ())))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)
