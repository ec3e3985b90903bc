"""`sparkgrade check --auto`: the file of a handout the student worked in (no Spark)."""

import json
import shutil

import pytest

from autograder.build.worked import STUBS_FILE, choose
from autograder.errors import SparkgradeError


@pytest.fixture
def handout(built, tmp_path):
    spec, result = built
    copy = tmp_path / "repo"
    shutil.copytree(result.handout_dir, copy)
    return copy


def _edit_notebook(path, outputs_only=False):
    nb = json.loads(path.read_text())
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code" and "NotImplementedError" in "".join(c["source"]))
    if outputs_only:
        cell["execution_count"] = 7
        cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["ran\n"]}]
    else:
        cell["source"] = "".join(cell["source"]).replace("raise NotImplementedError", "return None  # mine")
    path.write_text(json.dumps(nb), encoding="utf-8")


def test_untouched_handout_checks_the_notebook(handout):
    chosen, why = choose(handout, "pipelines.ipynb", "pipelines.py")
    assert chosen == handout / "pipelines.ipynb" and "neither differs" in why


def test_edited_module_is_chosen(handout):
    (handout / "pipelines.py").write_text((handout / "pipelines.py").read_text() + "\nX = 1\n")
    _edit_notebook(handout / "pipelines.ipynb", outputs_only=True)  # running cells is not working in it
    chosen, why = choose(handout, "pipelines.ipynb", "pipelines.py")
    assert chosen == handout / "pipelines.py", why


def test_edited_notebook_is_chosen_and_both_edited_means_notebook(handout):
    _edit_notebook(handout / "pipelines.ipynb")
    assert choose(handout, "pipelines.ipynb", "pipelines.py")[0] == handout / "pipelines.ipynb"
    (handout / "pipelines.py").write_text("# mine\n" + (handout / "pipelines.py").read_text())
    chosen, why = choose(handout, "pipelines.ipynb", "pipelines.py")
    assert chosen == handout / "pipelines.ipynb" and "both differ" in why


def test_trailing_spaces_and_crlf_do_not_count_as_work(handout):
    module = handout / "pipelines.py"
    module.write_bytes(module.read_bytes().replace(b"\n", b"  \r\n"))
    assert "neither differs" in choose(handout, "pipelines.ipynb", "pipelines.py")[1]


def test_missing_files_and_fingerprints(handout):
    (handout / STUBS_FILE).unlink()
    assert "missing" in choose(handout, "pipelines.ipynb", "pipelines.py")[1]
    (handout / "pipelines.ipynb").unlink()
    assert choose(handout, "pipelines.ipynb", "pipelines.py")[0] == handout / "pipelines.py"
    (handout / "pipelines.py").unlink()
    with pytest.raises(SparkgradeError, match="neither pipelines.ipynb nor pipelines.py"):
        choose(handout, "pipelines.ipynb", "pipelines.py")
