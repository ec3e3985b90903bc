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

    @classmethod
    def passed(cls, message: str = "", **kw: Any) -> "CheckResult":
        return cls(name="", status=Status.PASSED, score=0.0, max_score=0.0, message=message, **kw)

    @classmethod
    def failed(cls, message: str, hint: str = "", **kw: Any) -> "CheckResult":
        return cls(name="", status=Status.FAILED, score=0.0, max_score=0.0, message=message, hint=hint, **kw)

    @classmethod
    def error(cls, message: str, hint: str = "", **kw: Any) -> "CheckResult":
        return cls(name="", status=Status.ERROR, score=0.0, max_score=0.0, message=message, hint=hint, **kw)

    def scored(self, name: str, points: float, question: str, visibility: str, hint: str = "") -> "CheckResult":
        """This verdict attached to a declared check: full points when passed, none otherwise."""
        return replace(self, name=name, max_score=points, question=question, visibility=visibility,
                       score=points if self.status is Status.PASSED else 0.0,
                       hint=self.hint or ("" if self.status is Status.PASSED else hint))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["status"] = self.status.value
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "CheckResult":
        return cls(**{**d, "status": Status(d["status"])})


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
