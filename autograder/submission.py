"""Load a student's ``.ipynb`` or ``.py`` into a module, recording (not raising) what fails to run.

Notebook code cells run one by one in a shared namespace, as in Jupyter; IPython magics (``%``, ``%%``)
and shell lines (``!``) are skipped. A cell that raises is recorded and the next cells still run, so one
broken exploration cell does not hide the functions defined elsewhere.
"""

from __future__ import annotations

import linecache
import sys
import traceback
import types
from dataclasses import dataclass, field
from pathlib import Path

import nbformat


@dataclass
class LoadedSubmission:
    """The module built from a submission and the problems met while running it."""

    module: types.ModuleType
    problems: list[str] = field(default_factory=list)

    def lookup(self, name: str):
        """The attribute ``name`` of the submission, or raise AttributeError with a helpful message."""
        if hasattr(self.module, name):
            return getattr(self.module, name)
        why = f" Loading the submission also reported: {self.problems[0]}" if self.problems else ""
        raise AttributeError(f"`{name}` is not defined in the submission; define it with exactly this name."
                             + why)


def _is_magic(line: str) -> bool:
    stripped = line.lstrip()
    return stripped.startswith(("%", "!")) or "= !" in stripped and stripped.split("= !")[0].isidentifier()


SKIP_TAG = "sparkgrade-skip"


def notebook_cells(path: Path) -> list[str]:
    """Source of each code cell of a notebook, with magics and shell lines blanked (line numbers kept).
    Cells tagged ``sparkgrade-skip`` (the handout's set-up and check cells) are left out."""
    nb = nbformat.read(str(path), as_version=4)
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code" or SKIP_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        source = cell.source
        if source.lstrip().startswith("%%"):
            continue
        cells.append("\n".join("" if _is_magic(line) else line for line in source.splitlines()))
    return cells


def _describe(exc: BaseException, filename: str) -> str:
    """One line: exception type, message and the submission line it came from."""
    if isinstance(exc, SyntaxError):
        return f"SyntaxError in {exc.filename or filename} line {exc.lineno}: {exc.msg}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    where = f" at {filename} line {frames[-1].lineno}" if frames else ""
    return f"{type(exc).__name__}{where}: {exc}"


def load_submission(path: Path, module_name: str, preset: dict | None = None) -> LoadedSubmission:
    """Run the submission at ``path`` as module ``module_name`` (registered in sys.modules); names in
    ``preset`` (e.g. ``spark``) are defined before it runs, as in the handout notebook."""
    path = Path(path)
    module = types.ModuleType(module_name)
    module.__file__ = str(path)
    module.__dict__.update(preset or {})
    sys.modules[module_name] = module
    loaded = LoadedSubmission(module)
    if path.suffix == ".ipynb":
        try:
            chunks = [(f"{path.name} (code cell {i + 1})", src) for i, src in enumerate(notebook_cells(path))]
        except Exception as exc:  # unreadable JSON, wrong nbformat, ...
            loaded.problems.append(f"the notebook {path.name} could not be read ({type(exc).__name__}: {exc}); "
                                   "re-download it from Jupyter (File > Download) and submit again")
            return loaded
    else:
        try:
            chunks = [(path.name, path.read_text(encoding="utf-8", errors="replace"))]
        except OSError as exc:
            loaded.problems.append(f"{path.name} could not be read: {exc}")
            return loaded
    for filename, source in chunks:
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        try:
            # dont_inherit: this file's `from __future__ import annotations` must not turn the
            # submission's annotations into strings (FastAPI and pydantic read them at runtime)
            code = compile(source, filename, "exec", dont_inherit=True)
            exec(code, module.__dict__)
        except BaseException as exc:  # SystemExit and KeyboardInterrupt from student code are recorded too
            loaded.problems.append(_describe(exc, filename))
    return loaded
