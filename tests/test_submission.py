"""Loading notebooks and modules: magics skipped, failing cells recorded, the rest still defined."""

import sys

import nbformat
import pytest
from nbformat import v4

from autograder.submission import SKIP_TAG, load_submission


def notebook(tmp_path, *cells, tags=None):
    nb = v4.new_notebook(cells=[v4.new_code_cell(c) for c in cells])
    for i, t in (tags or {}).items():
        nb.cells[i].metadata["tags"] = [t]
    path = tmp_path / "sub.ipynb"
    nbformat.write(nb, str(path))
    return path


def test_notebook_magics_and_shell_lines_are_skipped_with_a_note(tmp_path):
    path = notebook(tmp_path, "%matplotlib inline\n!pip install x\nx = 1", "%%bash\necho hi", "def f():\n    return x + 1")
    loaded = load_submission(path, "nb_magics")
    assert loaded.module.f() == 2 and loaded.errors == []
    assert loaded.problems == [
        "code cell 1: skipped line 1 `%matplotlib inline`, line 2 `!pip install x` (IPython magics and shell "
        "commands do not run when grading; write plain Python)",
        "code cell 2: skipped, it is a %%bash cell (only Python cells run when grading)"]


def test_cell_magics_that_run_python_once_keep_their_body(tmp_path):
    path = notebook(tmp_path, "%%time\ndef f():\n    return 1", "\n%%capture out\ng = lambda: 2",
                    "%%timeit -n1 -r1\nh = 3", "%%writefile helper.py\nk = 4", "%%sql\nSELECT 1")
    loaded = load_submission(path, "nb_cell_magics")
    assert (loaded.module.f(), loaded.module.g(), loaded.module.h) == (1, 2, 3)
    assert not hasattr(loaded.module, "k")
    assert loaded.problems == ["code cell 4: skipped, it is a %%writefile cell (only Python cells run when grading)",
                               "code cell 5: skipped, it is a %%sql cell (only Python cells run when grading)"]


def test_line_magics_keep_run_once_statements_and_line_numbers(tmp_path):
    path = notebook(tmp_path, "%time a = 1\n%timeit -n 1 -r 1 b = 2\nif True:\n    !ls\n    c = 3\nfiles = !ls\n1 / 0")
    loaded = load_submission(path, "nb_line_magics")
    assert (loaded.module.a, loaded.module.b, loaded.module.c) == (1, 2, 3)
    assert loaded.errors == ["ZeroDivisionError at sub.ipynb (code cell 1) line 7: division by zero"]
    assert "line 4 `!ls`, line 6 `files = !ls`" in loaded.problems[0]


def test_display_calls_do_not_crash(tmp_path):
    path = notebook(tmp_path, "x = [1, 2]\ndisplay(x)\ndisplay(x, raw=True)\ny = 5")
    loaded = load_submission(path, "nb_display")
    assert loaded.problems == [] and loaded.module.y == 5


def test_cells_are_numbered_as_in_the_notebook(tmp_path):
    path = notebook(tmp_path, "x = 1", "raise RuntimeError('setup')", "%%bash\nls", "1 / 0", tags={1: SKIP_TAG})
    assert load_submission(path, "nb_numbers").errors == [
        "ZeroDivisionError at sub.ipynb (code cell 4) line 1: division by zero"]


def test_missing_name_cites_the_first_error_not_a_note(tmp_path):
    path = notebook(tmp_path, "%%html\n<b>hi</b>", "import no_such_package_xyz")
    with pytest.raises(AttributeError, match="ModuleNotFoundError"):
        load_submission(path, "nb_lookup").lookup("f")


def test_failing_cell_is_recorded_and_later_cells_still_run(tmp_path):
    path = notebook(tmp_path, "def f():\n    return 1", "1 / 0", "def g():\n    return 2")
    loaded = load_submission(path, "nb_fail")
    assert loaded.module.g() == 2
    assert loaded.problems == ["ZeroDivisionError at sub.ipynb (code cell 2) line 1: division by zero"]


def test_syntax_error_names_cell_and_line(tmp_path):
    path = notebook(tmp_path, "x = 1", "def broken(:\n    pass")
    problem = load_submission(path, "nb_syntax").problems[0]
    assert problem.startswith("SyntaxError in sub.ipynb (code cell 2) line 1")


def test_skip_tagged_cells_do_not_run(tmp_path):
    path = notebook(tmp_path, "raise RuntimeError('setup cell')", "y = 3", tags={0: SKIP_TAG})
    loaded = load_submission(path, "nb_skip")
    assert loaded.problems == [] and loaded.module.y == 3


def test_module_registered_under_its_name_for_pickling_classes(tmp_path):
    path = tmp_path / "mod.py"
    path.write_text("class Stage:\n    pass\n")
    loaded = load_submission(path, "student_mod_x")
    assert sys.modules["student_mod_x"] is loaded.module
    assert loaded.module.Stage.__module__ == "student_mod_x"


