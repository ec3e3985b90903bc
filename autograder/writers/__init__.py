"""Outputs, chosen by name; none knows the others: the formats of one GradeReport (``--writer``, WRITERS)
and the class-level outputs of ``grade --class`` (``--outputs``, CLASS_OUTPUTS in :mod:`.classes`)."""

from __future__ import annotations

from typing import Callable

from autograder.writers import console, gradescope, jsonfile, markdown
from autograder.writers.classes import CLASS_OUTPUTS

WRITERS: dict[str, Callable] = {
    "console": console.render,
    "json": jsonfile.render,
    "gradescope": gradescope.render,
    "markdown": markdown.render,
}

__all__ = ["CLASS_OUTPUTS", "WRITERS"]
