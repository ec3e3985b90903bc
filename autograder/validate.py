"""Static validation of an assignment: everything that can be wrong before any Spark runs."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from autograder.datasets import dataset_path, verify_checksum
from autograder.mutants import load_mutants, solution_file
from autograder.spec import AssignmentSpec


def defined_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}


def problems(spec: AssignmentSpec, root: Path) -> list[str]:
    """Every problem found; an empty list means the assignment is consistent."""
    found = []
    stub, solution = spec.path / spec.module, solution_file(spec, root)
    wanted = {f for q in spec.questions for f in q.functions}
    for label, path in (("student stub", stub), ("reference solution", solution)):
        if not path.is_file():
            found.append(f"{label} {path} is missing")
            continue
        try:
            missing = wanted - defined_names(path)
        except SyntaxError as exc:
            found.append(f"{label} {path} does not parse: line {exc.lineno}: {exc.msg}")
            continue
        if missing:
            found.append(f"{label} {path} does not define {', '.join(sorted(missing))}")
    used = {t for c in spec.checks for t in c.tasks}
    for t in spec.tasks:
        if t.name not in used:
            found.append(f"task '{t.name}' is used by no check")
        if t.function and not (spec.path / "tasks.py").is_file():
            found.append(f"task '{t.name}' names {t.function} but {spec.path / 'tasks.py'} is missing")
    for q in spec.questions:
        if not any(c.question == q.name for c in spec.checks):
            found.append(f"question '{q.name}' has no check")
    for fixture in sorted((spec.path / "fixtures").glob("*.json")):
        try:
            data = json.loads(fixture.read_text(encoding="utf-8"))
            assert isinstance(data["schema"], str) and isinstance(data["rows"], list)
        except Exception:
            found.append(f"fixture {fixture} must be JSON with a 'schema' string and a 'rows' list")
    try:
        dataset_path(spec.data.dataset)
        verify_checksum(spec.data.dataset)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        found.append(f"dataset: {exc}")
    try:
        mutants = load_mutants(spec)
        if solution.is_file():
            for m in mutants:
                m.apply(solution.read_text(encoding="utf-8"), str(solution))
        if len(mutants) < 3:
            found.append(f"only {len(mutants)} mutants in {spec.path / 'mutants' / 'mutants.toml'}; declare at least 3")
    except Exception as exc:
        found.append(str(exc))
    return found
