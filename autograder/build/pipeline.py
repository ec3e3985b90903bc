"""The build chain for one assignment: handout folder + zip, Gradescope bundle folder + zip."""

from __future__ import annotations

import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from autograder import __version__
from autograder.build.leaks import scan
from autograder.build.notebook import render_notebook, write_notebook
from autograder.build.package import zip_folder
from autograder.build.requirements import requirements as declared_requirements
from autograder.build.requirements import requires_python
from autograder.build.templating import render
from autograder.build.worked import record
from autograder.data import PreparedData
from autograder.errors import SparkgradeError
from autograder.master_source import MASTER_KEY, resolved_raw
from autograder.registry import project_root
from autograder.spec import AssignmentSpec

VENV = "/opt/sparkgrade/venv"      # where the bundle's setup.sh makes its virtual environment
CI_PYTHON = "3.12"                  # the Python of the handout's GitHub Actions workflow
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")


class LeakError(SparkgradeError):
    """A handout would reveal solution code, hidden checks or hidden data."""


@dataclass(frozen=True)
class BuildResult:
    """Where one assignment's artifacts were written."""

    slug: str
    handout_dir: Path
    handout_zip: Path
    bundle_dir: Path
    bundle_zip: Path


def requirements(extra: tuple[str, ...] = ()) -> list[str]:
    """The runtime packages (and an assignment's extra ``packages``) with the project's own version ranges
    (pyproject.toml), which resolve on every Python the project supports, not only the build's."""
    return declared_requirements(project_root(), extra)


def min_python() -> str:
    """The oldest Python the project supports, from its ``requires-python`` (``>=3.11`` gives ``3.11``)."""
    return requires_python(project_root()).lstrip(">=~ ").split(",")[0].strip()


def shipped_spec(spec: AssignmentSpec) -> dict:
    """assignment.toml as a handout or a bundle carries it: resolved, needing no master notebook."""
    return resolved_raw(tomllib.loads((spec.path / "assignment.toml").read_text(encoding="utf-8")), spec.questions)


def public_spec_toml(spec: AssignmentSpec) -> str:
    """assignment.toml with only the public checks and the tasks they need."""
    raw = shipped_spec(spec)
    public = spec.public_checks()
    keep_tasks = {t.name for t in spec.tasks_for(public)}
    raw["checks"] = [c for c in raw["checks"] if c["name"] in {p.name for p in public}]
    raw["tasks"] = [t for t in raw["tasks"] if t["name"] in keep_tasks]
    return tomli_w.dumps(raw)


def copy_framework(dest: Path) -> None:
    """The ``autograder`` package plus a minimal pyproject, installable with ``pip install ./sparkgrade``."""
    shutil.copytree(Path(__file__).resolve().parent.parent, dest / "autograder", ignore=IGNORED)
    (dest / "pyproject.toml").write_text(render("handout/pyproject.toml.j2", version=__version__,
                                                requirements=requirements(), min_python=min_python()),
                                         encoding="utf-8")


def _question_rows(spec: AssignmentSpec) -> list[dict]:
    return [{"name": q.name, "title": q.title,
             "points": sum(c.points for c in spec.checks if c.question == q.name),
             "public": sum(c.points for c in spec.public_checks() if c.question == q.name)}
            for q in spec.questions]


def _check_rows(spec: AssignmentSpec) -> list[dict]:
    """Every check, question by question: what the handout README's table of checks shows (a hidden
    check's description stays in the bundle)."""
    order = {q.name: i for i, q in enumerate(spec.questions)}
    return [{"question": c.question, "name": c.name, "points": c.points, "hidden": c.hidden,
             "description": " ".join(c.description.split()).replace("|", "\\|")}
            for c in sorted(spec.checks, key=lambda c: order.get(c.question, len(order)))]


def assignment_readme(spec: AssignmentSpec) -> str:
    """The assignment's own ``README.md`` (its goal, data and rules, for students), headings moved two levels
    down to sit under the handout README's "About this assignment", its title line left out; "" if none."""
    path = spec.path / "README.md"
    if not path.is_file():
        return ""
    lines = path.read_text(encoding="utf-8").strip().splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    return "\n".join("##" + line if line.startswith("#") else line for line in lines).strip()


