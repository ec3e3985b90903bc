"""A handout notebook filled in as a student would: each function's reference definition (from
solutions/<slug>/) pasted into the first cell that defines it, every other cell left as handed out."""

from __future__ import annotations

import ast
import inspect
import linecache
import re
from pathlib import Path

import nbformat

from autograder.build.stubs import split_stub
from autograder.spec import AssignmentSpec
from autograder.starter import DEFINITIONS


def defined(source: str) -> list[str]:
    """Names of the top-level functions and classes of a cell ([] when it is not plain Python)."""
    try:
        return [n.name for n in ast.parse(source).body if isinstance(n, DEFINITIONS)]
    except SyntaxError:
        return []


def reference_blocks(spec: AssignmentSpec, root: Path) -> dict[str, str]:
    return split_stub(root / "solutions" / spec.slug / spec.module)[1]


def fill(nb: nbformat.NotebookNode, spec: AssignmentSpec, root: Path) -> nbformat.NotebookNode:
    """``nb`` with the first cell defining each stub function replaced by the reference's definition; the
    reference's own helpers (``_vectors``) go in the cell of the first function that calls them."""
    stub = split_stub(spec.path / spec.module)[1]
    reference = reference_blocks(spec, root)
    helpers = [name for name in reference if name not in stub]
    done: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        names = [n for n in defined(cell.source) if n in stub and n not in done]
        if not names:
            continue
        assert names == defined(cell.source), f"{spec.slug}: a cell holds more than one function: {names}"
        (name,) = names
        used = [h for h in helpers if re.search(rf"\b{re.escape(h)}\b", reference[name])]
        helpers = [h for h in helpers if h not in used]
        cell.source = "\n\n\n".join([reference[h] for h in used] + [reference[name]])
        done.add(name)
    assert done == set(stub), f"{spec.slug}: no cell defines {sorted(set(stub) - done)}"
    assert not helpers, f"{spec.slug}: no function calls the reference's helpers {helpers}"
    return nb


def definition_run(obj, name: str) -> str:
    """The syntax tree dump of the definition that made ``obj`` (a function or class of a loaded
    notebook), read from the cell the loader ran (its source is in linecache)."""
    functions = [inspect.unwrap(v) for v in vars(obj).values() if inspect.isfunction(v)] \
        if inspect.isclass(obj) else [obj]                  # a class: where its own methods were defined
    code = next(f.__code__ for f in functions if ".ipynb (" in f.__code__.co_filename)
    tree = ast.parse("".join(linecache.getlines(code.co_filename)))
    (node,) = [n for n in tree.body if isinstance(n, DEFINITIONS) and n.name == name
               and n.lineno <= code.co_firstlineno <= n.end_lineno]
    return ast.dump(node)
