"""Pick the student's file among the files of a submission, whatever its shape.

Pure logic on file names (POSIX paths inside the submission; members of nested zips appear as
``work.zip/hw/pipelines.ipynb``). In order of preference:

1. the expected name (``pipelines.py`` or ``pipelines.ipynb``) anywhere in the tree, shallowest first;
2. a renamed copy: ``pipelines (1).ipynb``, ``pipelines-2.ipynb``, ``Pipelines.ipynb``, ``pipelines copy.py``;
3. the only notebook or module of the submission (else the only notebook, when there is one notebook and
   other modules).

A file that is still the unchanged starter code is passed over when anything else qualifies (students
often upload the whole handout folder, notebook and module, after working in only one of them). Within
a rank, files outside hidden folders come first, then the notebook before the module, then the
shallower path, then the newer file. Anything else is a
:class:`~autograder.errors.SubmissionError` naming the files found and the expected name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Callable, Sequence

from autograder.errors import SubmissionError

GRADABLE = (".py", ".ipynb")
# "name (1)", "name(2)", "name-2", "name_3", "name copy", "name - Copy (2)", "Copy of name": copies made
# by browsers, file managers and cloud drives. Stripped one at a time, so "name (1) (2)" also matches.
_COPY_SUFFIX = re.compile(r"(\s*\(\d+\)|[\s_-]+\d+|[\s_-]*-?\s*copy)$", re.IGNORECASE)
_COPY_PREFIX = re.compile(r"^copy of\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Found:
    """One file seen in the submission."""

    name: str            # POSIX path inside the submission
    mtime: float = 0.0   # seconds since the epoch (0 when unknown)


@dataclass(frozen=True)
class Choice:
    """The file to grade, why it was chosen, and the other candidates passed over."""

    name: str
    reason: str
    passed_over: tuple[str, ...] = ()

    def note(self) -> str | None:
        """A line for the report when the choice was not obvious, else None."""
        if self.reason == "expected name" and not self.passed_over:
            return None
        text = f"graded {self.name}" + ("" if self.reason == "expected name" else f" ({self.reason})")
        if self.passed_over:
            more = f" and {len(self.passed_over) - 5} more" if len(self.passed_over) > 5 else ""
            text += f"; not graded: {', '.join(self.passed_over[:5])}{more}"
        return text


def is_copy_of(stem: str, original: str) -> bool:
    """Whether a file stem names a copy of ``original``: ``'Pipelines (1)'`` of ``'pipelines'``."""
    stem, original = _COPY_PREFIX.sub("", stem.strip()).lower(), original.lower()
    while stem != original:
        shorter = _COPY_SUFFIX.sub("", stem).strip()
        if shorter == stem or not shorter:
            return False
        stem = shorter
    return True


def _suffix(name: str) -> str:
    return PurePosixPath(name).suffix.lower()


def _hidden(name: str) -> bool:
    return any(part.startswith(".") for part in PurePosixPath(name).parts)


def _order(found: Found) -> tuple:
    path = PurePosixPath(found.name)
    return (_hidden(found.name), _suffix(found.name) != ".ipynb", len(path.parts), -found.mtime, found.name)


def choose(files: Sequence[Found], module: str, is_stub: Callable[[str], bool] = lambda name: False,
           where: str = "Your submission") -> Choice:
    """The file to grade among ``files`` for the assignment module ``module`` (e.g. ``pipelines.py``).

    ``is_stub(name)`` says whether a file is still the unchanged starter code; ``where`` names the submission
    in messages."""
    stem = PurePosixPath(module).stem
    notebook = f"{stem}.ipynb"
    gradable = [f for f in files if _suffix(f.name) in GRADABLE]
    if not gradable:
        raise SubmissionError(_nothing_message(files, module, notebook, where))
    exact = [f for f in gradable if PurePosixPath(f.name).name in (module, notebook)]
    renamed = [f for f in gradable if f not in exact and is_copy_of(PurePosixPath(f.name).stem, stem)]
    visible = [f for f in gradable if not _hidden(f.name)]
    notebooks = [f for f in visible if _suffix(f.name) == ".ipynb"]
    only = visible if len(visible) == 1 else notebooks if len(notebooks) == 1 else []
    ranks = (("expected name", exact), ("renamed copy", renamed),
             ("the only notebook" if only and _suffix(only[0].name) == ".ipynb" else "the only module", only))
    stubs = {name for name in {f.name for f in exact + renamed + only} if is_stub(name)}
    for prefer_work in (True, False):
        for reason, group in ranks:
            pool = sorted((f for f in group if not (prefer_work and f.name in stubs)), key=_order)
            if pool:
                chosen = pool[0].name
                others = tuple(f.name for f in sorted(exact + renamed, key=_order) if f.name != chosen)
                if chosen in stubs:
                    reason += "; it is still the unchanged starter code"
                return Choice(chosen, reason, others)
    names = ", ".join(sorted(f.name for f in visible or gradable)[:10])
    raise SubmissionError(f"{where} holds several notebooks or modules ({names}) and none is named {notebook} "
                          f"or {module}: rename the one to grade to {notebook} (or {module}), or remove the "
                          "others, and submit again")


def _nothing_message(files: Sequence[Found], module: str, notebook: str, where: str) -> str:
    if not files:
        return (f"{where} is empty: no file was uploaded. Upload your {notebook} (or {module}) and submit again")
    names = ", ".join(f.name for f in sorted(files, key=lambda f: f.name)[:10])
    more = f" and {len(files) - 10} more" if len(files) > 10 else ""
    archives = [f.name for f in files if _suffix(f.name) in (".rar", ".7z", ".gz", ".tgz", ".tar", ".bz2", ".xz")]
    advice = (f" ({', '.join(archives[:3])}: only .zip archives are opened)" if archives else "")
    return (f"{where} has no notebook or module to grade: expected {notebook} or {module}; found {names}{more}"
            f"{advice}. Upload your {notebook} (or {module}), alone or in a .zip, and submit again")
