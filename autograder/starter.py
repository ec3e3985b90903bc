"""Whether a submitted module or notebook is still the unchanged starter code of the handout.

Compares the definitions only (as syntax trees), so comments, blank lines, cell outputs and extra cells
do not count as work: a file is unchanged when it defines every function of the stub exactly as the stub
does. Used to pass over the untouched copy when a student uploads both the notebook and the module.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path


def definitions(source: str) -> dict[str, str]:
    """{name: syntax tree dump} of the top-level functions and classes in ``source`` (later ones win)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return {}
    return {node.name: ast.dump(node) for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


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
    source = notebook_source(data) if suffix.lower() == ".ipynb" else data.decode("utf-8", errors="replace")
    found = definitions(source)
    return all(found.get(name) == dump for name, dump in expected.items())
