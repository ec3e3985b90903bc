"""Whether a submitted module or notebook is still the unchanged starter code of the handout.

Compares the definitions only (as syntax trees), so comments, blank lines, cell outputs and extra cells
do not count as work: a file is unchanged when it defines every function of the stub exactly as the stub
does. Used to pass over the untouched copy when a student uploads both the notebook and the module.

Also says what the handout's stub form is (:func:`is_stub`): the notebook loader
(:mod:`autograder.submission`) never lets such a definition replace one the student filled in, and
:func:`definitions` of a notebook applies the same rule, so both read a notebook alike.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path


DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _raises_not_implemented(node: ast.stmt) -> bool:
    exc = node.exc if isinstance(node, ast.Raise) else None
    if isinstance(exc, ast.Call):
        exc = exc.func
    return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"


def is_stub(node: ast.stmt) -> bool:
    """Whether a definition is in the form of the handout's stubs: a function whose body is an optional
    docstring and one ``raise NotImplementedError`` (with or without a message), or a class whose body
    holds only a docstring, ``pass`` and such functions (comments are not part of the tree)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        body = node.body[1:] if _docstring(node.body[0]) else node.body
        return len(body) == 1 and _raises_not_implemented(body[0])
    if isinstance(node, ast.ClassDef):
        body = [n for n in node.body if not (_docstring(n) or isinstance(n, ast.Pass))]
        return bool(body) and all(is_stub(n) for n in body)
    return False


def definitions(source: str, keep_filled: bool = False) -> dict[str, str]:
    """{name: syntax tree dump} of the top-level functions and classes in ``source`` (later ones win; with
    ``keep_filled``, a definition in stub form never replaces an earlier one that is not, as when a
    notebook is loaded)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return {}
    found: dict[str, str] = {}
    filled: set[str] = set()
    for node in tree.body:
        if not isinstance(node, DEFINITIONS):
            continue
        stub = is_stub(node)
        if keep_filled and stub and node.name in filled:
            continue
        found[node.name] = ast.dump(node)
        (filled.discard if stub else filled.add)(node.name)
    return found


def notebook_source(data: bytes) -> str:
    """The code cells of a notebook as one module; cells that are not plain Python are left out."""
    try:
        cells = json.loads(data.decode("utf-8", errors="replace")).get("cells", [])
    except (ValueError, AttributeError):
        return ""
    parts = []
    for cell in cells if isinstance(cells, list) else []:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        text = cell.get("source", "")
        text = "".join(text) if isinstance(text, list) else str(text)
        try:
            ast.parse(text)
        except (SyntaxError, ValueError):
            continue
        parts.append(text)
    return "\n\n".join(parts)


def unchanged(data: bytes, suffix: str, stub: Path) -> bool:
    """Whether ``data`` (a ``.py`` or ``.ipynb`` file's bytes) defines the stub's functions exactly as
    the stub does. False when the stub cannot be read."""
    try:
        expected = definitions(Path(stub).read_text(encoding="utf-8"))
    except OSError:
        return False
    if not expected:
        return False
    notebook = suffix.lower() == ".ipynb"
    source = notebook_source(data) if notebook else data.decode("utf-8", errors="replace")
    found = definitions(source, keep_filled=notebook)
    return all(found.get(name) == dump for name, dump in expected.items())
