"""Copy a submission into a fresh working folder, refusing anything unsafe.

A submission is one student's work in whatever shape it was uploaded: a ``.py`` module, an ``.ipynb``
notebook, a folder (files at any depth), a ``.zip`` (zips inside it or inside the folder are opened too,
up to :data:`MAX_DEPTH` deep), with any extra files. :func:`autograder.locate.choose` picks the file to
grade; only that file is copied, by content, into a fresh folder (never by link, never with its mode).

Symlinks (and whatever lies below a symlinked folder), path traversal, absolute paths, and files that
change how Python or pytest start (conftest.py, sitecustomize.py, usercustomize.py, *.pth, .OTTER_LOG,
results.json) are ignored and reported. Editor and OS leftovers (.ipynb_checkpoints, __MACOSX,
__pycache__, .git, .DS_Store, ._*) and virtual environments (.venv, site-packages) are skipped silently. Sizes are capped: each file, each archive, all
archives together once expanded, the number of entries and the nesting depth (zip bombs stop at a cap).
A zip's entry count is read from its end-of-central-directory record (zip64 included) and its directory
counted before :class:`zipfile.ZipFile` builds its list of entries; an archive inside an archive is
expanded into an unnamed temporary file, never into memory.
"""

from __future__ import annotations

import calendar
import contextlib
import os
import stat
import struct
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Callable

from autograder.errors import SubmissionError
from autograder.locate import GRADABLE, Found, choose
from autograder.spec import AssignmentSpec
from autograder.starter import unchanged
from autograder.walk import TreeTooLarge, walk

MAX_FILE_BYTES = 20 * 2**20
MAX_ARCHIVE_BYTES = 100 * 2**20      # one archive, on disk or expanded from another one
MAX_EXPANDED_BYTES = 200 * 2**20     # all nested archives together, once expanded (on disk)
MAX_ENTRIES = 5_000                  # files kept (leftovers and virtual environments are not counted)
MAX_MEMBERS = 100_000                # entries of one zip's directory, skipped ones included
MAX_DEPTH = 3                        # archives inside archives
MAX_FOLDER_DEPTH = 64                # folders inside an uploaded folder
MAX_FOLDER_ENTRIES = 100_000         # files and folders of an uploaded folder, leftovers included
CHUNK = 2**20
END = struct.Struct("<4s4H2LH")                # end of central directory record (22 bytes)
END64_LOCATOR = struct.Struct("<4sLQL")        # zip64 end of central directory locator (20 bytes)
END64 = struct.Struct("<4sQ2H2L4Q")            # zip64 end of central directory record (56 bytes)
HEADER = struct.Struct("<4s24x3H12x")          # a central directory entry: signature, name/extra/comment lengths
DANGEROUS = {"conftest.py", "sitecustomize.py", "usercustomize.py", ".OTTER_LOG", "results.json"}
LEFTOVERS = {".ipynb_checkpoints", "__MACOSX", "__pycache__", ".git", ".DS_Store", "Thumbs.db", "desktop.ini",
             ".venv", "venv", "site-packages", "node_modules", ".pytest_cache", ".mypy_cache", "spark-warehouse",
             "metastore_db"}
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, RuntimeError, NotImplementedError,
              EOFError, OSError, ValueError)


@dataclass
class StagedSubmission:
    """The one file that will be run, and notes about everything that was ignored."""

    path: Path
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Entry:
    name: str
    mtime: float
    read: Callable[[int], bytes]     # at most n bytes of the file


def _mb(n: int) -> str:
    return f"{n / 2**20:.0f} MB"


