"""Discovery of assignments by folder: ``<root>/assignments/<NN-slug>/assignment.toml``."""

from __future__ import annotations

import os
from pathlib import Path

from autograder.errors import AssignmentNotFound
from autograder.spec import AssignmentSpec, load_spec


HANDOUT_DIR = ".sparkgrade"


def project_root() -> Path:
    """The folder holding assignments/: ``$SPARKGRADE_ROOT``; else the ``.sparkgrade`` folder of a student
    handout at or above the working directory; else the checkout this package lives in."""
    env = os.environ.get("SPARKGRADE_ROOT")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / HANDOUT_DIR / "assignments").is_dir():
            return folder / HANDOUT_DIR
    return Path(__file__).resolve().parent.parent


def discover(root: Path | None = None) -> list[Path]:
    """Paths of every assignment.toml under ``root/assignments``, sorted by folder name."""
    base = (root or project_root()) / "assignments"
    return sorted(p for p in base.glob("*/assignment.toml") if p.is_file())


def load_assignment(name: str | Path, root: Path | None = None) -> AssignmentSpec:
    """Load an assignment by slug (``02-pipelines``), number prefix (``02``) or folder path."""
    candidate = Path(name)
    if candidate.is_dir() and (candidate / "assignment.toml").is_file():
        return load_spec(candidate / "assignment.toml")
    found = discover(root)
    matches = [p for p in found if p.parent.name == str(name)]
    matches = matches or [p for p in found if p.parent.name.startswith(f"{name}-")]
    if len(matches) != 1:
        known = ", ".join(p.parent.name for p in found) or "none"
        what = "matches several" if matches else "matches no"
        raise AssignmentNotFound(f"{name!r} {what} assignment; known assignments: {known}. "
                                 f"Run `sparkgrade list` to see them.")
    return load_spec(matches[0])
