"""The handout notebook of every assignment: one cell per function, the given functions ready, and,
filled in as a student would (the reference's definitions in the first cell of each function), it
defines the reference and earns full marks."""

from __future__ import annotations

import ast
import re
import sys

import pytest
from nbformat import v4

from autograder.batch import grade_class
from autograder.build.notebook import given_functions, render_notebook, write_notebook
from autograder.build.stubs import split_stub
from autograder.registry import discover, load_assignment
from autograder.results import Status
from autograder.spark import SparkOptions
from autograder.submission import load_submission
from tests.build.filling import defined, definition_run, fill, reference_blocks
from tests.build.test_build import golden

SLUGS = [p.parent.name for p in discover()]
GRADED_EVERY_RUN = {"03-features"}      # the others (a minute or more each) run with `pytest -m long`


def handout(slug: str):
    spec = load_assignment(slug)
    return spec, render_notebook(spec, "data/train.parquet")


def code(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "code"]


@pytest.mark.parametrize("slug", SLUGS)
def test_one_cell_per_function_in_its_first_question_and_the_given_ones_ready(slug):
    spec, nb = handout(slug)
    preamble, stub = split_stub(spec.path / spec.module)
    names = [n for source in code(nb) for n in defined(source)]
    assert sorted(names) == sorted(stub), "every function of the stub exactly once"
    for name in given_functions(spec, stub):
        assert stub[name].strip() in code(nb), f"given {name} is a ready cell, as in the stub"
    headings = [i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and c.source.startswith("## Q")]
    for q, start in zip(spec.questions, headings):
        first = [n for n in q.functions if not any(n in p.functions for p in spec.questions[:spec.questions.index(q)])]
        end = next((h for h in headings if h > start), len(nb.cells))
        assert [n for c in nb.cells[start:end] if c.cell_type == "code" for n in defined(c.source)] == first
        for name in set(q.functions) - set(first):
            assert re.search(rf"You wrote .*`{name}` in Q\d", nb.cells[start].source), name


@pytest.mark.parametrize("slug", ["03-features", "06-deploy"])
def test_notebook_matches_golden(tmp_path, slug):
    spec, nb = handout(slug)
    write_notebook(nb, tmp_path / "nb.ipynb")
    golden(f"{slug}/{spec.module_name}.ipynb", (tmp_path / "nb.ipynb").read_text(encoding="utf-8"))


def filled_notebook(slug: str, root, folder, untouched_copies: bool = False):
    """The handout of ``slug`` filled in, written to ``folder/<module>.ipynb``; with ``untouched_copies``,
    a second, untouched copy of every question's function cell follows the answers (as 03's first
    handouts had under Q3 and Q4)."""
    spec, nb = handout(slug)
    stub = split_stub(spec.path / spec.module)[1]
    fill(nb, spec, root)
    if untouched_copies:
        asked = [n for n in stub if n not in given_functions(spec, stub)]
        nb.cells[-2:-2] = [v4.new_code_cell(stub[n]) for n in asked]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{spec.module_name}.ipynb"
    write_notebook(nb, path)
    return spec, path


@pytest.mark.parametrize("untouched_copies", [False, True], ids=["handout", "with_untouched_copies"])
@pytest.mark.parametrize("slug", SLUGS)
def test_filled_notebook_defines_the_reference(root, tmp_path, slug, untouched_copies):
    spec, path = filled_notebook(slug, root, tmp_path, untouched_copies)
    name = f"filled_{spec.module_name}_{int(untouched_copies)}"
    try:
        loaded = load_submission(path, name)
        assert loaded.errors == []
        for function, block in reference_blocks(spec, root).items():
            assert definition_run(loaded.lookup(function), function) == ast.dump(ast.parse(block).body[0]), function
    finally:
        sys.modules.pop(name, None)


@pytest.mark.slow
@pytest.mark.parametrize("slug", [s if s in GRADED_EVERY_RUN else pytest.param(s, marks=pytest.mark.long)
                                  for s in SLUGS])
def test_filled_notebook_earns_full_marks(request, root, tmp_path, slug):
    spec, path = filled_notebook(slug, root, tmp_path / "class")
    server = request.getfixturevalue("connect_server") if spec.spark_connect else None
    options = SparkOptions(remote=server.url) if server else SparkOptions()
    result = grade_class(spec, tmp_path / "class", tmp_path / "graded", options, workers=1, progress=False,
                         work_root=server.work_root if server else None, server=server)
    (report,) = result.reports.values()
    lost = {c.name: (c.status.value, c.message[:300]) for c in report.checks if c.status is not Status.PASSED}
    assert lost == {} and report.score == report.max_score == spec.total_points
