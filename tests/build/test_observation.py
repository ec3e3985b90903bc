"""docs/observed.md is generated from the assignments' observation declarations and must be regenerated."""

from autograder.build.observation import DOC, render
from autograder.registry import load_assignment


def test_observed_doc_is_up_to_date(root):
    assert (root / DOC).read_text(encoding="utf-8") == render(), (
        f"{DOC} is out of date: run `python -m autograder.build.observation > {DOC}`")


def test_every_check_is_listed_with_where_its_fact_is_observed():
    text = render()
    spec = load_assignment("01")
    for c in spec.checks:
        where = "the submission's process" if c.observed == "child" else "the grader"
        assert f"| `{c.name}` | {c.kind} | {c.points:g} | {where} |" in text
    assert f"**{spec.child_observed_share:.0%}**" in text
