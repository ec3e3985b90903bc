"""Error hierarchy of sparkgrade; every message says what went wrong, where, and what to do."""


class SparkgradeError(Exception):
    """Base class of every error sparkgrade raises on purpose."""


class SpecError(SparkgradeError):
    """An assignment.toml is malformed; the message names the file and the key."""

    def __init__(self, path, key: str, problem: str):
        self.path, self.key, self.problem = str(path), key, problem
        super().__init__(f"{path}: {key}: {problem}")


class AssignmentNotFound(SparkgradeError):
    """No assignment folder matches the requested name."""


class SubmissionError(SparkgradeError):
    """A submission cannot be staged for grading (unreadable, unsafe, wrong type)."""
