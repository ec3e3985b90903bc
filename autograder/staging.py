"""Copy a submission into a fresh working folder, refusing anything unsafe.

A submission is a ``.py`` module, an ``.ipynb`` notebook, a folder, or a ``.zip`` of either. Only the
expected file is taken, copied by content into a fresh folder (never by link, never with its mode); symlinks
(and whatever lies below a symlinked folder), path traversal, absolute paths, and files that change how
Python or pytest start (conftest.py, sitecustomize.py, usercustomize.py, *.pth, .OTTER_LOG, results.json)
are ignored and reported. Editor and OS leftovers (.ipynb_checkpoints, __MACOSX, __pycache__) are skipped
silently. Sizes are capped: each file, the archive, and the number of entries.
"""

from __future__ import annotations

import os
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from autograder.errors import SubmissionError
from autograder.spec import AssignmentSpec

MAX_FILE_BYTES = 20 * 2**20
MAX_ARCHIVE_BYTES = 100 * 2**20
MAX_ENTRIES = 5_000
DANGEROUS = {"conftest.py", "sitecustomize.py", "usercustomize.py", ".OTTER_LOG", "results.json"}
LEFTOVERS = {".ipynb_checkpoints", "__MACOSX", "__pycache__", ".git"}


@dataclass
class StagedSubmission:
    """The one file that will be run, and notes about everything that was ignored."""

    path: Path
    notes: list[str] = field(default_factory=list)


def _candidates(spec: AssignmentSpec, names: list[str]) -> list[str]:
    """Names to look for, best first: the module, then the notebook, then any single .py/.ipynb."""
    stem = spec.module_name
    wanted = [n for n in names if PurePosixPath(n).name in (spec.module, f"{stem}.ipynb")]
    wanted.sort(key=lambda n: (PurePosixPath(n).suffix != ".py", len(PurePosixPath(n).parts)))
    if wanted:
        return wanted
    loose = [n for n in names if PurePosixPath(n).suffix in (".py", ".ipynb")
             and PurePosixPath(n).name not in DANGEROUS]
    return loose if len(loose) == 1 else []


def _ignored_note(name: str) -> str | None:
    base = PurePosixPath(name).name
    if base in DANGEROUS or base.endswith(".pth"):
        return f"ignored {name}: files that change how Python or the grader start are not accepted"
    return None


def _leftover(name: str) -> bool:
    return any(part in LEFTOVERS for part in PurePosixPath(name).parts)


def stage(source: Path, spec: AssignmentSpec, dest: Path) -> StagedSubmission:
    """Copy the gradable file of ``source`` into ``dest`` and return where it is."""
    source = Path(source)
    dest.mkdir(parents=True, exist_ok=True)
    if source.is_symlink():
        raise SubmissionError(f"{source} is a symbolic link; submit the file itself")
    if source.is_file() and source.suffix in (".py", ".ipynb"):
        if source.stat().st_size > MAX_FILE_BYTES:
            raise SubmissionError(f"{source.name} is larger than {MAX_FILE_BYTES // 2**20} MB")
        target = dest / (spec.module if source.suffix == ".py" else f"{spec.module_name}.ipynb")
        shutil.copyfile(source, target)
        return StagedSubmission(target)
    if source.is_file() and source.suffix == ".zip":
        return _from_zip(source, spec, dest)
    if source.is_dir():
        return _from_folder(source, spec, dest)
    raise SubmissionError(f"{source} is not a .py module, .ipynb notebook, folder or .zip; submit "
                          f"{spec.module} or {spec.module_name}.ipynb")


def _from_folder(source: Path, spec: AssignmentSpec, dest: Path) -> StagedSubmission:
    notes, names = [], []
    for root, dirs, files in os.walk(source, followlinks=False):
        for name in sorted(dirs):
            if os.path.islink(os.path.join(root, name)):
                notes.append(f"ignored {Path(root, name).relative_to(source).as_posix()}/: symbolic links are "
                             "not accepted")
        dirs[:] = sorted(d for d in dirs if not os.path.islink(os.path.join(root, d)) and d not in LEFTOVERS)
        for name in sorted(files):
            p = Path(root, name)
            rel = p.relative_to(source).as_posix()
            if len(names) >= MAX_ENTRIES:
                raise SubmissionError(f"{source} holds more than {MAX_ENTRIES} files; submit only your work")
            if p.is_symlink():
                notes.append(f"ignored {rel}: symbolic links are not accepted")
            elif (note := _ignored_note(rel)):
                notes.append(note)
            elif p.is_file() and not _leftover(rel):
                names.append(rel)
    picked = _candidates(spec, names)
    if not picked:
        raise SubmissionError(f"no {spec.module} or {spec.module_name}.ipynb found in {source}; "
                              f"files seen: {', '.join(names[:10]) or 'none'}")
    staged = stage(source / picked[0], spec, dest)
    staged.notes = notes + staged.notes
    return staged


def _from_zip(source: Path, spec: AssignmentSpec, dest: Path) -> StagedSubmission:
    notes, names = [], []
    if source.stat().st_size > MAX_ARCHIVE_BYTES:
        raise SubmissionError(f"{source.name} is larger than {MAX_ARCHIVE_BYTES // 2**20} MB; submit only your work")
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        raise SubmissionError(f"{source.name} is not a readable zip archive; zip your files again") from None
    with archive:
        infos = {}
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise SubmissionError(f"{source.name} holds more than {MAX_ENTRIES} entries; submit only your work")
        for info in entries:
            name = info.filename
            mode = info.external_attr >> 16
            if info.is_dir() or _leftover(name):
                continue
            if (name.startswith(("/", "\\")) or ".." in PurePosixPath(name.replace("\\", "/")).parts
                    or (len(name) > 1 and name[1] == ":") or "\0" in name):
                notes.append(f"ignored {name}: paths outside the submission are not accepted")
            elif stat.S_ISLNK(mode):
                notes.append(f"ignored {name}: symbolic links are not accepted")
            elif (note := _ignored_note(name)):
                notes.append(note)
            elif info.file_size > MAX_FILE_BYTES:
                notes.append(f"ignored {name}: larger than {MAX_FILE_BYTES // 2**20} MB")
            else:
                names.append(name)
                infos[name] = info
        picked = _candidates(spec, names)
        if not picked:
            raise SubmissionError(f"no {spec.module} or {spec.module_name}.ipynb found in {source.name}; "
                                  f"files seen: {', '.join(names[:10]) or 'none'}")
        suffix = PurePosixPath(picked[0]).suffix
        target = dest / (spec.module if suffix == ".py" else f"{spec.module_name}.ipynb")
        with archive.open(infos[picked[0]]) as src, open(target, "wb") as out:
            data = src.read(MAX_FILE_BYTES + 1)          # the declared size may lie: read at most the cap
            if len(data) > MAX_FILE_BYTES:
                raise SubmissionError(f"{picked[0]} is larger than {MAX_FILE_BYTES // 2**20} MB")
            out.write(data)
    return StagedSubmission(target, notes)
