"""``sparkgrade new``: a commented skeleton of a new assignment, written from one data set.

It writes ``assignments/<slug>/`` (the spec, the mutants) and the assignment's single source,
``solutions/<slug>/<module>``: a working reference (impute, index, encode, assemble, then a logistic or
linear regression) whose solution regions give the student's stub (derived into ``assignments/<slug>/``
and ignored by git). Three questions of the usual shape: the Pipeline's structure, a held-out metric
and persistence. The reference already grades full marks; the TODOs are the instructor's prose and
thresholds, and ``sparkgrade validate`` lists every TODO left. ``docs/authoring.md`` walks through it.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from autograder.build.templating import render
from autograder.datasets import dataset_path
from autograder.heldout import write_seed
from autograder.errors import SparkgradeError
from autograder.otter_master import Master, read_master
from autograder.regions import derive_stub, has_regions
from autograder.single_source import refresh_stub, source_file
from autograder.spec.parse import load_spec

SLUG = re.compile(r"^\d\d-[a-z0-9][a-z0-9-]*$")
MODULE = re.compile(r"^[a-z_][a-z0-9_]*\.py$")


@dataclass(frozen=True)
class DataPlan:
    """The data set's columns as the skeleton's reference uses them."""

    dataset: str
    label: str
    positive: str | None
    numeric: tuple[str, ...]        # numeric features (imputed where they have nulls)
    categorical: tuple[str, ...]    # string features (indexed with handleInvalid="keep", one-hot encoded)
    null_labels: int = 0            # rows without a label: the reference fits without them

    @property
    def classification(self) -> bool:
        return self.positive is not None


def plan(dataset: str, label: str, positive: str | None, id_col: str = "id") -> DataPlan:
    """Read the data set's schema (pandas, no Spark) and sort its columns into features."""
    import pandas as pd

    frame = pd.read_parquet(dataset_path(dataset))
    if label not in frame.columns:
        raise SparkgradeError(f"data set {dataset!r} has no column {label!r}; its columns: {', '.join(frame.columns)}")
    if positive is not None and positive not in set(frame[label].dropna().astype(str)):
        values = sorted(set(frame[label].dropna().astype(str)))[:10]
        raise SparkgradeError(f"--positive {positive!r} matches no row of {label!r}; its values include: "
                              f"{', '.join(values)}")
    if positive is None and not pd.api.types.is_numeric_dtype(frame[label]):
        raise SparkgradeError(f"{label!r} is not numeric: give --positive (the class that counts as 1.0) for a "
                              "classification, or choose a numeric label for a regression")
    features = [c for c in frame.columns if c not in (id_col, label)]
    numeric = tuple(c for c in features if pd.api.types.is_numeric_dtype(frame[c]))
    # Text columns with missing values are object columns that pandas does not call strings: judge the values.
    categorical = tuple(c for c in features if c not in numeric and pd.api.types.is_string_dtype(frame[c].dropna()))
    return DataPlan(dataset, label, positive, numeric, categorical, int(frame[label].isna().sum()))


def _folders(root: Path, slug: str, module: str) -> tuple[Path, Path]:
    """The new assignment's folder and its solution folder; refuses bad names and taken folders."""
    if not SLUG.match(slug):
        raise SparkgradeError(f"slug {slug!r}: use two digits, a dash and lowercase words (e.g. 07-loans)")
    if not MODULE.match(module):
        raise SparkgradeError(f"module {module!r}: use a lowercase Python file name (e.g. loans.py)")
    folder, solution = root / "assignments" / slug, root / "solutions" / slug
    for taken in (folder, solution):
        if taken.exists():
            raise SparkgradeError(f"{taken} already exists: choose another slug or remove it first")
    return folder, solution


def create(root: Path, slug: str, module: str, data: DataPlan) -> list[Path]:
    """Write the skeleton under ``root``; refuses to overwrite anything. Returns the files written."""
    folder, solution = _folders(root, slug, module)
    values = {"slug": slug, "module": module, "data": data}
    return _write(root, folder, module, {folder / "assignment.toml": render("new/assignment.toml.j2", **values),
                                         folder / "mutants" / "mutants.toml": render("new/mutants.toml.j2", **values),
                                         solution / module: render("new/solution.py.j2", **values)})


def create_from_otter(root: Path, slug: str, module: str, data: DataPlan, master: Path) -> tuple[list[Path], Master]:
    """Write a new assignment whose living source is an otter master notebook: the notebook is copied to
    ``solutions/<slug>/`` and named in the spec (``master``), and at every load the single-source module and
    the questions' titles, prompts and functions are read from it (:mod:`autograder.master_source`). Its
    checks are the instructor's to write (otter's tests run in the student's kernel and are not taken)."""
    folder, solution = _folders(root, slug, module)
    read = read_master(master)
    if not has_regions(read.source):
        raise SparkgradeError(f"{master} marks no solution (`# BEGIN SOLUTION` ... `# END SOLUTION` in a function, "
                              "or a line ending in `# SOLUTION`): the students' stub would be the whole reference")
    derive_stub(read.source, str(master))      # regions that do not pair up stop before any file is written
    values = {"slug": slug, "module": module, "data": data, "master_name": master.name, "no_checks_yet": True,
              "questions": read.questions,
              "questions_toml": "\n".join(f"[[questions]]\n{tomli_w.dumps({'name': q.name})}" for q in read.questions)}
    copied = solution / master.name
    copied.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(master, copied)
    written = _write(root, folder, module, {folder / "assignment.toml": render("new/from_otter.toml.j2", **values),
                                            folder / "mutants" / "mutants.toml": render("new/otter_mutants.toml.j2", **values)},
                     derived_source=True)
    return [copied, *written], read


def _write(root: Path, folder: Path, module: str, files: dict[Path, str], derived_source: bool = False) -> list[Path]:
    """Write ``files``, derive the stub from the single source (and, with ``derived_source``, that source from
    the master notebook the spec names, by loading the spec), ignore what is derived in git, draw the
    held-out seed."""
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    derived = []
    if derived_source:
        load_spec(folder / "assignment.toml")        # writes the module (and the stub)
        derived.append(source_file(folder, module))
    stub = refresh_stub(folder, module)
    assert stub is not None, "the skeleton's source has solution regions"
    for path in (*derived, stub):
        ignore_stub(root, path)
    return [*files, *derived, stub, write_seed(folder)]


def ignore_stub(root: Path, stub: Path) -> None:
    """Add the derived stub to the course's ``.gitignore`` (git keeps only its source)."""
    ignore = root / ".gitignore"
    line = "/" + stub.relative_to(root).as_posix()
    text = ignore.read_text(encoding="utf-8") if ignore.is_file() else ""
    if line not in text.splitlines():
        ignore.write_text(text + ("" if not text or text.endswith("\n") else "\n") + line + "\n", encoding="utf-8")
