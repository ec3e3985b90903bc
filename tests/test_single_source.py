"""The stub kept derived from an assignment's single source (autograder/single_source.py), for a course
folder of its own and for every assignment on disk."""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import pytest

from autograder.registry import discover, project_root
from autograder.regions import has_regions
from autograder.single_source import refresh_stub, source_file
from autograder.spec import load_spec
from autograder.starter import is_stub

SOURCE = 'def f(x):\n    """Twice x."""\n    # BEGIN SOLUTION\n    return 2 * x\n    # END SOLUTION\n'
STUB = 'def f(x):\n    """Twice x."""\n    # TODO\n    raise NotImplementedError("f is not written yet")\n'


def course(tmp_path: Path, source: str | None) -> Path:
    folder = tmp_path / "assignments" / "07-x"
    folder.mkdir(parents=True)
    if source is not None:
        (tmp_path / "solutions" / "07-x").mkdir(parents=True)
        (tmp_path / "solutions" / "07-x" / "x.py").write_text(source, encoding="utf-8")
    return folder


def test_the_stub_is_written_and_follows_its_source(tmp_path):
    folder = course(tmp_path, SOURCE)
    assert source_file(folder, "x.py") == tmp_path / "solutions" / "07-x" / "x.py"
    assert refresh_stub(folder, "x.py") == folder / "x.py" and (folder / "x.py").read_text() == STUB
    (folder / "x.py").write_text("stale edit\n")
    (tmp_path / "solutions" / "07-x" / "x.py").write_text(SOURCE.replace("Twice", "Double"))
    refresh_stub(folder, "x.py")
    assert (folder / "x.py").read_text() == STUB.replace("Twice", "Double")
    assert [p.name for p in folder.iterdir()] == ["x.py"]          # no temporary file left behind


@pytest.mark.parametrize("source", [None, 'def f(x):\n    """Twice x."""\n    return 2 * x\n'])
def test_a_hand_written_stub_without_a_single_source_is_left_alone(tmp_path, source):
    folder = course(tmp_path, source)
    (folder / "x.py").write_text("hand-written stub\n")
    assert refresh_stub(folder, "x.py") is None and (folder / "x.py").read_text() == "hand-written stub\n"


def test_loading_a_spec_derives_its_stub(tmp_path):
    root = project_root()
    shutil.copytree(root / "assignments" / "02-pipelines", tmp_path / "assignments" / "02-pipelines",
                    ignore=shutil.ignore_patterns("pipelines.py"))
    shutil.copytree(root / "solutions" / "02-pipelines", tmp_path / "solutions" / "02-pipelines")
    spec = load_spec(tmp_path / "assignments" / "02-pipelines" / "assignment.toml")
    shipped = load_spec(root / "assignments" / "02-pipelines" / "assignment.toml")
    assert (spec.path / spec.module).read_text() == (shipped.path / shipped.module).read_text()


@pytest.mark.parametrize("toml", discover(), ids=lambda p: p.parent.name)
def test_every_assignment_is_a_single_source_and_git_keeps_only_the_source(toml):
    spec = load_spec(toml)
    source, stub = source_file(spec.path, spec.module), spec.path / spec.module
    assert has_regions(source.read_text(encoding="utf-8")), f"{source} has no solution regions"
    tree = ast.parse(stub.read_text(encoding="utf-8"))
    asked = {f for q in spec.questions for f in q.functions}
    defined = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    assert asked <= set(defined) and all(is_stub(defined[name]) for name in asked)
    root = project_root()
    if (root / ".git").exists():
        ignored = subprocess.run(["git", "check-ignore", "-q", str(stub)], cwd=root)
        tracked = subprocess.run(["git", "ls-files", "--error-unmatch", str(stub)], cwd=root, capture_output=True)
        assert ignored.returncode == 0 and tracked.returncode != 0, f"{stub} is derived: list it in .gitignore"
