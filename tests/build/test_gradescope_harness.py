"""Emulate Gradescope: unpack the bundle into an /autograder-style tree, run run_autograder (setup.sh's
installs are already satisfied here), and validate results.json for the reference and the stub."""

import json
import os
import shutil
import subprocess
import sys
import zipfile

import jsonschema
import pytest

from tests.writers.test_writers import GRADESCOPE_SCHEMA

pytestmark = pytest.mark.slow


def run_autograder(bundle_zip, submission, tmp_path):
    home = tmp_path / "autograder"
    (home / "source").mkdir(parents=True)
    (home / "submission").mkdir()
    (home / "results").mkdir()
    with zipfile.ZipFile(bundle_zip) as zf:
        zf.extractall(home / "source")
    (home / "source" / "run_autograder").chmod(0o755)
    shutil.copyfile(submission, home / "submission" / submission.name)
    env = {**os.environ, "SPARKGRADE_AUTOGRADER_ROOT": str(home), "SPARKGRADE_PYTHON": sys.executable}
    env.pop("SPARKGRADE_ROOT", None)
    proc = subprocess.run([str(home / "source" / "run_autograder")], env=env, cwd=home, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((home / "results" / "results.json").read_text())
    jsonschema.validate(results, GRADESCOPE_SCHEMA)
    return results


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
        assert "not written yet" in test["output"] or "failed" in test["output"], test
