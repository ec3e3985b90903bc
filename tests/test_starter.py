"""The handout's stub form and whether a submission is still the unchanged starter code."""

import ast

import nbformat
from nbformat import v4

from autograder.starter import definitions, is_stub, unchanged

STUB = 'def f(x):\n    """Doc."""\n    # TODO\n    raise NotImplementedError("f is not written yet")\n'


def node(source: str) -> ast.stmt:
    return ast.parse(source).body[0]


def test_stub_form():
    assert is_stub(node(STUB)) and is_stub(node("def f():\n    raise NotImplementedError"))
    assert is_stub(node('class T:\n    """Doc."""\n    def a(self):\n        raise NotImplementedError("a")'))
    assert not is_stub(node("def f():\n    x = 1\n    raise NotImplementedError"))
    assert not is_stub(node("def f():\n    raise ValueError('no')"))
    assert not is_stub(node("class T:\n    pass"))
    assert not is_stub(node("class T:\n    x = 1\n    def a(self):\n        raise NotImplementedError"))


def test_a_notebook_with_answers_before_its_untouched_copies_is_not_the_starter_code(tmp_path):
    stub = tmp_path / "mod.py"
    stub.write_text("import os\n\n\n" + STUB, encoding="utf-8")

    def ipynb(*cells: str) -> bytes:
        return nbformat.writes(v4.new_notebook(cells=[v4.new_code_cell(c) for c in cells])).encode()

    assert unchanged(ipynb("import os", STUB, STUB), ".ipynb", stub)
    assert not unchanged(ipynb("import os", "def f(x):\n    return x", STUB), ".ipynb", stub)
    source = "def f(x):\n    return x\n\n" + STUB
    assert definitions(source)["f"] == ast.dump(node(STUB))
    assert definitions(source, keep_filled=True)["f"] == ast.dump(node("def f(x):\n    return x"))
