"""An otter-grader master notebook read as the single source of a new assignment (``sparkgrade new
--from-otter``).

Otter's assign format: raw cells (or Markdown cells fenced as ```otter) open and close blocks,
``# BEGIN QUESTION`` (with ``name: q1`` and other ``key: value`` lines), ``# BEGIN PROMPT``,
``# BEGIN SOLUTION``, ``# BEGIN TESTS`` and their ``# END ...``; ``# ASSIGNMENT CONFIG`` is otter's own.
What is taken:

- the code cells outside the tests blocks, in order, as the module's source: imports, definitions and
  constant assignments (a graded module only defines; any other top-level statement is left out and
  named). Their inline solution markers (``# BEGIN SOLUTION`` in a function, ``x = 1  # SOLUTION``) are
  the regions the stub is derived from (:mod:`autograder.regions`);
- per question: its name, a title (its first Markdown heading), its prompt (its Markdown outside the
  solution blocks) and its functions (the definitions in its code cells).

Otter's tests are not taken: they run in the student's kernel, where a submission can rewrite them. Each
question's test cells are counted, so the instructor knows which checks to write.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.errors import SparkgradeError

BOUNDARY = re.compile(r"^\s*#\s+(begin|end)\s+(question|prompt|solution|tests)\b", re.IGNORECASE)
CONFIG = re.compile(r"^\s*#\s+assignment\s+config\b", re.IGNORECASE)
HEADING = re.compile(r"^\s*#{1,6}\s+(.+?)\s*$")
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
KEPT = (ast.Import, ast.ImportFrom, *DEFINITIONS)


@dataclass(frozen=True)
class ImportedQuestion:
    name: str
    title: str
    prompt: str
    functions: tuple[str, ...]
    tests: int              # otter test cells not imported


@dataclass(frozen=True)
class Master:
    source: str             # the single-source module
    questions: tuple[ImportedQuestion, ...]
    left_out: tuple[str, ...]   # what was not taken, and where


@dataclass
class _Question:
    config: dict[str, str]
    markdown: list[str]
    functions: list[str]
    tests: int = 0


def _unfenced(cell) -> tuple[str, str]:
    """(cell type, source) with a Markdown cell fenced as ```otter read as the raw cell it stands for."""
    lines = cell.source.strip().splitlines()
    if cell.cell_type == "markdown" and len(lines) >= 2 and lines[0].strip() == "```otter" and lines[-1].strip() == "```":
        return "raw", "\n".join(lines[1:-1])
    return cell.cell_type, cell.source


def _config(text: str) -> dict[str, str]:
    """The flat ``key: value`` lines of a question's config (nested settings are otter's own)."""
    pairs = (line.split(":", 1) for line in text.splitlines()[1:] if ":" in line and not line.startswith((" ", "\t")))
    return {k.strip(): v.strip().strip("'\"") for k, v in pairs}


def _constant(node: ast.stmt) -> bool:
    """An assignment of a literal (``K = 3``, ``COLUMNS = ["a", "b"]``, ``x = ...``)."""
    if not isinstance(node, (ast.Assign, ast.AnnAssign)) or node.value is None:
        return False
    try:
        ast.literal_eval(node.value)
        return True
    except ValueError:
        return isinstance(node.value, ast.Constant)


def _otter_import(node: ast.stmt) -> bool:
    names = ([a.name for a in node.names] if isinstance(node, ast.Import)
             else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
    return any(n == "otter" or n.startswith("otter.") for n in names)


def _definitions(source: str, where: str, left_out: list[str]) -> tuple[list[str], list[str]]:
    """(the lines a module keeps of one code cell, the names it defines); IPython lines (``%``, ``!``)
    and statements that run something at import are left out and named in ``left_out``."""
    lines = source.splitlines()
    magics = [i for i, line in enumerate(lines) if line.lstrip().startswith(("%", "!"))]
    for i in magics:
        left_out.append(f"{where} line {i + 1}: IPython command `{lines[i].strip()[:60]}`")
        lines[i] = ""
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError as exc:
        raise SparkgradeError(f"{where} is not valid Python (line {exc.lineno}: {exc.msg}); fix the master "
                              "notebook and run the import again") from None
    kept: list[str] = []
    names: list[str] = []
    starts = [min([n.lineno] + [d.lineno for d in getattr(n, "decorator_list", [])]) - 1 for n in tree.body]
    for node, start, end in zip(tree.body, starts, starts[1:] + [len(lines)]):
        if _otter_import(node):
            left_out.append(f"{where} line {node.lineno}: `{lines[node.lineno - 1].strip()[:60]}` (otter's own: "
                            "the handout's notebook gets sparkgrade's checks)")
        elif isinstance(node, KEPT) or _constant(node):
            segment = lines[start:end]          # with the comments after it (a closing `# END SOLUTION`)
            while segment and not segment[-1].strip():
                segment.pop()
            kept += segment
            if isinstance(node, DEFINITIONS):
                kept.append("")
                names.append(node.name)
        else:
            left_out.append(f"{where} line {node.lineno}: `{lines[node.lineno - 1].strip()[:60]}` (a graded "
                            "module only defines; move it into a function if students must write it)")
    return kept, names