def test_missing_name_message_mentions_load_problem(tmp_path):
    path = tmp_path / "mod.py"
    path.write_text("import no_such_package_xyz\ndef f():\n    pass\n")
    loaded = load_submission(path, "mod_missing")
    try:
        loaded.lookup("f")
    except AttributeError as exc:
        assert "`f` is not defined" in str(exc) and "ModuleNotFoundError" in str(exc)
    else:
        raise AssertionError("lookup should fail")


def test_sys_exit_at_import_is_recorded(tmp_path):
    path = tmp_path / "mod.py"
    path.write_text("import sys\nsys.exit(0)\n")
    assert load_submission(path, "mod_exit").problems[0].startswith("SystemExit")


def test_unreadable_notebook_gets_a_clear_message(tmp_path):
    path = tmp_path / "bad.ipynb"
    path.write_text("{not json")
    problem = load_submission(path, "nb_bad").problems[0]
    assert "could not be read" in problem and "re-download" in problem


def test_annotations_are_evaluated_as_in_a_plain_module(tmp_path):
    """The loader's own `from __future__ import annotations` must not leak into the submission: FastAPI
    and pydantic resolve annotations at runtime (a request model declared inside a function)."""
    path = tmp_path / "sub.py"
    path.write_text("def f(x: int) -> list:\n    return [x]\n")
    module = load_submission(path, "sub_annotations").module
    assert module.f.__annotations__ == {"x": int, "return": list}


@pytest.mark.parametrize("data, value", [
    (b"\xef\xbb\xbfVALUE = 'caf\xc3\xa9'\r\ndef f():\r\n    return VALUE\r\n", "caf\u00e9"),     # Notepad: BOM, CRLF
    (b"# -*- coding: latin-1 -*-\nVALUE = 'caf\xe9'\ndef f():\n    return VALUE\n", "caf\u00e9"),
    (b"# auteur: Ren\xe9 (cp1252, no coding line)\nVALUE = 'x'\ndef f():\n    return VALUE\n", "x"),
    (b"# -*- coding: no-such-codec -*-\nVALUE = 'x'\ndef f():\n    return VALUE\n", "x"),
])
def test_modules_are_read_as_python_reads_them(tmp_path, data, value):
    path = tmp_path / "pipelines.py"
    path.write_bytes(data)
    loaded = load_submission(path, "sub_encoding")
    assert not loaded.problems, loaded.problems
    assert loaded.module.f() == value


STUB = 'def f(x):\n    """Doc."""\n    # TODO\n    raise NotImplementedError("f is not written yet")'


def test_an_untouched_stub_copy_in_a_later_cell_keeps_the_earlier_answer(tmp_path):
    path = notebook(tmp_path, "def f(x):\n    return x + 1", "y = 2\n" + STUB + "\nz = 3", STUB)
    loaded = load_submission(path, "nb_stub_copies")
    assert loaded.module.f(1) == 2 and (loaded.module.y, loaded.module.z) == (2, 3) and loaded.errors == []
    assert loaded.problems == [
        f"sub.ipynb (code cell {n}): `f` here is still the handout's unfilled stub; your earlier definition "
        "of `f` is the one graded" for n in (2, 3)]


def test_a_stub_before_the_answer_or_an_edited_copy_after_it_is_replaced_as_in_jupyter(tmp_path):
    path = notebook(tmp_path, STUB, "def f(x):\n    return x + 1")
    assert load_submission(path, "nb_stub_first").module.f(1) == 2
    path = notebook(tmp_path, "def f(x):\n    return x + 1", "def f(x):\n    return x + 2", STUB.replace("x", "y"))
    loaded = load_submission(path, "nb_stub_edited")
    assert loaded.module.f(1) == 3 and len(loaded.problems) == 1
    path = notebook(tmp_path, "def f(x):\n    return x + 1", "def f(x):\n    raise ValueError('no')")
    with pytest.raises(ValueError):
        load_submission(path, "nb_not_a_stub").module.f(1)


def test_a_stub_class_copy_keeps_the_earlier_class_but_a_module_keeps_python_semantics(tmp_path):
    filled = "class T:\n    def run(self):\n        return 1"
    stub = 'class T:\n    """Doc."""\n\n    def run(self):\n        raise NotImplementedError'
    assert load_submission(notebook(tmp_path, filled, stub), "nb_stub_class").module.T().run() == 1
    module = tmp_path / "mod_stub_copies.py"
    module.write_text("def f(x):\n    return x + 1\n\n" + STUB + "\n", encoding="utf-8")
    with pytest.raises(NotImplementedError):
        load_submission(module, "mod_stub_copies").module.f(1)
