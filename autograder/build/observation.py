"""Where each check's fact is observed (``docs/observed.md``), generated from the assignments on disk so it
cannot drift from what ``validate`` enforces.

Regenerate it with ``python -m autograder.build.observation > docs/observed.md``.
"""

from __future__ import annotations

import sys

from autograder.build.templating import render as render_template
from autograder.registry import discover, project_root
from autograder.spec import AssignmentSpec, load_spec

TEMPLATE = "docs/observed.md.j2"
DOC = "docs/observed.md"


def rows(spec: AssignmentSpec) -> list[dict]:
    """One row per check: where its fact is observed and, for the submission's process, what is measured."""
    measures = {t.name: t.measures for t in spec.tasks if t.measures}
    out = []
    for c in spec.checks:
        child = c.observed == "child"
        what = "; ".join(measures[t] for t in c.tasks if t in measures) if child else ""
        out.append({"name": c.name, "kind": c.kind, "points": f"{c.points:g}",
                    "observed": "the submission's process" if child else "the grader", "what": what})
    return out


def render(specs: list[AssignmentSpec] | None = None) -> str:
    specs = specs if specs is not None else [load_spec(p) for p in discover(project_root())]
    assignments = [{"slug": s.slug, "title": s.title, "rows": rows(s), "share": f"{s.child_observed_share:.0%}",
                    "allowed": f"{s.child_observed_max:.0%}"} for s in specs]
    return render_template(TEMPLATE, assignments=assignments)


def main() -> int:
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
