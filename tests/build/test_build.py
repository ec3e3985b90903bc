"""Handouts and bundles: golden files, nbformat validity, reproducible zips, and no leaks."""

import hashlib
import os
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.build import build
from autograder.build.leaks import scan
from autograder.registry import discover, load_assignment

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
UPDATE = os.environ.get("SPARKGRADE_UPDATE_GOLDEN") == "1"


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"golden file {path} missing: run with SPARKGRADE_UPDATE_GOLDEN=1 once"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden copy"


def test_notebook_matches_golden_and_validates(built):
    spec, result = built
    path = result.handout_dir / "pipelines.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    golden("02-pipelines/pipelines.ipynb", path.read_text(encoding="utf-8"))


def test_readme_matches_golden(built):
    golden("02-pipelines/README.md", (built[1].handout_dir / "README.md").read_text(encoding="utf-8"))


def test_handout_contents(built):
    spec, result = built
    names = {p.relative_to(result.handout_dir).as_posix() for p in result.handout_dir.rglob("*") if p.is_file()}
    for expected in ("pipelines.py", "pipelines.ipynb", "README.md", "requirements.txt", "data/train.parquet",
                     ".github/workflows/classroom.yml", ".sparkgrade/assignments/02-pipelines/assignment.toml",
                     "sparkgrade/pyproject.toml", "sparkgrade/autograder/cli.py"):
        assert expected in names
    public_toml = (result.handout_dir / ".sparkgrade/assignments/02-pipelines/assignment.toml").read_text()
    for check in spec.checks:
        assert (f'"{check.name}"' in public_toml) == (not check.hidden), check.name


def test_no_leak_in_handout(built, root, grader):
    spec, result = built
    data = grader.prepared(spec)
    assert scan(result.handout_dir, spec, root, data) == []
    hidden = {hashlib.sha256(p.read_bytes()).hexdigest() for p in (data.test_features, data.test_labels)}
    solution = (root / "solutions" / spec.slug / spec.module).read_text()
    with zipfile.ZipFile(result.handout_zip) as zf:
        for name in zf.namelist():
            body = zf.read(name)
            assert hashlib.sha256(body).hexdigest() not in hidden, name
            assert not any(part in name for part in ("solutions/", "/mutants/", "hidden/", "test_labels")), name
            assert b"def _transform(self, dataset):\n        num, den" not in body, name
    assert "handleInvalid=\"keep\")" in solution  # the fingerprint above is real solution code


def test_planted_leak_is_found(built, root, grader, tmp_path):
    import shutil

    spec, result = built
    copy = tmp_path / "handout"
    shutil.copytree(result.handout_dir, copy)
    shutil.copyfile(root / "solutions" / spec.slug / spec.module, copy / "helper.py")
    shutil.copyfile(grader.prepared(spec).test_labels, copy / "data" / "extra.parquet")
    leaks = scan(copy, spec, root, grader.prepared(spec))
    assert any("helper.py: contains the reference solution's build_pipeline" in x for x in leaks)
    assert any("data/extra.parquet is the hidden data file test_labels.parquet" in x for x in leaks)


def test_build_is_byte_identical(built, tmp_path, root, grader):
    spec, first = built
    (second,) = build([spec], tmp_path, root, grader.prepared)
    assert first.handout_zip.read_bytes() == second.handout_zip.read_bytes()
    assert first.bundle_zip.read_bytes() == second.bundle_zip.read_bytes()


def test_bundle_layout_and_setup(built, root):
    spec, result = built
    with zipfile.ZipFile(result.bundle_zip) as zf:
        names = zf.namelist()
        setup = zf.read("setup.sh").decode()
        assert (zf.getinfo("run_autograder").external_attr >> 16) & 0o111
        solution = (root / "solutions" / spec.slug / spec.module).read_bytes()
        assert all(zf.read(n) != solution for n in names)
    assert "prepared/02-pipelines/hidden/test_labels.parquet" in names
    assert not any("/mutants/" in n or n.startswith("solutions/") for n in names)
    assert "playwright" not in setup and "chromium" not in setup and "openjdk-17" in setup


def test_every_assignment_notebook_renders(root, tmp_path):
    from autograder.build.notebook import render_notebook

    for path in discover(root):
        spec = load_assignment(path.parent)
        nb = render_notebook(spec, "data/train.parquet")
        nbformat.validate(nb)
        sources = "\n".join(c.source for c in nb.cells)
        for q in spec.questions:
            for fn in q.functions:
                assert fn in sources, (spec.slug, fn)


@pytest.mark.slow
def test_every_handout_builds_clean_and_pins_its_packages(root, grader, tmp_path):
    """Every assignment's handout and bundle build, the leak scan finds nothing in any handout (the build
    raises LeakError otherwise), no bundle carries the reference or the mutants, and an assignment's
    extra packages are pinned in both requirement files."""
    from importlib import metadata

    specs = [load_assignment(p.parent) for p in discover(root)]
    results = build(specs, tmp_path / "dist", root, grader.prepared)
    for spec, result in zip(specs, results):
        assert scan(result.handout_dir, spec, root, grader.prepared(spec)) == [], spec.slug
        shipped = [p.relative_to(result.bundle_dir).as_posix() for p in result.bundle_dir.rglob("*")]
        assert not [n for n in shipped if n.startswith("solutions/") or "/mutants/" in n], spec.slug
        for name in spec.packages:
            pin = f"{name}=={metadata.version(name)}"
            assert pin in (result.handout_dir / "requirements.txt").read_text(), (spec.slug, pin)
            assert pin in (result.bundle_dir / "requirements.txt").read_text(), (spec.slug, pin)
    assert any(spec.packages for spec in specs), "no assignment declares extra packages any more"