def build_handout(spec: AssignmentSpec, data: PreparedData, dest: Path) -> None:
    """What students get: stub module, notebook, public checks, training data, README, CI workflow."""
    import pyarrow.parquet as pq

    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    notebook_name = f"{spec.module_name}.ipynb"
    shutil.copyfile(spec.path / spec.module, dest / spec.module)
    (dest / "data").mkdir()
    shutil.copyfile(data.train, dest / "data" / "train.parquet")
    write_notebook(render_notebook(spec, "data/train.parquet"), dest / notebook_name)
    inner = dest / ".sparkgrade" / "assignments" / spec.slug
    inner.mkdir(parents=True)
    (inner / "assignment.toml").write_text(public_spec_toml(spec), encoding="utf-8")
    for name in ("tasks.py", "judges.py"):
        if (spec.path / name).is_file():
            shutil.copyfile(spec.path / name, inner / name)
    if (spec.path / "fixtures").is_dir():
        shutil.copytree(spec.path / "fixtures", inner / "fixtures")
    public = dest / ".sparkgrade" / "prepared" / spec.slug / "public"
    public.mkdir(parents=True)
    shutil.copyfile(data.train, public / "train.parquet")
    shutil.copyfile(data.sample, public / "sample.parquet")
    copy_framework(dest / "sparkgrade")
    rows = _question_rows(spec)
    public_points = sum(c.points for c in spec.public_checks())
    (dest / "requirements.txt").write_text(render("handout/requirements.txt.j2", requirements=requirements(spec.packages)),
                                           encoding="utf-8")
    (dest / "README.md").write_text(render("handout/README.md.j2", spec=spec, notebook_name=notebook_name,
                                           questions=rows, checks=_check_rows(spec), public_points=public_points,
                                           train_file="data/train.parquet", min_python=min_python(),
                                           train_rows=pq.read_metadata(data.train).num_rows,
                                           about=assignment_readme(spec)), encoding="utf-8")
    (dest / ".gitignore").write_text(render("handout/gitignore.j2"), encoding="utf-8")
    workflow = dest / ".github" / "workflows" / "check.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(render("github/check.yml.j2", spec=spec, python_version=CI_PYTHON), encoding="utf-8")
    record(dest, [notebook_name, spec.module])


def build_bundle(spec: AssignmentSpec, data: PreparedData, dest: Path) -> None:
    """What Gradescope runs. Gradescope unpacks the zip into /autograder/source: setup.sh and
    run_autograder at the root, beside the grader, the assignment (with hidden checks) and its prepared
    data. Never the reference solution or the mutants."""
    shutil.rmtree(dest, ignore_errors=True)
    source = dest
    source.mkdir(parents=True)
    values = {"spec": spec, "venv": VENV, "min_python": min_python(), "box": getattr(spec, "box", None)}
    for name, template in (("setup.sh", "gradescope/setup.sh.j2"), ("run_autograder", "gradescope/run_autograder.j2")):
        (dest / name).write_text(render(template, **values), encoding="utf-8")
        (dest / name).chmod(0o755)
    (dest / "README.md").write_text(render("gradescope/README.md.j2", **values), encoding="utf-8")
    shutil.copytree(spec.path, source / "assignments" / spec.slug,
                    ignore=shutil.ignore_patterns("mutants", "__pycache__", "*.pyc", "README.md"))
    if MASTER_KEY in tomllib.loads((spec.path / "assignment.toml").read_text(encoding="utf-8")):
        (source / "assignments" / spec.slug / "assignment.toml").write_text(tomli_w.dumps(shipped_spec(spec)),
                                                                             encoding="utf-8")
    prepared = source / "prepared" / spec.slug
    for path in (data.train, data.sample, *data.hidden_files()):
        target = prepared / path.relative_to(data.root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    copy_framework(source / "sparkgrade")
    (source / "requirements.txt").write_text("\n".join(requirements(spec.packages) + ["./sparkgrade"]) + "\n", encoding="utf-8")


def build_one(spec: AssignmentSpec, data: PreparedData, out: Path, root: Path) -> BuildResult:
    """Render, assemble, validate and package one assignment."""
    handout = out / "handouts" / spec.slug
    bundle = out / "autograder" / f"{spec.slug}-gradescope"
    build_handout(spec, data, handout)
    leaks = scan(handout, spec, root, data)
    if leaks:
        raise LeakError(f"{spec.slug}: the handout would leak: " + "; ".join(leaks[:10]))
    build_bundle(spec, data, bundle)
    return BuildResult(spec.slug, handout, zip_folder(handout, out / "handouts" / f"{spec.slug}.zip", f"{spec.slug}/"),
                       bundle, zip_folder(bundle, out / "autograder" / f"{spec.slug}-gradescope.zip"))


def build(specs: list[AssignmentSpec], out: Path, root: Path, prepared) -> list[BuildResult]:
    """Build every assignment; ``prepared(spec)`` returns its PreparedData."""
    return [build_one(spec, prepared(spec), Path(out), root) for spec in specs]
