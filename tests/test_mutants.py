import pytest

from autograder.errors import SpecError
from autograder.mutants import Mutant, load_mutants
from autograder.registry import discover, load_assignment


def test_replacement_must_match_exactly_once():
    m = Mutant("m", "", ("c",), (("a = 1", "a = 2"),))
    assert m.apply("a = 1\n", "f.py") == "a = 2\n"
    with pytest.raises(SpecError, match="occurs 0 times"):
        m.apply("b = 1\n", "f.py")
    with pytest.raises(SpecError, match="occurs 2 times"):
        m.apply("a = 1\na = 1\n", "f.py")


def test_every_assignment_declares_three_mutants_that_apply(root):
    for path in discover(root):
        spec = load_assignment(path.parent)
        mutants = load_mutants(spec)
        assert len(mutants) >= 3, spec.slug
        source = (root / "solutions" / spec.slug / spec.module).read_text()
        for m in mutants:
            assert m.apply(source, spec.slug) != source
