"""Habits that keep the house honest: pyflakes finds nothing in the framework, the scripts and the tests
(the student stubs import what students will use, and the corpora are odd on purpose: both are left out);
mypy finds no type error beyond the recorded baseline, tests/lint/mypy_baseline.json (errors per file,
which may only fall: fix one, then lower its count with SPARKGRADE_UPDATE_BASELINE=1)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from pyflakes.api import checkRecursive
from pyflakes.reporter import Reporter

ROOT = Path(__file__).resolve().parent.parent
LINTED = ("autograder", "scripts", "datasets", "tests")
LEFT_OUT = ("tests/hostile/", "tests/alternatives/", "tests/fixtures/")
BASELINE = ROOT / "tests" / "lint" / "mypy_baseline.json"


def test_pyflakes_finds_nothing():
    paths = sorted(str(p) for folder in LINTED for p in (ROOT / folder).rglob("*.py")
                   if not p.relative_to(ROOT).as_posix().startswith(LEFT_OUT))
    out, err = io.StringIO(), io.StringIO()
    assert checkRecursive(paths, Reporter(out, err)) == 0, out.getvalue() + err.getvalue()


def mypy_errors() -> Counter:
    """Type errors per file of the package, as mypy reports them with the settings in pyproject.toml."""
    proc = subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary"], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode in (0, 1), proc.stdout[-2000:] + proc.stderr[-2000:]
    return Counter(line.split(":", 1)[0] for line in proc.stdout.splitlines() if ": error:" in line)


def test_mypy_finds_no_error_beyond_the_baseline():
    found = mypy_errors()
    if os.environ.get("SPARKGRADE_UPDATE_BASELINE") == "1":
        BASELINE.write_text(json.dumps(dict(sorted(found.items())), indent=1) + "\n", encoding="utf-8")
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    worse = {path: f"{baseline.get(path, 0)} -> {n}" for path, n in found.items() if n > baseline.get(path, 0)}
    assert not worse, f"new type errors (run `python -m mypy` to see them): {worse}"


def _package_imports() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(module -> package modules it imports at load time, module -> those it imports inside functions);
    ``if TYPE_CHECKING:`` blocks are left out."""
    import ast

    files = {}
    for path in (ROOT / "autograder").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path

    def owner(name: str) -> str | None:
        while name and name not in files:
            name = name.rpartition(".")[0]
        return name or None

    at_load: dict[str, set[str]] = {m: set() for m in files}
    deferred: dict[str, set[str]] = {m: set() for m in files}

    def visit(module: str, node, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            names: list[str] = []
            if isinstance(child, ast.Import):
                names = [a.name for a in child.names]
            elif isinstance(child, ast.ImportFrom) and child.module and not child.level:
                names = [child.module] + [f"{child.module}.{a.name}" for a in child.names]
            for name in names:
                target = owner(name) if name.startswith("autograder") else None
                if target and target != module:
                    (deferred if in_function else at_load)[module].add(target)
            visit(module, child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)))

    for module, path in files.items():
        visit(module, ast.parse(path.read_text(encoding="utf-8")), False)
    for module in files:            # importing a.b.c runs a/__init__.py and a/b/__init__.py first
        parts = module.split(".")
        at_load[module] |= {".".join(parts[:i]) for i in range(1, len(parts))} - {module}
    return at_load, deferred


def test_no_import_inside_a_function_closes_a_cycle():
    """A seam is where the dependencies part: an import deferred into a function may keep a heavy library out
    of a process, never hide a cycle (the module it imports must not import this one back at load time)."""
    at_load, deferred = _package_imports()

    def reaches(start: str) -> set[str]:
        seen, pending = set(), [start]
        while pending:
            for nxt in at_load.get(pending.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    pending.append(nxt)
        return seen

    cycles = [f"{module} -> {target}" for module, targets in sorted(deferred.items()) for target in sorted(targets)
              if module in reaches(target)]
    assert not cycles, "imports inside functions that close an import cycle: " + ", ".join(cycles)
