from autograder.registry import discover, load_assignment
from autograder.validate import problems


def test_shipped_assignments_are_valid(root):
    for path in discover(root):
        spec = load_assignment(path.parent)
        assert problems(spec, root) == [], spec.slug
