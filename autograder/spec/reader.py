"""Typed access to the tables of ``assignment.toml``: every problem a :class:`SpecError` naming the file
and the key."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from autograder.errors import SpecError

class TableReader:
    """Typed access to one TOML table, raising SpecError that names file and key."""

    def __init__(self, path: Path, prefix: str, table: Mapping[str, Any]):
        self.path, self.prefix, self.table = path, prefix, table
        if not isinstance(table, Mapping):
            raise SpecError(path, prefix, f"must be a table, got {type(table).__name__}")

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def fail(self, name: str, problem: str):
        raise SpecError(self.path, self.key(name), problem)

    def get(self, name: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        if name not in self.table:
            if default is ...:
                self.fail(name, "is required but missing")
            return default
        value = self.table[name]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if not isinstance(value, kinds) or isinstance(value, bool) and bool not in kinds:
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            self.fail(name, f"must be {names}, got {value!r}")
        return value

    def number(self, name: str, default: Any = ..., minimum: float = 0.0) -> float:
        value = self.get(name, float, default)
        if value is not None and value < minimum:
            self.fail(name, f"must be a number >= {minimum:g}, got {value!r}")
        return value

    def strings(self, name: str, default: Any = ()) -> tuple[str, ...]:
        value = self.get(name, list, list(default))
        if not all(isinstance(v, str) for v in value):
            self.fail(name, f"must be a list of strings, got {value!r}")
        return tuple(value)

    def choice(self, name: str, choices: tuple[str, ...], default: Any = ...) -> str:
        value = self.get(name, str, default)
        if value not in choices:
            self.fail(name, f"must be one of {', '.join(choices)}; got {value!r}")
        return value

    def reject_unknown(self, allowed: set[str]) -> None:
        for name in self.table:
            if name not in allowed:
                self.fail(name, f"unknown key; allowed keys are {', '.join(sorted(allowed))}")


def frozen(value: Any) -> Any:
    if isinstance(value, Mapping):
        return MappingProxyType({k: frozen(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(frozen(v) for v in value)
    return value
