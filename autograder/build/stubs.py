"""Split a student stub module into the preamble (imports, constants) and one code block per definition."""

from __future__ import annotations

import ast
from pathlib import Path


def split_stub(path: Path) -> tuple[str, dict[str, str]]:
    """(preamble, {name: source}) for the top-level functions and classes of ``path``."""
    source = Path(path).read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    blocks: dict[str, str] = {}
    taken: set[int] = set()
    body = tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
        taken.update(range(body[0].lineno - 1, body[0].end_lineno))
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
            blocks[node.name] = "\n".join(lines[start:node.end_lineno])
            taken.update(range(start, node.end_lineno))
    preamble = "\n".join(line for i, line in enumerate(lines) if i not in taken)
    return preamble.strip() + "\n", blocks
