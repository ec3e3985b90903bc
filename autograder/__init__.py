"""sparkgrade: gradeable Spark MLlib assignments and a hardened autograder.

Public API::

    from autograder import load_assignment, grade_submission, GradeReport, CheckResult

Errors all derive from :class:`SparkgradeError`::

    SparkgradeError
    ├── SpecError            an assignment.toml is malformed (names file and key)
    ├── AssignmentNotFound   no assignment matches the given name
    └── SubmissionError      a submission cannot be staged (bad archive, unsafe file, ...)
"""

from autograder.errors import AssignmentNotFound, SparkgradeError, SpecError, SubmissionError
from autograder.registry import discover, load_assignment
from autograder.results import CheckResult, GradeReport, Status
from autograder.runner import grade_submission

__all__ = [
    "AssignmentNotFound",
    "CheckResult",
    "GradeReport",
    "SparkgradeError",
    "SpecError",
    "Status",
    "SubmissionError",
    "discover",
    "grade_submission",
    "load_assignment",
]
__version__ = "0.1.0"
