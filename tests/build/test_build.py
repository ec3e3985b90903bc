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
                     ".github/workflows/check.yml", ".gitignore", ".sparkgrade/stubs.json",
                     ".sparkgrade/assignments/02-pipelines/assignment.toml",
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
    solution = (root / "solutions" / spec.slug / spec.module).read_bytes()
    fingerprint = b"num, den = F.col(self.getNumeratorCol()), F.col(self.getDenominatorCol())"
    assert fingerprint in solution  # the fingerprint is real solution code, so its absence below means something
    with zipfile.ZipFile(result.handout_zip) as zf:
        for name in zf.namelist():
            body = zf.read(name)
            assert hashlib.sha256(body).hexdigest() not in hidden, name
            assert not any(part in name for part in ("solutions/", "/mutants/", "hidden/", "test_labels")), name
            assert fingerprint not in body, name


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
    assert "README.md" in names and "requirements.txt" in names


def test_setup_uses_a_virtual_environment_and_run_autograder_its_python(built):
    """setup.sh never pip-installs into the image's Python (PEP 668 on Ubuntu 24.04), installs Python 3.11
    where the image has 3.10 (Ubuntu 22.04), and run_autograder grades with the venv's interpreter."""
    import subprocess

    from autograder.build.pipeline import VENV, min_python

    spec, result = built
    setup = (result.bundle_dir / "setup.sh").read_text()
    run = (result.bundle_dir / "run_autograder").read_text()
    for script in ("setup.sh", "run_autograder"):
        proc = subprocess.run(["bash", "-n", str(result.bundle_dir / script)], capture_output=True, text=True)
        assert proc.returncode == 0, (script, proc.stderr)
    assert '"$PY" -m venv --clear "$VENV"' in setup and f'VENV="${{SPARKGRADE_VENV:-{VENV}}}"' in setup
    assert "python3 -m pip" not in setup and '"$VENV/bin/python" -m pip install -q -r requirements.txt' in setup
    assert "apt_install python3.11 python3.11-venv" in setup and 'apt_install "python$VERSION-venv"' in setup
    assert f"MIN_MINOR={min_python().split('.')[1]}" in setup
    assert f'PYTHON="${{SPARKGRADE_PYTHON:-${{SPARKGRADE_VENV:-{VENV}}}/bin/python}}"' in run
    requirements = (result.bundle_dir / "requirements.txt").read_text().split()
    assert not [r for r in requirements if "==" in r], "exact pins tie the bundle to the build's Python"


def test_pick_python_in_setup_refuses_an_old_python(built, tmp_path):
    """setup.sh's interpreter choice, run for real with a PATH holding only a Python 3.10 impostor and this
    machine's Python: the impostor is passed over."""
    import shutil
    import subprocess
    import sys

    spec, result = built
    setup = (result.bundle_dir / "setup.sh").read_text()
    start, end = setup.index("pick_python() {"), setup.index("PY=\"$(pick_python")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    old = bin_dir / "python3"
    old.write_text("#!/bin/sh\nexit 1\n")  # sys.version_info < (3, 11): what a 3.10 answers
    old.chmod(0o755)
    (bin_dir / "python3.12").symlink_to(sys.executable)
    script = "MIN_MINOR=11\n" + setup[start:end] + "pick_python\n"
    proc = subprocess.run([shutil.which("bash"), "-c", script], capture_output=True, text=True,
                          env={"PATH": str(bin_dir)})
    assert proc.returncode == 0 and proc.stdout.strip() == "python3.12", proc


def test_bundle_readme_states_image_hardware_and_measured_box(built):
    from types import SimpleNamespace

    from autograder.build.pipeline import VENV, min_python
    from autograder.build.templating import render

    spec, result = built
    shipped = (result.bundle_dir / "README.md").read_text()
    assert "Ubuntu 24.04" in shipped and "Ubuntu 22.04" in shipped and f"Python {min_python()}+" in shipped
    if getattr(spec, "box", None) is None:
        assert f"| {spec.slug} | not measured | not measured |" in shipped
    box = SimpleNamespace(min_memory_mb=1280, cpus=0.5, seconds=312.4, peak_mb=1043.6, measured_on="2026-11-30")
    text = render("gradescope/README.md.j2", spec=spec, venv=VENV, min_python=min_python(), box=box)
    assert f"| {spec.slug} | 1280 MB, 0.5 CPU | 312.4 s | 1044 MB | 2026-11-30 |" in text
    assert "at least **1280 MB of memory and 0.5 CPU**" in text and "a limit of\n  938 s" in text
    assert "not measured" not in text


