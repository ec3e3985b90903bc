"""The check-kind reference of the guide (``docs/check-kinds.md``), generated from the kinds' declared
params (:mod:`autograder.spec.kinds`) so it cannot drift from what ``load_spec`` accepts.

Regenerate it with ``python -m autograder.checks.reference > docs/check-kinds.md``.
"""

from __future__ import annotations

import json
import sys

from autograder.build.templating import render as render_template
from autograder.spec.kinds import KINDS
from autograder.spec.params import Param

TEMPLATE = "docs/check-kinds.md.j2"
DOC = "docs/check-kinds.md"


def _cell(text: str) -> str:
    """Text for a markdown table cell ('|' would end the cell)."""
    return text.replace("|", "\\|")


def _toml(value) -> str:
    return json.dumps(value) if not isinstance(value, float) else repr(value)


def _row(p: Param) -> list[str]:
    doc = p.doc + (f" (one of {', '.join(map(_toml, p.choices))})" if p.choices else "")
    default = f"`{_toml(p.default)}`" if p.default is not None else ""
    return [f"`{p.name}`", p.type_name, "yes" if p.required else "no", _cell(default), _cell(doc)]


def render() -> str:
    """The markdown text of the reference, one section per check kind in registry order."""
    kinds = [{"name": name, "summary": kind.summary[:1].upper() + kind.summary[1:] + ".",
              "rows": [_row(p) for p in kind.params], "open_params": kind.open_params,
              "one_of": kind.one_of}
             for name, kind in KINDS.items()]
    return render_template(TEMPLATE, kinds=kinds)


def main() -> int:
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
