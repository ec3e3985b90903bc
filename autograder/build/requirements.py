"""The requirement lines of handouts and bundles, taken from the project's own pyproject.toml ranges
(dependencies and extras), so what students and Gradescope install resolves on every Python the project
declares (``requires-python``) instead of only on the Python that ran the build."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from autograder.errors import SparkgradeError

RUNTIME_PACKAGES = ("pyspark", "pandas", "pyarrow", "numpy", "nbformat", "jinja2", "rich", "scikit-learn",
                    "tomli-w", "ipykernel", "matplotlib")


def canonical(name: str) -> str:
    """PEP 503 name: lower case, runs of -_. become one dash."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _name_of(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    if not match:
        raise SparkgradeError(f"pyproject.toml: cannot read the package name of requirement {requirement!r}")
    return canonical(match.group(1))


def _project(root: Path) -> dict:
    path = Path(root) / "pyproject.toml"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))["project"]
    except (OSError, KeyError, tomllib.TOMLDecodeError) as exc:
        raise SparkgradeError(f"{path}: cannot read [project] ({exc}); the build takes the handouts' requirement "
                              "ranges from it") from None


def declared(root: Path) -> dict[str, str]:
    """Every requirement the project declares (dependencies, then each extra), by canonical name."""
    project = _project(root)
    found: dict[str, str] = {}
    for req in [*project.get("dependencies", []), *(r for extra in project.get("optional-dependencies", {}).values()
                                                    for r in extra)]:
        found.setdefault(_name_of(req), req)
    return found


def requires_python(root: Path) -> str:
    """The project's ``requires-python`` (for example ``>=3.11``)."""
    return _project(root).get("requires-python", ">=3.11")


def requirements(root: Path, extra: tuple[str, ...] = ()) -> list[str]:
    """The runtime packages (and an assignment's extra ``packages``) with the project's declared ranges."""
    ranges = declared(root)
    lines = []
    for name in (*RUNTIME_PACKAGES, *extra):
        try:
            lines.append(ranges[canonical(name)])
        except KeyError:
            raise SparkgradeError(f"package {name!r} (needed by the handouts) has no range in {Path(root) / 'pyproject.toml'}; "
                                  "declare it in [project] dependencies or an optional extra and build again") from None
    return lines
