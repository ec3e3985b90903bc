"""Assignment specs: frozen dataclasses loaded from ``assignments/<slug>/assignment.toml``.

Every validation error is a :class:`SpecError` naming the file and the key, e.g.
``assignments/02-pipelines/assignment.toml: checks[3].points: must be a number >= 0, got 'two'``.

The package: :mod:`~autograder.spec.model` (the dataclasses), :mod:`~autograder.spec.reader` (typed,
key-naming access to a TOML table) and :mod:`~autograder.spec.parse` (``load_spec``, ``parse_spec``).
"""

from autograder.spec.model import (SAVE_MODES, TASK_ARGS, VISIBILITIES, AssignmentSpec, BoxSpec, CheckSpec, DataSpec,
                                   QuestionSpec, TargetView, TaskSpec)
from autograder.spec.parse import load_spec, parse_spec

__all__ = ["AssignmentSpec", "BoxSpec", "CheckSpec", "DataSpec", "QuestionSpec", "TargetView", "TaskSpec",
           "SAVE_MODES", "TASK_ARGS", "VISIBILITIES", "load_spec", "parse_spec"]
