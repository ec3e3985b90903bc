"""docs/check-kinds.md is generated from the check kinds' declared params and must be regenerated with them."""

from autograder.checks import CHECK_KINDS
from autograder.checks.reference import DOC, render


def test_check_kinds_doc_is_up_to_date(root):
    assert (root / DOC).read_text(encoding="utf-8") == render(), (
        f"{DOC} is out of date: run `python -m autograder.checks.reference > {DOC}`")


def test_every_kind_and_param_is_documented():
    text = render()
    for name, kind in CHECK_KINDS.items():
        assert f"## `{name}`" in text
        for p in kind.params:
            assert f"| `{p.name}` | {p.type_name} |" in text
