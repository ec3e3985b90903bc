"""Leak scan: a handout must contain no solution code, hidden checks, hidden data, hidden fixtures or
mutants."""

from __future__ import annotations

import ast
import hashlib
import json
from pathlib import Path

from autograder.data import PreparedData
from autograder.mutants import load_mutants, solution_file
from autograder.spec import AssignmentSpec

TEXT_SUFFIXES = {".py", ".ipynb", ".md", ".toml", ".json", ".txt", ".yml", ".yaml", ".sh", ".j2", ".cfg"}


def _definitions(source: str) -> dict[str, str]:
    """Normalised source of every function and class body, by name."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    return {n.name: ast.unparse(n) for n in ast.walk(tree)
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def _code_of(path: Path) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".ipynb":
        try:
            cells = json.loads(text).get("cells", [])
            return "\n\n".join("".join(c.get("source", "")) if isinstance(c.get("source"), list) else c.get("source", "")
                               for c in cells if c.get("cell_type") == "code")
        except json.JSONDecodeError:
            return text
    return text


def solution_fingerprints(spec: AssignmentSpec, root: Path) -> tuple[dict[str, str], set[str]]:
    """(definitions that differ from the stub, distinctive lines found in the solution but not the stub)."""
    solution = solution_file(spec, root).read_text(encoding="utf-8")
    stub = (spec.path / spec.module).read_text(encoding="utf-8")
    stub_defs = _definitions(stub)
    defs = {k: v for k, v in _definitions(solution).items() if stub_defs.get(k) != v}
    stub_lines = {line.strip() for line in stub.splitlines()}
    lines = {line.strip() for line in solution.splitlines()
             if len(line.strip()) >= 30 and line.strip() not in stub_lines and not line.strip().startswith(("#", '"""'))}
    return defs, lines


def hidden_fixtures(spec: AssignmentSpec) -> list[Path]:
    """The inputs of hidden value checks (``hidden/fixtures/*.json``): never in a handout."""
    return sorted((spec.path / "hidden" / "fixtures").glob("*.json"))


def scan(handout: Path, spec: AssignmentSpec, root: Path, data: PreparedData) -> list[str]:
    """Every leak found in the handout folder (an empty list means it is clean)."""
    leaks = []
    defs, lines = solution_fingerprints(spec, root)
    hidden_names = {c.name for c in spec.checks if c.hidden}
    mutant_names = {m.name for m in load_mutants(spec)}
    hidden_hashes = {hashlib.sha256(p.read_bytes()).hexdigest(): p.name
                     for p in (data.test_features, data.test_labels, *data.hidden_files()) if p.is_file()}
    fixtures = hidden_fixtures(spec)
    hidden_hashes.update({hashlib.sha256(p.read_bytes()).hexdigest(): f"hidden/fixtures/{p.name}" for p in fixtures})
    for path in sorted(p for p in handout.rglob("*") if p.is_file()):
        rel = path.relative_to(handout).as_posix()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest in hidden_hashes:
            leaks.append(f"{rel} is the hidden data file {hidden_hashes[digest]}")
        if any(part in f"/{rel}" for part in ("test_labels", "test_features", "/hidden/", "/mutants/", "/solutions/")):
            leaks.append(f"{rel}: hidden or mutant file shipped")
        if path.name in {p.name for p in fixtures}:
            leaks.append(f"{rel}: has the name of the hidden fixture {path.name}")
        if path.suffix not in TEXT_SUFFIXES or rel.startswith("sparkgrade/"):
            continue
        code = _code_of(path)
        for name, body in _definitions(code).items():
            if defs.get(name) == body:
                leaks.append(f"{rel}: contains the reference solution's {name}")
        for line in lines:
            if line in code:
                leaks.append(f"{rel}: contains solution line {line[:60]!r}")
        if path.suffix in (".py", ".toml"):
            for name in hidden_names | mutant_names:
                if f'"{name}"' in code or f"'{name}'" in code:
                    leaks.append(f"{rel}: names hidden check or mutant {name!r}")
    return sorted(set(leaks))
