"""An otter-grader master notebook kept as an assignment's living source.

With ``master = "<name>.ipynb"`` in assignment.toml, the notebook ``solutions/<slug>/<name>.ipynb`` is the
one file the instructor edits: at every load of the spec, the single-source module
``solutions/<slug>/<module>`` is written from its code cells (and the stub from that module, as for any
single source), and each ``[[questions]]`` entry gets the title, prompt and functions of the master's
question of the same name wherever the spec does not give its own. What a handout or a Gradescope
bundle carries is the resolved spec (:func:`resolved_raw`): neither needs the master.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from autograder.errors import SpecError
from autograder.otter_master import Master, read_master
from autograder.single_source import source_file, write_if_changed

MASTER_KEY = "master"
QUESTION_KEYS = ("title", "prompt", "functions")


def living_master(spec_path: Path, raw: Mapping[str, Any]) -> tuple[Path, Master] | None:
    """(the master's path, what it holds) when the spec names one; None otherwise. A named master that is
    not there is an error naming where it was looked for."""
    name = raw.get(MASTER_KEY)
    if name is None:
        return None
    if not isinstance(name, str) or "/" in name or not name.endswith(".ipynb"):
        raise SpecError(spec_path, MASTER_KEY, f"must be a notebook's file name (loans-master.ipynb), got {name!r}")
    path = source_file(spec_path.parent, name)
    if not path.is_file():
        raise SpecError(spec_path, MASTER_KEY, f"{path} does not exist: the master notebook lives beside the "
                        "reference, in solutions/<slug>/")
    return path, read_master(path)


def with_master_questions(raw: Mapping[str, Any], master: Master) -> dict[str, Any]:
    """``raw`` with each question's missing title, prompt and functions taken from the master's question of
    the same name (the spec's own values win)."""
    found = {q.name: q for q in master.questions}
    questions = []
    for entry in raw.get("questions", []):
        q = found.get(str(entry.get("name"))) if isinstance(entry, Mapping) else None
        filled = {"title": q.title, "prompt": "\n" + q.prompt, "functions": list(q.functions)} if q else {}
        questions.append({**filled, **entry} if isinstance(entry, Mapping) else entry)
    return {**raw, "questions": questions}


def module_text(master: Master, title: str) -> str:
    """The single-source module the master's code cells make, under a docstring naming the assignment."""
    return f'"""{title}"""\n\n{master.source}'


def refresh_module(assignment_folder: Path, module: str, title: str, master: Master) -> Path:
    """Write ``solutions/<slug>/<module>`` from the master when it differs from the one on disk."""
    target = source_file(assignment_folder, module)
    write_if_changed(target, module_text(master, title))
    return target


def resolved_raw(raw: Mapping[str, Any], questions) -> dict[str, Any]:
    """The spec's TOML table as shipped: ``questions`` (the loaded QuestionSpecs, the master's text filled
    in) and no master key."""
    if MASTER_KEY not in raw:
        return dict(raw)
    shipped = {k: v for k, v in raw.items() if k != MASTER_KEY}
    shipped["questions"] = [{"name": q.name, "title": q.title, "prompt": q.prompt, "functions": list(q.functions)}
                            for q in questions]
    return shipped
