"""Mutants: known-wrong submissions made from the reference solution by exact text replacements.

``assignments/<slug>/mutants/mutants.toml``::

    [label_leak]
    why = "the label is assembled into the features"
    lost = ["q2_wiring", "q3_auc"]          # exactly the checks this mutant must fail
    replace = [["old text", "new text"]]    # each old text must occur in the solution exactly once
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import SpecError
from autograder.spec import AssignmentSpec


@dataclass(frozen=True)
class Mutant:
    """One known-wrong variant of the reference solution and the checks it must lose."""

    name: str
    why: str
    lost: tuple[str, ...]
    replace: tuple[tuple[str, str], ...]

    def apply(self, source: str, origin: str) -> str:
        for old, new in self.replace:
            count = source.count(old)
            if count != 1:
                raise SpecError(origin, f"{self.name}.replace", f"{old!r} occurs {count} times in the solution; "
                                "it must occur exactly once (update mutants.toml after editing the solution)")
            source = source.replace(old, new)
        return source


def load_mutants(spec: AssignmentSpec) -> list[Mutant]:
    """The mutants declared for an assignment (none if it has no mutants.toml)."""
    path = spec.path / "mutants" / "mutants.toml"
    if not path.is_file():
        return []
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    checks = {c.name for c in spec.checks}
    mutants = []
    for name, entry in raw.items():
        lost = tuple(entry.get("lost", ()))
        unknown = [c for c in lost if c not in checks]
        if unknown or not lost:
            raise SpecError(path, f"{name}.lost", f"must list existing check names; unknown: {unknown or 'empty list'}")
        pairs = entry.get("replace", [])
        if not pairs or not all(isinstance(p, list) and len(p) == 2 for p in pairs):
            raise SpecError(path, f"{name}.replace", "must be a non-empty list of [old, new] pairs")
        mutants.append(Mutant(name, entry.get("why", ""), lost, tuple((a, b) for a, b in pairs)))
    return mutants


def solution_file(spec: AssignmentSpec, root: Path) -> Path:
    """The reference solution module of an assignment: ``solutions/<slug>/<module>``."""
    return root / "solutions" / spec.slug / spec.module


def write_mutant(spec: AssignmentSpec, mutant: Mutant, root: Path, dest: Path) -> Path:
    """Write the mutant's module into ``dest`` (a folder) and return its path."""
    origin = solution_file(spec, root)
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / spec.module
    target.write_text(mutant.apply(origin.read_text(encoding="utf-8"), str(origin)), encoding="utf-8")
    return target
