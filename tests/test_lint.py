"""Habits that keep the house honest: pyflakes finds nothing in the framework, the scripts and the tests
(the student stubs import what students will use, and the corpora are odd on purpose: both are left out);
mypy finds no type error beyond the recorded baseline, tests/lint/mypy_baseline.json (errors per file,
which may only fall: fix one, then lower its count with SPARKGRADE_UPDATE_BASELINE=1)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from pyflakes.api import checkRecursive
from pyflakes.reporter import Reporter

ROOT = Path(__file__).resolve().parent.parent
LINTED = ("autograder", "scripts", "datasets", "tests")
LEFT_OUT = ("tests/hostile/", "tests/alternatives/", "tests/fixtures/")
BASELINE = ROOT / "tests" / "lint" / "mypy_baseline.json"


def test_pyflakes_finds_nothing():
    paths = sorted(str(p) for folder in LINTED for p in (ROOT / folder).rglob("*.py")
                   if not p.relative_to(ROOT).as_posix().startswith(LEFT_OUT))
    out, err = io.StringIO(), io.StringIO()
    assert checkRecursive(paths, Reporter(out, err)) == 0, out.getvalue() + err.getvalue()


def mypy_errors() -> Counter:
    """Type errors per file of the package, as mypy reports them with the settings in pyproject.toml."""
    proc = subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary"], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode in (0, 1), proc.stdout[-2000:] + proc.stderr[-2000:]
    return Counter(line.split(":", 1)[0] for line in proc.stdout.splitlines() if ": error:" in line)


def test_mypy_finds_no_error_beyond_the_baseline():
    found = mypy_errors()
    if os.environ.get("SPARKGRADE_UPDATE_BASELINE") == "1":
        BASELINE.write_text(json.dumps(dict(sorted(found.items())), indent=1) + "\n", encoding="utf-8")
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    worse = {path: f"{baseline.get(path, 0)} -> {n}" for path, n in found.items() if n > baseline.get(path, 0)}
    assert not worse, f"new type errors (run `python -m mypy` to see them): {worse}"
