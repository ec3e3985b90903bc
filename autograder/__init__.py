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

# The rest of the public API is imported on first use: the sandboxed children import this package too,
# and must not load the grader (runner, checks, pandas) before the submission runs.
_LAZY = {"discover": "autograder.registry", "load_assignment": "autograder.registry",
         "CheckResult": "autograder.results", "GradeReport": "autograder.results", "Status": "autograder.results",
         "grade_submission": "autograder.runner"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'autograder' has no attribute {name!r}")


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
