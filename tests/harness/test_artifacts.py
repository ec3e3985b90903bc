"""What a task's returned value becomes when the child saves it (harness/artifacts.to_plain): plain JSON data,
read through the builtin types' own methods so that a rigged object cannot decide what it looks like."""

import collections
import enum
import math

import numpy as np
import pytest

from autograder.harness.artifacts import NotPlainData, to_plain


class Point(tuple):
    def __iter__(self):                      # a rigged iteration: never used
        return iter(["forged"])


class Loud(dict):
    def items(self):                         # a rigged items(): never used
        return [("forged", True)]


class Always(int):
    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


class Name(str):
    def __str__(self):
        return "forged"


class Size(enum.IntEnum):
    SMALL = 3


def test_builtin_subclasses_become_what_they_hold():
    Pair = collections.namedtuple("Pair", "degree reg")
    assert to_plain(collections.OrderedDict([("degree", 2), ("regParam", 0.1)])) == {"degree": 2, "regParam": 0.1}
    assert to_plain(collections.defaultdict(list, a=[1])) == {"a": [1]}
    assert to_plain(Pair(2, 0.1)) == [2, 0.1]
    assert to_plain(Size.SMALL) == 3 and type(to_plain(Size.SMALL)) is int


def test_rigged_subclasses_cannot_choose_their_plain_value():
    assert to_plain(Point((1, 2))) == [1, 2]
    assert to_plain(Loud(a=1)) == {"a": 1}
    got = to_plain(Always(0))
    assert got == 0 and type(got) is int and got != 42
    assert to_plain(Name("real")) == "real" and type(to_plain(Name("real"))) is str


def test_numbers_numpy_scalars_and_non_finite_floats():
    assert to_plain(np.float32(0.5)) == 0.5 and to_plain(np.int64(7)) == 7
    assert to_plain(np.float64(2.5)) == 2.5 and type(to_plain(np.float64(2.5))) is float
    assert to_plain(math.nan) == "nan" and to_plain(-math.inf) == "-inf"
    assert to_plain({1: (True, None)}) == {"1": [True, None]}


def test_other_objects_and_deep_nesting_are_refused():
    with pytest.raises(NotPlainData, match="is not plain data"):
        to_plain(object())
    with pytest.raises(NotPlainData, match="is not plain data"):
        to_plain({"a": {1, 2}})
    deep = []
    for _ in range(25):
        deep = [deep]
    with pytest.raises(NotPlainData, match="nested more than 20 levels"):
        to_plain(deep)
