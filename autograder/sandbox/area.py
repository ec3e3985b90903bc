"""The child's folder (:class:`ChildArea`) and the cleaning of what a child wrote before the grader reads
it (:func:`sanitize`)."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

from autograder.sandbox.probing import Isolation

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
            shutil.rmtree(p, ignore_errors=True)
            p.mkdir()
        for p in (self.home, self.tmp, *folders):
            p.mkdir(parents=True, exist_ok=True)
            if self.iso.uid is not None:
                for sub in (p, *p.rglob("*")):
                    if not sub.is_symlink():
                        os.chown(sub, self.iso.uid, self.iso.gid)

    def seal(self, folder: Path) -> list[str]:
        """After the child is gone: remove from ``folder`` whatever the grader must not read (symbolic
        links, FIFOs, devices, hard links, oversized files), give it back to the grader's user and make it
        read-only for the next child. Returns notes about what was removed."""
        notes = sanitize(folder)
        if folder.exists():
            me = (os.geteuid(), os.getegid())
            for sub in (folder, *folder.rglob("*")):
                try:
                    if self.iso.uid is not None:
                        os.lchown(sub, *me)
                    mode = sub.lstat().st_mode
                    sub.chmod(0o755 if stat.S_ISDIR(mode) else 0o644)
                except OSError:
                    continue
        return notes


def sanitize(folder: Path) -> list[str]:
    """Delete symbolic links, special files, hard-linked and oversized files under ``folder`` (never
    following links); if the folder is absurdly large, empty it. Returns notes."""
    notes: list[str] = []
    if not folder.exists() and not folder.is_symlink():
        return notes
    if folder.is_symlink() or not folder.is_dir():
        folder.unlink()
        return [f"removed {folder.name}: not a folder"]
    total = entries = 0
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            entries += 1
            try:
                st = os.lstat(path)
            except OSError:
                continue
            rel = os.path.relpath(path, folder)
            if stat.S_ISLNK(st.st_mode) or not (stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode)):
                os.unlink(path)
                notes.append(f"removed {rel}: symbolic links and special files are not accepted")
            elif stat.S_ISREG(st.st_mode) and (st.st_nlink > 1 or st.st_size > MAX_OUTPUT_FILE):
                os.unlink(path)
                notes.append(f"removed {rel}: " + ("hard links are not accepted" if st.st_nlink > 1
                                                   else f"larger than {MAX_OUTPUT_FILE // 2**20} MB"))
            elif stat.S_ISREG(st.st_mode):
                total += st.st_size
        dirnames[:] = [d for d in dirnames if os.path.isdir(os.path.join(dirpath, d))
                       and not os.path.islink(os.path.join(dirpath, d))]
        if total > MAX_OUTPUT_TOTAL or entries > MAX_OUTPUT_ENTRIES:
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            return notes[:5] + [f"removed everything under {folder.name}: more than "
                                f"{MAX_OUTPUT_TOTAL // 2**30} GB or {MAX_OUTPUT_ENTRIES} files were written"]
    return notes[:20]
