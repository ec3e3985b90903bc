"""Load a student's ``.ipynb`` or ``.py`` into a module, recording (not raising) what fails to run.

Notebook code cells run one by one in a shared namespace, as in Jupyter. Cell magics whose body is Python
run once (``%%time``, ``%%capture``, ``%%timeit``) keep their body; other cell magics, line magics and
shell lines (``!``) are skipped with a note in ``problems``; ``display(...)`` does nothing. A cell that raises is recorded and the next cells still run, so one
broken exploration cell does not hide the functions defined elsewhere.

One departure from Jupyter, so that a student may answer in any copy of a function the notebook holds:
**a top-level definition still in the handout's stub form (:func:`autograder.starter.is_stub`: body only
a docstring and ``raise NotImplementedError``) never replaces a definition of the same name that an
earlier cell made and that is not itself in stub form**; that stub definition is left out (a note says so)
and the rest of its cell runs. Decided on the cells' source text alone: it only chooses which of the
student's own definitions count, the same in every process that loads the notebook.
"""

from __future__ import annotations

import ast
import linecache
import re
import sys
import traceback
import types
from dataclasses import dataclass, field, replace
from pathlib import Path

import nbformat

from autograder.starter import DEFINITIONS, is_stub


@dataclass
class LoadedSubmission:
    """The module built from a submission and the problems met while running it."""

    module: types.ModuleType
    problems: list[str] = field(default_factory=list)   # errors and notes, in order (shown in the report)
    errors: list[str] = field(default_factory=list)     # the errors only

    def error(self, message: str) -> None:
        self.errors.append(message)
        self.problems.append(message)

    def lookup(self, name: str):
        """The attribute ``name`` of the submission, or raise AttributeError with a helpful message."""
        if hasattr(self.module, name):
            return getattr(self.module, name)
        why = f" Loading the submission also reported: {self.errors[0]}" if self.errors else ""
        raise AttributeError(f"`{name}` is not defined in the submission; define it with exactly this name."
                             + why)


# Cell magics whose body is Python that IPython runs once (``%%timeit`` is run once here too): the body is
# kept. Every other cell magic (``%%bash``, ``%%sql``, ``%%writefile``, ...) runs something that is not
# this Python, so its cell is skipped with a note.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})
# Line magics whose argument is a Python statement that runs once: the statement is kept (options dropped).
PYTHON_LINE_MAGICS = {"time": re.compile(r""), "timeit": re.compile(r"(?:-[nrp]\s*\d+\s+|-[qotc]\s+)*")}
SKIP_TAG = "sparkgrade-skip"
_SHELL_ASSIGN = re.compile(r"^\s*[A-Za-z_][A-Za-z0-9_]*\s*=\s*[!%]")


@dataclass(frozen=True)
class NotebookCell:
    """A code cell ready to run: its number among the notebook's code cells, Python source (magic lines
    replaced so line numbers stay) and notes on what was left out."""

    number: int
    source: str
    notes: tuple[str, ...] = ()
    count: int | None = None        # the execution count Jupyter shows beside the cell ([7]:), if saved

    @property
    def label(self) -> str:
        return f"code cell {self.number}" + (f", In [{self.count}]" if self.count else "")


def _python_lines(source: str, number: int) -> tuple[str, list[str]]:
    """``source`` with IPython line magics and shell lines replaced by ``pass`` (same indent, same line
    count), run-once line magics replaced by their statement, and a note for each line skipped."""
    lines, skipped = [], []
    for lineno, line in enumerate(source.splitlines(), 1):
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        if stripped.startswith("%") and not stripped.startswith("%%"):
            name, _, rest = stripped[1:].partition(" ")
            options = PYTHON_LINE_MAGICS.get(name)
            statement = rest.strip()[options.match(rest.strip()).end():] if options else ""
            if statement:
                lines.append(indent + statement)
                continue
        elif not (stripped.startswith("!") or _SHELL_ASSIGN.match(line)):
            lines.append(line)
            continue
        lines.append(indent + "pass")
        skipped.append(f"line {lineno} `{stripped[:60]}`")
    notes = [f"code cell {number}: skipped {', '.join(skipped)} (IPython magics and shell commands do not run "
             "when grading; write plain Python)"] if skipped else []
    return "\n".join(lines), notes


def _cell(source: str, number: int) -> NotebookCell:
    """One code cell as Python: a run-once cell magic keeps its body, any other cell magic skips the cell."""
    first, _, body = source.lstrip().partition("\n")
    if first.startswith("%%"):
        magic = first[2:].split(" ", 1)[0].strip()
        if magic not in PYTHON_CELL_MAGICS:
            return NotebookCell(number, "", (f"code cell {number}: skipped, it is a %%{magic} cell (only Python "
                                             "cells run when grading)",))
        blank_lines = source[: len(source) - len(source.lstrip())].count("\n") + 1
        source = "\n" * blank_lines + body
    python, notes = _python_lines(source, number)
    return NotebookCell(number, python, tuple(notes))


