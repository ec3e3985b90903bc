"""The rules a pipeline check sets on saved params (``params.params``): a value (equal), a list (any of its
values), or a table of ``equals`` / ``any_of`` / ``includes`` / ``min`` / ``max``; with their messages and
their validation."""

from __future__ import annotations

import json
from typing import Any, Mapping

RULES = ("equals", "any_of", "includes", "min", "max")


def _plain(value: Any) -> Any:
    """A spec value as JSON would give it back (TOML lists are frozen to tuples, tables to mappings)."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def rule_problems(want: Any) -> list[str]:
    """What is wrong with one ``params.params`` rule (a value, a list of values, or a table of RULES)."""
    if not isinstance(want, Mapping):
        return []
    unknown = sorted(set(want) - set(RULES))
    if unknown or not want:
        return [f"a rule table takes {', '.join(RULES)}; got {', '.join(unknown) or 'nothing'}"]
    problems = [f"'{k}' must be a number, got {want[k]!r}" for k in ("min", "max")
                if k in want and (isinstance(want[k], bool) or not isinstance(want[k], (int, float)))]
    if "includes" in want and not isinstance(want["includes"], (list, tuple)):
        problems.append(f"'includes' must be a list (the values the list param must hold), got {want['includes']!r}")
    return problems


def param_ok(have: Any, want: Any) -> bool:
    """Whether a saved param value meets a rule: a value (equal), a list (any of its values), or a table:
    ``equals`` (exactly this value, a list compared as a list), ``any_of``, ``includes`` (a list param holds
    each of these values, in any order, others allowed), ``min`` and ``max`` (bounds)."""
    have = _plain(have)
    if not isinstance(want, Mapping):
        return have in _plain(want) if isinstance(want, (list, tuple)) else have == _plain(want)
    number = isinstance(have, (int, float)) and not isinstance(have, bool)
    return all((k != "equals" or have == _plain(want[k]))
               and (k != "any_of" or have in _plain(want[k]))
               and (k != "includes" or (isinstance(have, list) and all(v in have for v in _plain(want[k]))))
               and (k != "min" or (number and have >= want[k]))
               and (k != "max" or (number and have <= want[k])) for k in want)


def describe_rule(want: Any) -> str:
    """A rule in words, for a failure message."""
    if not isinstance(want, Mapping):
        return (f"one of {json.dumps(_plain(want))}" if isinstance(want, (list, tuple)) else json.dumps(_plain(want)))
    words = {"equals": "exactly {}", "any_of": "one of {}", "includes": "a list that holds each of {}",
             "min": "at least {}", "max": "at most {}"}
    return " and ".join(words[k].format(json.dumps(_plain(v))) for k, v in want.items())
