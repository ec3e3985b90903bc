"""Loading notebooks and modules: magics skipped, failing cells recorded, the rest still defined."""

import sys

import nbformat
from nbformat import v4

from autograder.submission import SKIP_TAG, load_submission


def notebook(tmp_path, *cells, tags=None):
    nb = v4.new_notebook(cells=[v4.new_code_cell(c) for c in cells])
    for i, t in (tags or {}).items():
        nb.cells[i].metadata["tags"] = [t]
    path = tmp_path / "sub.ipynb"
    nbformat.write(nb, str(path))
    return path


def test_notebook_magics_and_shell_lines_are_skipped(tmp_path):
    path = notebook(tmp_path, "%matplotlib inline\n!pip install x\nx = 1", "%%bash\necho hi", "def f():\n    return x + 1")
    loaded = load_submission(path, "nb_magics")
    assert loaded.problems == [] and loaded.module.f() == 2


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
