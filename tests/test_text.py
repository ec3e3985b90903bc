"""Text from a child made safe once where the grader reads it (no Spark)."""

import pytest

from autograder.text import from_child


@pytest.mark.parametrize("raw, safe", [
    ("plain message", "plain message"),
    ("a lone surrogate \udcff here", "a lone surrogate \ufffd here"),
    ("\x1b[31mred\x1b[0m and \x1b[1;4mbold\x1b[m", "red and bold"),
    ("title \x1b]0;pwned\x07set", "title set"),
    ("bell\x07 nul\x00 del\x7f c1\x9b back\x08space", "bell nul del c1 backspace"),
    ("line\r\nnext\rover\tTab\n", "line\nnextover\tTab\n"),
    ("reversed \u202egnp.exe\u202c name", "reversed gnp.exe name"),
    (b"bytes \xff\xfe", "bytes \ufffd\ufffd"),
    (42, "42"),
    (None, "None"),
])
def test_from_child_keeps_only_printable_text(raw, safe):
    assert from_child(raw) == safe
    from_child(raw).encode("utf-8")                     # strict UTF-8 never fails on it


def test_from_child_caps_the_length_and_says_how_much_was_cut():
    assert from_child("x" * 50, limit=10) == "x" * 10 + " [... 40 more characters]"
    assert from_child("x" * 10, limit=10) == "x" * 10


def test_a_value_whose_str_fails_is_named_by_its_type():
    class Hostile:
        def __str__(self):
            raise RuntimeError("no")

    assert from_child(Hostile()) == "<Hostile>"
