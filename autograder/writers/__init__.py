"""Output formats for a GradeReport, chosen by name (``--writer``); none knows the others."""

from __future__ import annotations

from typing import Callable

from autograder.writers import console, gradescope, jsonfile, markdown

WRITERS: dict[str, Callable] = {
    "console": console.render,
    "json": jsonfile.render,
    "gradescope": gradescope.render,
    "markdown": markdown.render,
}

__all__ = ["WRITERS"]
