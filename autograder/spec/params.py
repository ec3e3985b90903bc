"""Declared check parameters: each check kind lists its ``params`` keys once, as :class:`Param` values
(:mod:`autograder.spec.kinds`), and :func:`check_params` holds an assignment.toml's ``[checks.params]``
table to them when the spec is loaded, so a typo (``mn = 0.79``) or a wrong type is a
:class:`~autograder.errors.SpecError` naming the file, the check and the key instead of a failure at grading
time. :func:`resolve_params` then fills in the declared defaults, so a judge reads ``check.params[key]``
and never restates a default.

The same declarations generate the check-kind reference of the guide (:mod:`autograder.checks.reference`).
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from autograder.errors import SpecError

ANY = object        # a param that takes any TOML value

_TYPE_NAMES = {str: "string", float: "number", int: "integer", bool: "boolean", list: "list", dict: "table",
               object: "any"}


@dataclass(frozen=True)
class Param:
    """One key of a check's ``params`` table.

    ``type`` is ``str``, ``int``, ``float`` (an integer is accepted), ``bool``, ``list``, ``dict`` (a TOML
    table) or ``ANY``; ``items`` is the type of a list's elements or of a table's values. ``default`` is
    what the check uses when the key is absent (filled in by :func:`resolve_params` when the spec is loaded); ``choices``
    restricts a string to a fixed set of values."""

    name: str
    type: type
    doc: str
    default: Any = None
    required: bool = False
    items: builtins.type | None = None
    choices: tuple[str, ...] = ()

    @property
    def type_name(self) -> str:
        name = _TYPE_NAMES[self.type]
        if self.items is not None:
            name += f" of {_TYPE_NAMES[self.items]}s"
        return name

    def problem(self, value: Any) -> str | None:
        """Why ``value`` (as TOML parsed it) is not acceptable for this param; None if it is."""
        if not _is(value, self.type):
            return f"must be a {self.type_name}, got {value!r}"
        if self.items is not None:
            values = value if self.type is list else value.values()
            if not all(_is(v, self.items) for v in values):
                return f"must be a {self.type_name}, got {value!r}"
        if self.choices and value not in self.choices:
            return f"must be one of {', '.join(self.choices)}; got {value!r}"
        return None


def _is(value: Any, kind: type) -> bool:
    if kind is object:
        return True
    if isinstance(value, bool):
        return kind is bool
    if kind is float:
        return isinstance(value, (int, float))
    if kind is dict:
        return isinstance(value, Mapping)
    if kind is list:                    # a loaded spec is frozen: its lists are tuples
        return isinstance(value, (list, tuple))
    return isinstance(value, kind)


def resolve_params(declared: tuple[Param, ...], params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` with the default of every declared key it lacks (a key whose default is None stays absent:
    absent is its meaning)."""
    resolved = {p.name: p.default for p in declared if p.default is not None and p.name not in params}
    resolved.update(params)
    return resolved


def check_params(path: Path | str, key: str, check: str, kind: str, declared: tuple[Param, ...],
                 params: Mapping[str, Any], open_params: bool = False, one_of: tuple[str, ...] = ()) -> None:
    """Raise SpecError unless ``params`` (the raw TOML table of check ``check`` at ``key``) fits
    ``declared``: every required key present, at least one of ``one_of`` present (a check that could not
    fail otherwise), no unknown key (unless ``open_params``: the kind passes other keys on, e.g. to a
    custom judge), every declared key of its type."""
    by_name = {p.name: p for p in declared}
    for name, value in params.items():
        param = by_name.get(name)
        if param is None:
            if open_params:
                continue
            known = ", ".join(sorted(by_name)) or "none"
            raise SpecError(path, f"{key}.{name}", f"unknown param of check '{check}' (kind {kind}); "
                                                   f"its params are: {known}")
        problem = param.problem(value)
        if problem:
            raise SpecError(path, f"{key}.{name}", f"check '{check}' (kind {kind}): {problem}")
    for p in declared:
        if p.required and p.name not in params:
            raise SpecError(path, f"{key}.{p.name}", f"check '{check}' (kind {kind}) needs this param: {p.doc}")
    if one_of and not any(name in params for name in one_of):
        raise SpecError(path, key, f"check '{check}' (kind {kind}) needs at least one of the params "
                                   f"{', '.join(one_of)}: without them it could not fail")


__all__ = ["ANY", "Param", "check_params", "resolve_params"]