def notebook_cells(path: Path) -> list[NotebookCell]:
    """The code cells of a notebook as Python, numbered as in the notebook (magics handled by ``_cell``).
    Cells tagged ``sparkgrade-skip`` (the handout's set-up and check cells) are left out."""
    nb = nbformat.read(str(path), as_version=4)
    cells = []
    number = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        number += 1
        if SKIP_TAG not in cell.get("metadata", {}).get("tags", []):
            count = cell.get("execution_count")
            cells.append(replace(_cell(cell.source, number), count=count if isinstance(count, int) else None))
    return cells


def python_source(data: bytes) -> str:
    """A module's text as Python itself would read the file: a UTF-8 byte-order mark (Windows editors
    write one) dropped and a ``# -*- coding: ... -*-`` line honoured; bytes that do not decode become
    U+FFFD instead of failing the whole file."""
    import io
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:                 # an unknown coding name, or a BOM that contradicts it
        encoding = "utf-8"
    return data.decode(encoding, errors="replace").removeprefix("\ufeff")


def display(*objs, **kwargs) -> None:
    """Stand-in for IPython's ``display`` outside Jupyter: shows nothing and runs nothing."""


def _describe(exc: BaseException, filename: str) -> str:
    """One line: exception type, message and the submission line it came from."""
    if isinstance(exc, SyntaxError):
        return f"SyntaxError in {exc.filename or filename} line {exc.lineno}: {exc.msg}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    where = f" at {filename} line {frames[-1].lineno}" if frames else ""
    return f"{type(exc).__name__}{where}: {exc}"


def _keep_filled(source: str, label: str, filled: set[str], namespace: dict, notes: list[str]):
    """What to compile for one notebook cell: ``source`` itself, or, when it holds a stub-form definition
    of a name in ``filled`` that ``namespace`` still defines, its syntax tree without that definition (a
    note in ``notes`` says so). Updates ``filled``: the names whose last definition was not a stub."""
    try:
        tree = ast.parse(source, label)
    except (SyntaxError, ValueError):
        return source               # compiled as is, so the error is reported as usual
    dropped = False
    for i, node in enumerate(tree.body):
        if not isinstance(node, DEFINITIONS):
            continue
        stub = is_stub(node)
        if stub and node.name in filled and node.name in namespace:
            notes.append(f"{label}: `{node.name}` here is still the handout's unfilled stub; your earlier "
                         f"definition of `{node.name}` is the one graded")
            tree.body[i] = ast.copy_location(ast.Pass(), node)
            dropped = True
        else:
            (filled.discard if stub else filled.add)(node.name)
    return tree if dropped else source


def load_submission(path: Path, module_name: str, preset: dict | None = None) -> LoadedSubmission:
    """Run the submission at ``path`` as module ``module_name`` (registered in sys.modules); names in
    ``preset`` (e.g. ``spark``) are defined before it runs, as in the handout notebook."""
    path = Path(path)
    module = types.ModuleType(module_name)
    module.__file__ = str(path)
    module.__dict__.update({"display": display, **(preset or {})})
    sys.modules[module_name] = module
    loaded = LoadedSubmission(module)
    if path.suffix == ".ipynb":
        try:
            cells = notebook_cells(path)
        except Exception as exc:  # unreadable JSON, wrong nbformat, ...
            loaded.error(f"the notebook {path.name} could not be read ({type(exc).__name__}: {exc}); "
                                   "re-download it from Jupyter (File > Download) and submit again")
            return loaded
        chunks = [(f"{path.name} ({c.label})", c.source) for c in cells if c.source.strip()]
        loaded.problems += [note for c in cells for note in c.notes]
    else:
        try:
            chunks = [(path.name, python_source(path.read_bytes()))]
        except OSError as exc:
            loaded.error(f"{path.name} could not be read: {exc}")
            return loaded
    filled: set[str] = set()         # names a notebook cell defined in full (see the module docstring)
    for filename, source in chunks:
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        try:
            runnable = (_keep_filled(source, filename, filled, module.__dict__, loaded.problems)
                        if path.suffix == ".ipynb" else source)
            # dont_inherit: this file's `from __future__ import annotations` must not turn the
            # submission's annotations into strings (FastAPI and pydantic read them at runtime)
            code = compile(runnable, filename, "exec", dont_inherit=True)
            exec(code, module.__dict__)
        except BaseException as exc:  # SystemExit and KeyboardInterrupt from student code are recorded too
            loaded.error(_describe(exc, filename))
    return loaded
