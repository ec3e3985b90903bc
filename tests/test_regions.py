"""Solution regions of a single source (autograder/regions.py): the stub each marker gives, and the
errors that name the line."""

from __future__ import annotations

import pytest

from autograder.regions import RegionError, derive_stub, has_regions

SOURCE = '''"""Module docstring."""
import math

K = 3  # SOLUTION
LIMIT: int = 10  # SOLUTION
helper_value = math.pi  # SOLUTION NO PROMPT


def area(r):
    """The area of a circle of radius r."""
    # BEGIN SOLUTION
    return math.pi * r ** 2
    # END SOLUTION


def perimeter(r):
    """The perimeter."""
    """ # BEGIN PROMPT
    # your code here: use math.tau
    return ...
    """ # END PROMPT
    # BEGIN SOLUTION NO PROMPT
    return math.tau * r
    # END SOLUTION


# BEGIN SOLUTION NO PROMPT
def _private():
    return 1


# END SOLUTION
class Shape:
    def sides(self):
        ### BEGIN SOLUTION
        return 0
        ### END SOLUTION
'''

STUB = '''"""Module docstring."""
import math

K = ...
LIMIT: int = ...


def area(r):
    """The area of a circle of radius r."""
    # TODO
    raise NotImplementedError("area is not written yet")


def perimeter(r):
    """The perimeter."""
    # your code here: use math.tau
    return ...


class Shape:
    def sides(self):
        # TODO
        raise NotImplementedError("sides is not written yet")
'''


def test_every_marker_gives_the_stub_students_get():
    assert derive_stub(SOURCE) == STUB


def test_the_source_itself_runs_as_the_reference():
    namespace: dict = {}
    exec(compile(SOURCE, "source.py", "exec"), namespace)
    assert namespace["K"] == 3 and round(namespace["area"](1), 4) == 3.1416
    assert round(namespace["perimeter"](1), 4) == 6.2832 and namespace["Shape"]().sides() == 0


def test_a_file_without_markers_is_not_a_single_source():
    assert not has_regions('def f():\n    """Solution."""\n    return 1  # a solution\n')
    assert has_regions(SOURCE) and has_regions("x = 1  # SOLUTION\n")


@pytest.mark.parametrize("text, words", [
    ("def f():\n    # BEGIN SOLUTION\n    return 1\n", r"s\.py:2: the solution block opened here is never closed"),
    ("def f():\n    return 1\n    # END SOLUTION\n", r"s\.py:3: '# END SOLUTION' closes a region that was never opened"),
    ("def f():\n    # BEGIN SOLUTION\n    # BEGIN SOLUTION\n    # END SOLUTION\n",
     r"s\.py:3: a region starts inside the solution block opened at line 2"),
    ('def f():\n    """ # BEGIN PROMPT\n    x = 1\n', r"s\.py:2: the prompt opened here is never closed"),
    ("# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n", r"s\.py:1: a BEGIN SOLUTION block outside any function"),
    ("if True:\n    # BEGIN SOLUTION NO PROMPT\n    x = 1\n    # END SOLUTION\n",
     r"s\.py: the stub derived from it is not valid Python \(stub line 1"),
])
def test_unpaired_regions_are_refused_with_the_line(text, words):
    with pytest.raises(RegionError, match=words):
        derive_stub(text, "s.py")


def test_only_the_innermost_function_names_the_stub():
    text = "def outer():\n    def inner():\n        # BEGIN SOLUTION\n        return 1\n        # END SOLUTION\n    return inner\n"
    assert 'raise NotImplementedError("inner is not written yet")' in derive_stub(text)