def test_workflow_is_a_valid_github_workflow_with_one_grading_run(built):
    """Validated against the GitHub workflow JSON schema vendored by check-jsonschema (offline)."""
    import shutil
    import subprocess
    import sys

    from ruamel.yaml import YAML  # check-jsonschema's own YAML parser (YAML 1.2: `on` stays a string)

    spec, result = built
    path = result.handout_dir / ".github" / "workflows" / "check.yml"
    tool = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) or shutil.which("check-jsonschema")
    if tool is None:
        pytest.skip("check-jsonschema is not installed (pip install -e '.[dev]')")
    proc = subprocess.run([tool, "--builtin-schema", "vendor.github-workflows", str(path)], capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    flow = YAML(typ="safe").load(path.read_text())
    assert sorted(flow["on"]) == ["pull_request", "push", "workflow_dispatch"]
    steps = flow["jobs"]["check"]["steps"]
    uses = {s["uses"].split("@")[0]: s.get("with", {}) for s in steps if "uses" in s}
    assert uses["actions/setup-java"]["java-version"] == "17" and uses["actions/setup-python"]["cache"] == "pip"
    runs = [s["run"] for s in steps if "run" in s]
    assert runs[0] == "python -m pip install -r requirements.txt"
    assert runs[1:] == [f'sparkgrade check {spec.slug} . --auto --exit-code --summary "$GITHUB_STEP_SUMMARY"']
    assert "classroom" not in path.read_text().lower()


def test_gitignore_keeps_environments_and_spark_output_out_of_commits(built, tmp_path):
    """`git add -A` in a student repository made from the handout stages the work, not .venv or jars."""
    import shutil
    import subprocess

    spec, result = built
    repo = tmp_path / "repo"
    shutil.copytree(result.handout_dir, repo)
    noise = [".venv/lib/python3.12/site-packages/x.py", ".ipynb_checkpoints/pipelines-checkpoint.ipynb",
             "__pycache__/pipelines.cpython-312.pyc", "spark-warehouse/t/part-0.parquet", "metastore_db/db.lck",
             "derby.log", "model/stages/.part-0.crc", "output/part-0.parquet", "checkpoints/offsets/0",
             ".cache/jvm/x.jsa", "lib/spark-extra.jar"]
    for rel in noise:
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text("x")
    env = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_SYSTEM": "/dev/null", "PATH": "/usr/bin:/bin"}
    subprocess.run(["git", "init", "-q", str(repo)], check=True, env=env)
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, env=env)
    staged = set(subprocess.run(["git", "-C", str(repo), "diff", "--cached", "--name-only"], check=True, env=env,
                                capture_output=True, text=True).stdout.split())
    assert not staged & set(noise), staged & set(noise)
    shipped = {p.relative_to(result.handout_dir).as_posix() for p in result.handout_dir.rglob("*") if p.is_file()}
    assert staged == shipped, shipped ^ staged


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
    extra packages are in both requirement files with the project's declared range."""
    from autograder.build.requirements import canonical, declared

    specs = [load_assignment(p.parent) for p in discover(root)]
    results = build(specs, tmp_path / "dist", root, grader.prepared)
    for spec, result in zip(specs, results):
        assert scan(result.handout_dir, spec, root, grader.prepared(spec)) == [], spec.slug
        shipped = [p.relative_to(result.bundle_dir).as_posix() for p in result.bundle_dir.rglob("*")]
        assert not [n for n in shipped if n.startswith("solutions/") or "/mutants/" in n], spec.slug
        for name in spec.packages:
            line = declared(root)[canonical(name)]
            assert line in (result.handout_dir / "requirements.txt").read_text().splitlines(), (spec.slug, line)
            assert line in (result.bundle_dir / "requirements.txt").read_text().splitlines(), (spec.slug, line)
    assert any(spec.packages for spec in specs), "no assignment declares extra packages any more"
