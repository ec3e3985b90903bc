"""Render the student notebook of an assignment from templates/notebook/ with jinja2 and nbformat.

One code cell per function of the stub module: each function the questions ask for in the first question
that names it (later questions name it in their text), and the functions the stub gives ready-made (named
by no question) in cells of their own before the questions, so the notebook defines everything the prompts
call "given".
"""

from __future__ import annotations

import nbformat
from nbformat import v4

from autograder.build.stubs import split_stub
from autograder.build.templating import render
from autograder.spec import AssignmentSpec
from autograder.submission import SKIP_TAG


def _points(spec: AssignmentSpec, question: str, public: bool = False) -> float:
    return sum(c.points for c in spec.checks if c.question == question and (not public or not c.hidden))


def given_functions(spec: AssignmentSpec, blocks: dict[str, str]) -> list[str]:
    """The stub's definitions that no question asks for (ready-made helpers), in the stub's order."""
    asked = {name for q in spec.questions for name in q.functions}
    return [name for name in blocks if name not in asked]


def render_notebook(spec: AssignmentSpec, train_path: str) -> nbformat.NotebookNode:
    """The handout notebook: intro, setup, the stub's imports, the given functions, then per question its
    prompt, one cell per function it is the first to ask for, and its public check."""
    notebook_name = f"{spec.module_name}.ipynb"
    preamble, blocks = split_stub(spec.path / spec.module)
    public_points = sum(c.points for c in spec.public_checks())
    skip = {"tags": [SKIP_TAG]}
    cells = [v4.new_markdown_cell(render("notebook/intro.md.j2", spec=spec, public_points=public_points).strip()),
             v4.new_code_cell(render("notebook/setup.py.j2", spec=spec, notebook_name=notebook_name,
                                     train_path=train_path).strip(), metadata=skip),
             v4.new_code_cell(preamble.strip())]
    given = given_functions(spec, blocks)
    if given:
        cells.append(v4.new_markdown_cell(render("notebook/given.md.j2", names=given).strip()))
        cells += [v4.new_code_cell(blocks[name].strip()) for name in given]
    written: dict[str, str] = {}            # function -> the question whose cell defines it
    for q in spec.questions:
        checks = [c for c in spec.checks if c.question == q.name]
        earlier = [(name, written[name]) for name in q.functions if name in written]
        cells.append(v4.new_markdown_cell(render("notebook/question.md.j2", question=q, checks=checks,
                                                 earlier=earlier, points=_points(spec, q.name),
                                                 public_points=_points(spec, q.name, True)).strip()))
        for name in q.functions:
            if name not in written:
                written[name] = q.name
                cells.append(v4.new_code_cell(blocks[name].strip()))
        if any(not c.hidden for c in checks):
            cells.append(v4.new_code_cell(render("notebook/check.py.j2", question=q).strip(), metadata=skip))
    cells.append(v4.new_markdown_cell(render("notebook/outro.md.j2", spec=spec, notebook_name=notebook_name).strip()))
    cells.append(v4.new_code_cell(render("notebook/export.py.j2").strip(), metadata=skip))
    nb = v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{spec.slug}-{i:02d}"
    nbformat.validate(nb)
    return nb


def write_notebook(nb: nbformat.NotebookNode, path) -> None:
    nbformat.validate(nb)
    with open(path, "w", encoding="utf-8") as fh:
        nbformat.write(nb, fh)
