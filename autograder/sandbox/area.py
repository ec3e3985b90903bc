"""The child's folder (:class:`ChildArea`) and the cleaning of what a child wrote before the grader reads
it (:func:`sanitize`)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from autograder.sandbox.isolation import Isolation
from autograder.walk import MAX_DEPTH, TreeTooLarge, remove_tree, walk

MAX_OUTPUT_FILE = 256 * 2**20
MAX_OUTPUT_TOTAL = 2 * 2**30
MAX_OUTPUT_ENTRIES = 50_000


class ChildArea:
    """The one folder the children may see: ``input/`` (read-only copies made by the grader), output
    folders the grader opens for writing phase by phase, and ``home/`` and ``tmp/``."""

    def __init__(self, root: Path, iso: Isolation):
        self.root, self.iso = Path(root), iso

    @property
    def input(self) -> Path:
        return self.root / "input"

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    def output(self, name: str) -> Path:
        return self.root / name

    def create(self) -> None:
        for p in (self.root, self.input, self.home, self.tmp):
            p.mkdir(parents=True, exist_ok=True)
            p.chmod(0o755)
        parent = self.root.parent
        if self.iso.uid is not None:                       # nobody must be able to reach the area, not list it
            parent.chmod(0o711)

    def open_for_child(self, *folders: Path) -> None:
        """Make ``folders`` (and home, tmp) writable by the child, emptying home and tmp."""
        for p in (self.home, self.tmp):
            remove_tree(p, ignore_errors=True)
            p.mkdir()
        for p in (self.home, self.tmp, *folders):
            p.mkdir(parents=True, exist_ok=True)
            if self.iso.uid is not None:
                os.chown(p, self.iso.uid, self.iso.gid)
                for entry in walk(p):               # the grader's own copies: never past the caps
                    if entry.is_dir or entry.is_file:
                        os.chown(entry.name, self.iso.uid, self.iso.gid, dir_fd=entry.dir_fd,
                                 follow_symlinks=False)

    def seal(self, folder: Path) -> list[str]:
        """After the child is gone: remove from ``folder`` whatever the grader must not read (symbolic
        links, FIFOs, devices, hard links, oversized files), give it back to the grader's user and make it
        read-only for the next child. Returns notes about what was removed."""
        notes = sanitize(folder)
        if folder.is_dir() and not folder.is_symlink():
            me = (os.geteuid(), os.getegid())
            if self.iso.uid is not None:
                os.lchown(folder, *me)
            folder.chmod(0o755)
            try:
                for entry in walk(folder):          # sanitized: within the caps, only folders and files
                    try:
                        if self.iso.uid is not None:
                            os.chown(entry.name, *me, dir_fd=entry.dir_fd, follow_symlinks=False)
                        os.chmod(entry.name, 0o755 if entry.is_dir else 0o644, dir_fd=entry.dir_fd)
                    except OSError:
                        continue
            except TreeTooLarge:                    # grown since (nothing should write any more): not read
                remove_tree(folder, ignore_errors=True)
                folder.mkdir(exist_ok=True)
        return notes


def sanitize(folder: Path) -> list[str]:
    """Delete symbolic links, special files, hard-linked and oversized files under ``folder`` (never
    following links, without recursion); a top-level entry holding folders nested more than
    :data:`~autograder.walk.MAX_DEPTH` levels deep is deleted whole; if the folder is absurdly
    large, empty it. Returns notes."""
    notes: list[str] = []
    if not folder.exists() and not folder.is_symlink():
        return notes
    if folder.is_symlink() or not folder.is_dir():
        folder.unlink()
        return [f"removed {folder.name}: not a folder"]
    while True:
        try:
            return _sanitize(folder, notes)
        except TreeTooLarge as exc:
            if not exc.what.startswith("folders nested"):
                remove_tree(folder, ignore_errors=True)
                folder.mkdir(exist_ok=True)
                return notes[:5] + [f"removed everything under {folder.name}: more than "
                                    f"{MAX_OUTPUT_TOTAL // 2**30} GB or {MAX_OUTPUT_ENTRIES} files were written"]
            top = exc.rel.split("/", 1)[0]
            remove_tree(folder / top, ignore_errors=True)
            notes.append(f"removed {top}: it holds folders nested more than {MAX_DEPTH} levels deep")
            if (folder / top).exists():
                return notes[:20]


def _sanitize(folder: Path, notes: list[str]) -> list[str]:
    total = 0
    for entry in walk(folder, MAX_DEPTH, MAX_OUTPUT_ENTRIES):
        st, rel = entry.st, entry.rel
        if stat.S_ISLNK(st.st_mode) or not (stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode)):
            os.unlink(entry.name, dir_fd=entry.dir_fd)
            notes.append(f"removed {rel}: symbolic links and special files are not accepted")
        elif stat.S_ISREG(st.st_mode) and (st.st_nlink > 1 or st.st_size > MAX_OUTPUT_FILE):
            os.unlink(entry.name, dir_fd=entry.dir_fd)
            notes.append(f"removed {rel}: " + ("hard links are not accepted" if st.st_nlink > 1
                                               else f"larger than {MAX_OUTPUT_FILE // 2**20} MB"))
        elif stat.S_ISREG(st.st_mode):
            total += st.st_size
            if total > MAX_OUTPUT_TOTAL:
                raise TreeTooLarge(f"more than {MAX_OUTPUT_TOTAL // 2**30} GB", rel)
    return notes[:20]
