import pytest

from autograder.errors import AssignmentNotFound
from autograder.registry import discover, load_assignment


def test_lookup_by_number_slug_and_folder(root):
    by_number = load_assignment("02")
    assert by_number.slug == "02-pipelines"
    assert load_assignment("02-pipelines").path == by_number.path
    assert load_assignment(root / "assignments" / "02-pipelines").slug == "02-pipelines"


def test_unknown_assignment_lists_known_ones(root):
    with pytest.raises(AssignmentNotFound) as info:
        load_assignment("99")
    assert "02-pipelines" in str(info.value) and "sparkgrade list" in str(info.value)


def test_discover_is_sorted(root):
    names = [p.parent.name for p in discover(root)]
    assert names == sorted(names) and "02-pipelines" in names
