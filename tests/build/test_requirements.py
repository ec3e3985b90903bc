"""The requirements of handouts, bundles and the project itself resolve on Python 3.11 and 3.12 (binary
wheels, dependencies included) and the project's Python claim is exact: on 3.10 everything but pyspark
resolves, and no pyspark in the project's range exists for 3.10.

pyspark is published only as a source distribution, so pip's cross-version resolver (which needs
``--only-binary=:all:``) cannot take it: it is checked against the index's Requires-Python instead, and
its own dependencies (for the extras the project asks for) are resolved with the rest. Needs PyPI; pip's
cache lives in .cache/pip so reruns are fast."""

import json
import re
import subprocess
import sys
from importlib import metadata

import pytest
from packaging.requirements import Requirement

from autograder.build.pipeline import min_python, requirements
from autograder.build.requirements import canonical, declared, requires_python
from autograder.registry import load_assignment

PYTHONS = ("3.10", "3.11", "3.12")


def _pip(root, *args, timeout=600):
    env = {"PIP_CACHE_DIR": str(root / ".cache" / "pip"), "PIP_DISABLE_PIP_VERSION_CHECK": "1",
           "PATH": "/usr/bin:/bin", "HOME": str(root / ".cache")}
    return subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True, timeout=timeout,
                          env=env)


def _pyspark_versions(root, python):
    proc = _pip(root, "index", "versions", "pyspark", "--python-version", python, timeout=120)
    if proc.returncode != 0 and ("Network" in proc.stderr or "connection" in proc.stderr.lower()):
        pytest.skip(f"PyPI is unreachable from here: {proc.stderr.strip()[-300:]}")
    found = re.search(r"Available versions: (.*)", proc.stdout)
    return found.group(1).split(", ") if found else []


def _everything(root) -> list[Requirement]:
    """Every bundle requirement (all assignments' extra packages) and every project requirement."""
    packages = tuple(p for path in sorted((root / "assignments").glob("*/assignment.toml"))
                     for p in load_assignment(path.parent).packages)
    lines = {*requirements(packages), *declared(root).values()}
    return [Requirement(line) for line in sorted(lines)]


def _pyspark_dependencies(pyspark: Requirement) -> list[str]:
    """pyspark's own requirements for the extras asked for, from the installed pyspark (in the range)."""
    assert pyspark.specifier.contains(metadata.version("pyspark")), "the installed pyspark is not the project's"
    deps = []
    for line in metadata.requires("pyspark"):
        req = Requirement(line)
        if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in pyspark.extras):
            req.marker = None
            deps.append(str(req))
    return deps


@pytest.mark.slow
@pytest.mark.parametrize("python", PYTHONS)
def test_requirements_resolve_for_python(root, tmp_path, python):
    everything = _everything(root)
    (pyspark,) = [r for r in everything if canonical(r.name) == "pyspark"]
    wheels = [str(r) for r in everything if r is not pyspark] + _pyspark_dependencies(pyspark)
    available = [v for v in _pyspark_versions(root, python) if pyspark.specifier.contains(v)]
    supported = Requirement(f"python{requires_python(root)}").specifier.contains(python)
    assert bool(available) == supported, (python, requires_python(root), available)
    (tmp_path / "req.txt").write_text("\n".join(wheels) + "\n")
    proc = _pip(root, "install", "--dry-run", "--ignore-installed", "--quiet", "--python-version", python,
                "--only-binary=:all:", "--target", str(tmp_path / "target"), "--report", str(tmp_path / "r.json"),
                "-r", str(tmp_path / "req.txt"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    resolved = {canonical(i["metadata"]["name"]): i["metadata"]["version"]
                for i in json.loads((tmp_path / "r.json").read_text())["install"]}
    for name in ("numpy", "pandas", "pyarrow", "scikit-learn", "ipykernel", "grpcio", "py4j"):
        assert name in resolved, (python, name)


def test_readme_and_templates_claim_the_python_the_project_declares(root):
    claim = f"Python {min_python()}+"
    assert requires_python(root) == f">={min_python()}"
    assert claim in (root / "README.md").read_text(encoding="utf-8")
    assert "Python 3.10+" not in (root / "README.md").read_text(encoding="utf-8")
    assert "Python {{ min_python }}+" in (root / "templates/handout/README.md.j2").read_text(encoding="utf-8")
