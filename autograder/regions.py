"""Solution regions of a single-source module: the student's stub derived from the reference.

An assignment's one source is its reference module, ``solutions/<slug>/<module>``, marked with the
regions instructors know from otter-grader's assign format (nbgrader's ``### BEGIN SOLUTION`` is read
too). The markers are comments and the prompts are string statements, so the source itself runs as the
hidden reference; :func:`derive_stub` writes what students get:

- ``# BEGIN SOLUTION`` ... ``# END SOLUTION``: the lines are left out. In their place the handout's
  stub form: ``# TODO`` and ``raise NotImplementedError("<function> is not written yet")`` at the
  block's indentation (otter writes ``...``; the stub form is what tells an unfilled function apart).
- ``# BEGIN SOLUTION NO PROMPT``: the lines are left out, with nothing in their place.
- ``""\" # BEGIN PROMPT`` ... ``""\" # END PROMPT``: the lines between (a string in the source) become
  code in the stub, as written. Put one before a ``NO PROMPT`` block to write a prompt of your own.
- A line ending in ``# SOLUTION``: an assignment keeps its target (``k = ...``), any other line becomes
  ``...``. A line ending in ``# SOLUTION NO PROMPT`` is left out.

Standard library only: the grader, the build and the scaffold all read sources with it.
"""

from __future__ import annotations

import ast
import re

from autograder.errors import SparkgradeError

BEGIN = re.compile(r"^(?P<indent>\s*)#{1,3} ?BEGIN SOLUTION(?P<bare> NO PROMPT)?\s*$")
END = re.compile(r"^\s*#{1,3} ?END SOLUTION\s*$")
PROMPT_BEGIN = re.compile(r"^\s*(?:[rR]?\"\"\"|[rR]?''')\s*# ?BEGIN PROMPT\s*$")
PROMPT_END = re.compile(r"^\s*(?:\"\"\"|''')\s*;?\s*# ?END PROMPT\s*$")
LINE_DROP = re.compile(r"#\s?SOLUTION NO PROMPT\s*$")
LINE_SOLUTION = re.compile(r"^(?P<indent>\s*)(?P<code>.*?)\s*#\s?SOLUTION\s*$")
ASSIGNMENT = re.compile(r"^(?P<target>(?:[\w.]+(?:\[[^\]]*\])*\s*,\s*)*[\w.]+(?:\[[^\]]*\])*\s*(?::[^=]+)?=)(?!=)")
DEFINITION = re.compile(r"^(?P<indent>\s*)(?:async\s+)?def\s+(?P<name>\w+)")
ANY_MARKER = re.compile(r"#{1,3} ?(?:BEGIN|END) (?:SOLUTION|PROMPT)|#\s?SOLUTION(?: NO PROMPT)?\s*$", re.MULTILINE)


class RegionError(SparkgradeError, ValueError):
    """A source's solution regions do not pair up; the message names the file and the line."""


def has_regions(text: str) -> bool:
    """Whether ``text`` marks any solution region or prompt (else it is not a single source)."""
    return bool(ANY_MARKER.search(text))


def _enclosing_function(lines: list[str], index: int, indent: str) -> str | None:
    """The name of the nearest ``def`` above line ``index`` that is less indented than ``indent``."""
    for line in reversed(lines[:index]):
        found = DEFINITION.match(line)
        if found and len(found.group("indent")) < len(indent):
            return found.group("name")
    return None


def _stub_form(lines: list[str], index: int, indent: str, where: str) -> list[str]:
    name = _enclosing_function(lines, index, indent)
    if name is None:
        raise RegionError(f"{where}:{index + 1}: a BEGIN SOLUTION block outside any function has no stub form; "
                          "write `# BEGIN SOLUTION NO PROMPT` (and a PROMPT block if students need one)")
    return [f"{indent}# TODO", f'{indent}raise NotImplementedError("{name} is not written yet")']


def _solution_line(line: str) -> str:
    """A line ending in ``# SOLUTION`` as the stub shows it: ``target = ...`` or ``...``."""
    found = LINE_SOLUTION.match(line)
    assert found is not None
    target = ASSIGNMENT.match(found.group("code"))
    return found.group("indent") + (f"{target.group('target').rstrip()} ..." if target else "...")


def derive_stub(text: str, where: str = "<source>") -> str:
    """The stub of a single-source module ``text``; ``where`` names it in errors."""
    lines = text.splitlines()
    out: list[str] = []
    solution_at: int | None = None
    prompt_at: int | None = None
    for index, line in enumerate(lines):
        if solution_at is not None:
            if BEGIN.match(line) or PROMPT_BEGIN.match(line):
                raise RegionError(f"{where}:{index + 1}: a region starts inside the solution block opened at "
                                  f"line {solution_at + 1}; close it with `# END SOLUTION` first")
            if END.match(line):
                solution_at = None
            continue
        if prompt_at is not None:
            if PROMPT_END.match(line):
                prompt_at = None
            elif BEGIN.match(line) or END.match(line) or PROMPT_BEGIN.match(line):
                raise RegionError(f"{where}:{index + 1}: a marker inside the prompt opened at line "
                                  f"{prompt_at + 1}; close it with `\"\"\" # END PROMPT` first")
            else:
                out.append(line)
            continue
        begin = BEGIN.match(line)
        if begin:
            solution_at = index
            if not begin.group("bare"):
                out.extend(_stub_form(lines, index, begin.group("indent"), where))
        elif PROMPT_BEGIN.match(line):
            prompt_at = index
        elif END.match(line) or PROMPT_END.match(line):
            raise RegionError(f"{where}:{index + 1}: {line.strip()!r} closes a region that was never opened")
        elif LINE_DROP.search(line):
            continue
        elif LINE_SOLUTION.match(line):
            out.append(_solution_line(line))
        else:
            out.append(line)
    for opened, what, closer in ((solution_at, "solution block", "# END SOLUTION"),
                                 (prompt_at, "prompt", '""" # END PROMPT')):
        if opened is not None:
            raise RegionError(f"{where}:{opened + 1}: the {what} opened here is never closed; add `{closer}`")
    stub = "\n".join(out) + ("\n" if text.endswith("\n") else "")
    try:
        ast.parse(stub)
    except SyntaxError as exc:
        raise RegionError(f"{where}: the stub derived from it is not valid Python (stub line {exc.lineno}: "
                          f"{exc.msg}); a region probably leaves a block with no body") from None
    return stub