def _leftover(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return any(p in LEFTOVERS for p in parts) or (bool(parts) and parts[-1].startswith("._"))


def _ignored_note(name: str) -> str | None:
    base = PurePosixPath(name).name
    if base in DANGEROUS or base.endswith(".pth"):
        return f"ignored {name}: files that change how Python or the grader start are not accepted"
    return None


def _unsafe_path(name: str) -> bool:
    return (name.startswith("/") or ".." in PurePosixPath(name).parts or (len(name) > 1 and name[1] == ":")
            or "\0" in name)


def _read_file(path: Path) -> Callable[[int], bytes]:
    def read(limit: int) -> bytes:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise SubmissionError(f"{path.name} is not a regular file; submit the file itself")
            return fh.read(limit)
    return read


def zip_entries(fh: IO[bytes], cap: int = MAX_MEMBERS) -> int:
    """How many entries a zip's central directory holds, without building its list: the count of its end
    record (zip64 included), or, when that count may lie, the entries counted header by header (at most
    ``cap`` + 1). Raises :class:`zipfile.BadZipFile` when there is no end record."""
    size = fh.seek(0, os.SEEK_END)
    tail_at = max(0, size - END.size - 65535)
    fh.seek(tail_at)
    tail = fh.read(size - tail_at)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < END.size:
        raise zipfile.BadZipFile("no end of central directory record")
    _, _, _, _, count, cd_size, _, _ = END.unpack_from(tail, at)
    end_at, extra = tail_at + at, 0
    if end_at >= END64_LOCATOR.size:
        fh.seek(end_at - END64_LOCATOR.size)
        locator = fh.read(END64_LOCATOR.size)
        if locator[:4] == b"PK\x06\x07":
            fh.seek(END64_LOCATOR.unpack(locator)[2])
            record = fh.read(END64.size)
            if len(record) < END64.size or record[:4] != b"PK\x06\x06":
                raise zipfile.BadZipFile("a broken zip64 end of central directory record")
            count, cd_size = END64.unpack(record)[7:9]
            extra = END64.size + END64_LOCATOR.size
    if count > cap:
        return count
    at, end = end_at - extra - cd_size, end_at - extra      # where ZipFile reads the directory from
    counted = 0
    while at >= 0 and at + HEADER.size <= end and counted <= cap:
        fh.seek(at)
        header = fh.read(HEADER.size)
        if len(header) < HEADER.size or header[:4] != b"PK\x01\x02":
            break
        name, extra_len, comment = HEADER.unpack(header)[1:]
        at += HEADER.size + name + extra_len + comment
        counted += 1
    return max(count, counted)


def _copy_capped(source: IO[bytes], target: IO[bytes], limit: int) -> int:
    """Copy at most ``limit`` + 1 bytes; the bytes copied."""
    copied = 0
    while copied <= limit and (chunk := source.read(min(CHUNK, limit + 1 - copied))):
        target.write(chunk)
        copied += len(chunk)
    return copied


class _Tree:
    """Every file of a submission (folders and zips opened), with notes on what was left out."""

    def __init__(self, stack: contextlib.ExitStack, scratch: Path):
        self.stack, self.scratch, self.entries, self.notes, self.expanded = stack, scratch, [], [], 0

    def add_file(self, name: str, size: int, mtime: float, read: Callable[[int], bytes]) -> None:
        if len(self.entries) >= MAX_ENTRIES:
            raise SubmissionError(f"Your submission holds more than {MAX_ENTRIES} files; submit only your work")
        if (note := _ignored_note(name)):
            self.notes.append(note)
        elif PurePosixPath(name).suffix.lower() in GRADABLE and size > MAX_FILE_BYTES:
            self.notes.append(f"ignored {name}: larger than {_mb(MAX_FILE_BYTES)}")
        else:
            self.entries.append(_Entry(name, mtime, read))

    def add_folder(self, folder: Path) -> None:
        """Every file of an uploaded folder (leftover folders not entered), without recursion."""
        try:
            for entry in walk(folder, MAX_FOLDER_DEPTH, MAX_FOLDER_ENTRIES, skip=lambda e: e.name in LEFTOVERS):
                self._add_folder_entry(folder, entry)
        except TreeTooLarge as exc:
            raise SubmissionError(f"Your submission holds {exc.what}; submit only your work") from None

    def _add_folder_entry(self, folder: Path, entry) -> None:
        rel, st = entry.rel, entry.st
        if stat.S_ISDIR(st.st_mode) or _leftover(rel):
            return
        if stat.S_ISLNK(st.st_mode):
            try:
                to_folder = stat.S_ISDIR(os.stat(entry.name, dir_fd=entry.dir_fd).st_mode)
            except OSError:
                to_folder = False
            self.notes.append(f"ignored {rel}{'/' if to_folder else ''}: symbolic links are not accepted")
        elif not stat.S_ISREG(st.st_mode):
            self.notes.append(f"ignored {rel}: not a regular file")
        elif entry.name.lower().endswith(".zip"):
            if st.st_size > MAX_ARCHIVE_BYTES:
                self.notes.append(f"ignored {rel}: larger than {_mb(MAX_ARCHIVE_BYTES)}")
            else:
                self.add_zip(folder / rel, rel, 1, required=False)
        else:
            self.add_file(rel, st.st_size, st.st_mtime, _read_file(folder / rel))

    def add_zip(self, source: Path | IO[bytes], label: str, depth: int, required: bool) -> None:
        """The members of a zip (a path or an open file), named ``label/member``; nested zips opened.
        ``required``: a broken archive is an error (the submission itself), else a note."""
        members: list[zipfile.ZipInfo] = []
        try:
            fh = source if not isinstance(source, Path) else self.stack.enter_context(open(source, "rb"))
            count = zip_entries(fh, MAX_MEMBERS)        # before ZipFile() lists them all
            if count <= MAX_MEMBERS:
                archive = self.stack.enter_context(zipfile.ZipFile(fh))
                members = archive.infolist()
        except ZIP_ERRORS:
            if required:
                raise SubmissionError(f"{label} is not a readable zip archive; zip your files again") from None
            self.notes.append(f"ignored {label}: not a readable zip archive")
            return
        if count > MAX_MEMBERS or len(members) > MAX_MEMBERS:
            if required:
                raise SubmissionError(f"{label} holds more than {MAX_MEMBERS} entries; submit only your work")
            self.notes.append(f"ignored {label}: more than {MAX_MEMBERS} entries")
            return
        prefix = "" if required else f"{label}/"
        for info in members:
            name = info.filename.replace("\\", "/")
            shown = prefix + name
            if info.is_dir() or _leftover(name):
                continue
            if _unsafe_path(name):
                self.notes.append(f"ignored {shown}: paths outside the submission are not accepted")
            elif stat.S_ISLNK(info.external_attr >> 16):
                self.notes.append(f"ignored {shown}: symbolic links are not accepted")
            elif info.flag_bits & 0x1:
                self.notes.append(f"ignored {shown}: encrypted; zip your files without a password")
            elif name.lower().endswith(".zip"):
                self._nested(archive, info, shown, depth)
            else:
                mtime = calendar.timegm((*info.date_time, 0, 0, 0)) if info.date_time[0] >= 1980 else 0.0
                self.add_file(shown, info.file_size, float(mtime), _member_reader(archive, info, shown))

    def _nested(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, shown: str, depth: int) -> None:
        if depth >= MAX_DEPTH:
            self.notes.append(f"ignored {shown}: archives nested more than {MAX_DEPTH} deep are not opened")
            return
        budget = min(MAX_ARCHIVE_BYTES, MAX_EXPANDED_BYTES - self.expanded)
        if info.file_size > budget:
            self.notes.append(f"ignored {shown}: expands to more than {_mb(budget)}")
            return
        expanded = self.stack.enter_context(tempfile.TemporaryFile(dir=self.scratch))    # unnamed, on disk
        try:
            with archive.open(info) as member:
                size = _copy_capped(member, expanded, budget)   # the declared size may lie: at most the budget
        except ZIP_ERRORS:
            self.notes.append(f"ignored {shown}: could not be read from its archive")
            return
        if size > budget:
            expanded.truncate(0)
            self.notes.append(f"ignored {shown}: expands to more than {_mb(budget)}")
            return
        self.expanded += size
        self.add_zip(expanded, shown, depth + 1, required=False)


def _member_reader(archive: zipfile.ZipFile, info: zipfile.ZipInfo, shown: str) -> Callable[[int], bytes]:
    def read(limit: int) -> bytes:
        try:
            with archive.open(info) as member:
                return member.read(limit)
        except ZIP_ERRORS as exc:
            raise SubmissionError(f"{shown} could not be read from its zip archive ({type(exc).__name__}); "
                                  "zip your files again") from None
    return read


def stage(source: Path, spec: AssignmentSpec, dest: Path) -> StagedSubmission:
    """Copy the gradable file of ``source`` (one student's submission) into ``dest``."""
    source = Path(source)
    dest.mkdir(parents=True, exist_ok=True)
    if source.is_symlink():
        raise SubmissionError(f"{source} is a symbolic link; submit the file itself")
    notebook = f"{spec.module_name}.ipynb"
    with contextlib.ExitStack() as stack:
        tree = _Tree(stack, dest)
        if source.is_dir():
            tree.add_folder(source)
            where = "Your submission"
        elif source.is_file() and source.suffix.lower() == ".zip":
            if source.stat().st_size > MAX_ARCHIVE_BYTES:
                raise SubmissionError(f"{source.name} is larger than {_mb(MAX_ARCHIVE_BYTES)}; submit only your work")
            tree.add_zip(source, source.name, 1, required=True)
            where = source.name
        elif source.is_file():
            st = source.stat()
            if source.suffix.lower() in GRADABLE and st.st_size > MAX_FILE_BYTES:
                raise SubmissionError(f"{source.name} is larger than {_mb(MAX_FILE_BYTES)}; submit only your work")
            tree.add_file(source.name, st.st_size, st.st_mtime, _read_file(source))
            where = source.name
        else:
            raise SubmissionError(f"no submission found at {source}; upload your {notebook} (or {spec.module})")
        cache: dict[str, bytes] = {}
        entries = {e.name: e for e in tree.entries}

        def content(name: str) -> bytes:
            if name not in cache:
                cache[name] = entries[name].read(MAX_FILE_BYTES + 1)
            return cache[name]

        def is_stub(name: str) -> bool:
            try:
                return unchanged(content(name), PurePosixPath(name).suffix, spec.path / spec.module)
            except SubmissionError:
                return False

        files = [Found(e.name, e.mtime) for e in tree.entries]
        if not files and tree.notes:
            raise SubmissionError(f"{where} has nothing that can be graded: {'; '.join(tree.notes[:5])}. Upload "
                                  f"your {notebook} (or {spec.module}), alone or in a .zip, and submit again")
        if source.is_file() and source.suffix.lower() in GRADABLE and files:
            picked, note = files[0].name, None      # a single file is graded whatever its name
        else:
            choice = choose(files, spec.module, is_stub, where)
            picked, note = choice.name, choice.note()
        data = content(picked)
    if len(data) > MAX_FILE_BYTES:
        raise SubmissionError(f"{picked} is larger than {_mb(MAX_FILE_BYTES)}")
    suffix = PurePosixPath(picked).suffix.lower()
    target = dest / (spec.module if suffix == ".py" else notebook)
    target.write_bytes(data)
    return StagedSubmission(target, tree.notes + ([note] if note else []))
