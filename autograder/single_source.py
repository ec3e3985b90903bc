"""Where an assignment's single source lives, and the student stub kept derived from it.

The source is the reference module ``solutions/<slug>/<module>`` with solution regions
(:mod:`autograder.regions`). Its stub, ``assignments/<slug>/<module>``, is written from it whenever a spec
is loaded beside it and is not kept in git; everything that reads the stub (the notebook, the handout,
the leak scan, ``verify``) reads that file. A reference without regions leaves a hand-written stub alone.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from autograder.regions import derive_stub, has_regions


def source_file(assignment_folder: Path, module: str) -> Path:
    """``solutions/<slug>/<module>`` beside ``assignments/<slug>/``."""
    folder = Path(assignment_folder)
    return folder.parent.parent / "solutions" / folder.name / module


def refresh_stub(assignment_folder: Path, module: str) -> Path | None:
    """Write the stub derived from the assignment's single source when it differs from the one on disk.
    Returns the stub's path, or None when there is no source with regions (a handout, a bundle, or an
    assignment whose stub is written by hand)."""
    source = source_file(assignment_folder, module)
    if not source.is_file():
        return None
    text = source.read_text(encoding="utf-8")
    if not has_regions(text):
        return None
    target = Path(assignment_folder) / module
    write_if_changed(target, derive_stub(text, str(source)))
    return target


def write_if_changed(target: Path, text: str) -> None:
    """Write ``text`` to ``target`` unless it already holds it; atomically, so that readers in other processes
    see the old file or the new, never half of one."""
    if target.is_file() and target.read_text(encoding="utf-8") == text:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    os.chmod(temporary, 0o644)
    os.replace(temporary, target)
