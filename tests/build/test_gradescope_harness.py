"""Emulate Gradescope: unpack the bundle into an /autograder-style tree, run run_autograder (setup.sh's
installs are already satisfied here), and validate results.json for the reference and the stub, for the
shapes students upload (a zip of the handout folder holding another zip, a renamed notebook in a
subfolder, extra files), for an empty submission, and for a grader that cannot even start."""

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile

import jsonschema
import nbformat
import pytest

from autograder.build.stubs import split_stub
from tests.writers.test_writers import GRADESCOPE_SCHEMA

pytestmark = pytest.mark.slow


def run_autograder(bundle_zip, submission, tmp_path, python=sys.executable):
    """Run the bundle's run_autograder on ``submission`` (a file copied in, or a function that fills the
    submission folder) and return the validated results.json."""
    home = tmp_path / "autograder"
    (home / "source").mkdir(parents=True)
    (home / "submission").mkdir()
    (home / "results").mkdir(exist_ok=True)
    with zipfile.ZipFile(bundle_zip) as zf:
        zf.extractall(home / "source")
    (home / "source" / "run_autograder").chmod(0o755)
    if callable(submission):
        submission(home / "submission")
    else:
        shutil.copyfile(submission, home / "submission" / submission.name)
    env = {**os.environ, "SPARKGRADE_AUTOGRADER_ROOT": str(home), "SPARKGRADE_PYTHON": python}
    env.pop("SPARKGRADE_ROOT", None)
    proc = subprocess.run([str(home / "source" / "run_autograder")], env=env, cwd=home, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (home / "results" / "results.json").is_file(), proc.stderr[-3000:]
    results = json.loads((home / "results" / "results.json").read_text())
    jsonschema.validate(results, GRADESCOPE_SCHEMA)
    return results


def reference_notebook(handout_dir, spec, root) -> str:
    """The handout notebook with the reference answers pasted into the stub cells."""
    nb = nbformat.read(str(handout_dir / f"{spec.module_name}.ipynb"), as_version=4)
    preamble, blocks = split_stub(root / "solutions" / spec.slug / spec.module)
    stub_preamble, stub_blocks = split_stub(spec.path / spec.module)
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.strip() == stub_preamble.strip():
            cell.source = preamble
        for name, block in stub_blocks.items():
            if cell.cell_type == "code" and cell.source.strip() == block.strip():
                cell.source = blocks[name]
    return nbformat.writes(nb)


def zipped(members: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def test_reference_gets_full_marks(built, root, tmp_path):
    spec, result = built
    results = run_autograder(result.bundle_zip, root / "solutions" / spec.slug / spec.module, tmp_path)
    assert results["score"] == spec.total_points
    assert all(t["status"] == "passed" for t in results["tests"])
    assert {t["visibility"] for t in results["tests"]} == {"visible", "hidden"}


def test_stub_gets_zero_with_helpful_messages(built, tmp_path):
    spec, result = built
    results = run_autograder(result.bundle_zip, spec.path / spec.module, tmp_path)
    assert results["score"] == 0
    for test in results["tests"]:
        assert test["status"] == "failed"
        assert "grader error" not in test["output"]
        assert any(w in test["output"] for w in ("not written yet", "failed", "was not run")), test


def test_reference_notebook_in_a_zip_of_the_handout_folder_gets_full_marks(built, root, tmp_path):
    """One grading covers the usual shapes together: the submission folder holds a zip of the whole handout
    folder (the untouched stub module, data, checkpoints, __MACOSX) and, inside it, another zip with the
    notebook renamed in a subfolder."""
    spec, result = built
    handout = result.handout_dir
    work = zipped({"notebooks/pipelines (1).ipynb": reference_notebook(handout, spec, root),
                   "notebooks/scratch.txt": "tried a GBT first"})
    outer = zipped({"02-pipelines/pipelines.py": (handout / spec.module).read_bytes(),
                    "02-pipelines/data/train.parquet": (handout / "data" / "train.parquet").read_bytes(),
                    "02-pipelines/README.md": (handout / "README.md").read_bytes(),
                    "02-pipelines/.ipynb_checkpoints/pipelines-checkpoint.ipynb": "{}",
                    "__MACOSX/02-pipelines/._pipelines.py": "AppleDouble",
                    "02-pipelines/work.zip": work})

    def place(folder):
        (folder / "handin.zip").write_bytes(outer)
        (folder / ".DS_Store").write_bytes(b"\0")

    results = run_autograder(result.bundle_zip, place, tmp_path)
    assert results["score"] == spec.total_points, [t for t in results["tests"] if t["status"] != "passed"]
    assert "graded handin.zip/02-pipelines/work.zip/notebooks/pipelines (1).ipynb (renamed copy)" in results["output"]
    assert "sandbox:" not in results["output"]


def test_empty_submission_gets_a_valid_zero_with_a_message(built, tmp_path):
    spec, result = built
    results = run_autograder(result.bundle_zip, lambda folder: None, tmp_path)
    assert results["score"] == 0 and len(results["tests"]) == len(spec.checks)
    assert "Your submission is empty" in results["output"] and "Upload your pipelines.ipynb" in results["output"]
    assert all("Your submission is empty" in t["output"] for t in results["tests"])


def test_a_grader_that_cannot_start_leaves_the_fallback_result(built, tmp_path):
    spec, result = built
    (tmp_path / "autograder" / "results" / "results.json").mkdir(parents=True)    # a folder in its place
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\necho 'ModuleNotFoundError: No module named grpc' >&2\nexit 1\n")
    broken.chmod(0o755)
    results = run_autograder(result.bundle_zip, spec.path / spec.module, tmp_path, python=str(broken))
    assert results["score"] == 0 and results["tests"] == []
    assert "stopped before it could grade" in results["output"]