def read_master(path: Path) -> Master:
    """Read an otter master notebook; errors name the cell."""
    try:
        notebook = nbformat.read(str(path), as_version=4)
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same advice
        raise SparkgradeError(f"{path} is not a readable notebook ({exc})") from None
    blocks: list[str] = []
    question: _Question | None = None
    questions: list[_Question] = []
    module: list[str] = []
    left_out: list[str] = []
    for number, cell in enumerate(notebook.cells, 1):
        kind, text = _unfenced(cell)
        where = f"{Path(path).name} cell {number}"
        boundary = BOUNDARY.match(text) if kind == "raw" else None
        if kind == "raw" and CONFIG.match(text):
            continue
        if boundary:
            edge, block = boundary.group(1).lower(), boundary.group(2).lower()
            if edge == "begin":
                if (block == "question") != (not blocks):
                    raise SparkgradeError(f"{where}: `# BEGIN {block.upper()}` "
                                          + ("inside another block" if block == "question" else "outside a question"))
                blocks.append(block)
                if block == "question":
                    question = _Question(_config(text), [], [])
                    questions.append(question)
            else:
                if not blocks or blocks[-1] != block:
                    raise SparkgradeError(f"{where}: `# END {block.upper()}` closes "
                                          + (f"a {blocks[-1]} block" if blocks else "no open block"))
                blocks.pop()
                question = question if blocks else None
            continue
        if kind == "code":
            if "tests" in blocks and question is not None:
                question.tests += 1
                continue
            kept, names = _definitions(text, where, left_out)
            module += kept + ([""] if kept else [])
            if question is not None:
                question.functions += names
        elif kind == "markdown" and question is not None and "solution" not in blocks:
            question.markdown.append(text.strip())
    if blocks:
        raise SparkgradeError(f"{Path(path).name}: the {blocks[-1]} block is never closed; add a raw cell "
                              f"`# END {blocks[-1].upper()}`")
    imported = tuple(_imported(q, i) for i, q in enumerate(questions, 1))
    source = "\n".join(module).rstrip() + "\n"
    return Master(source, imported, tuple(left_out))


def _imported(q: _Question, index: int) -> ImportedQuestion:
    name = q.config.get("name") or f"q{index}"
    lines = [line.strip() for text in q.markdown for line in text.splitlines() if line.strip()]
    headings = [m.group(1) for m in map(HEADING.match, lines) if m]
    title = re.sub(r"[*_`]", "", (headings or lines or [name])[0])[:80].strip()
    return ImportedQuestion(name, title, "\n\n".join(q.markdown), tuple(dict.fromkeys(q.functions)), q.tests)
