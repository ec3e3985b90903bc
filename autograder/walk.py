"""Walking and deleting folders a child wrote, without recursion and through folder file descriptors
(standard library only: the children import it with :mod:`autograder.harness.sealing`).

A child may leave any shape of tree: thousands of levels deep (deeper than Python's recursion limit and
than the kernel's PATH_MAX), millions of entries, links where folders were. :func:`walk` visits a tree
top-down under caps on depth and entries (:class:`TreeTooLarge` when one is passed), never following a
link; :func:`remove_tree` deletes a tree of any depth, holding two folder descriptors at a time.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

MAX_DEPTH = 64              # folders nested deeper than this are refused (Spark's own outputs need < 10)
MAX_ENTRIES = 50_000        # files and folders of one walk
DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
MAX_RETRIES = 100           # folders found not empty again (something still writing) before giving up


class TreeTooLarge(Exception):
    """A tree passes a cap of :func:`walk`; ``what`` says which in words, ``rel`` where."""

    def __init__(self, what: str, rel: str):
        super().__init__(f"{what} (at {rel[:200]})")
        self.what, self.rel = what, rel


@dataclass(frozen=True)
class Entry:
    """One file or folder of a walk; ``dir_fd`` (its folder, open) is valid only until the walk goes on."""

    rel: str                # path below the walk's root, '/'-separated
    name: str
    dir_fd: int
    st: os.stat_result      # lstat: a link is a link
    depth: int              # 1 for the root's own entries

    @property
    def is_dir(self) -> bool:
        return stat.S_ISDIR(self.st.st_mode)

    @property
    def is_file(self) -> bool:
        return stat.S_ISREG(self.st.st_mode)


def _names(fd: int, room: int, rel: str, max_entries: int) -> list[str]:
    names = []
    with os.scandir(fd) as it:
        for item in it:
            names.append(item.name)
            if len(names) > room:
                raise TreeTooLarge(f"more than {max_entries} files and folders", rel or ".")
    return sorted(names)


def walk(root: Path | str, max_depth: int = MAX_DEPTH, max_entries: int = MAX_ENTRIES,
         skip: Callable[[Entry], bool] | None = None) -> Iterator[Entry]:
    """Every entry under ``root`` (a folder, not a link), each folder's entries before its subfolders', in
    name order. Links are yielded, never followed; a folder removed (or replaced) by the consumer while its
    entry is yielded is not entered, nor one for which ``skip`` is true. Raises :class:`TreeTooLarge` on a folder deeper than ``max_depth`` or
    past ``max_entries`` entries (OSError if ``root`` cannot be opened)."""
    stack: list[tuple[int, str, int, list[str]]] = []       # (fd, rel, depth, subfolders still to enter)
    count = 0
    try:
        opened: tuple[int, str, int] | None = (os.open(root, DIR_FLAGS), "", 0)
        while True:
            if opened is not None:
                fd, rel, depth = opened
                subdirs: list[str] = []
                stack.append((fd, rel, depth, subdirs))
                names = _names(fd, max_entries - count, rel, max_entries)
                count += len(names)
                for name in names:
                    try:
                        st = os.stat(name, dir_fd=fd, follow_symlinks=False)
                    except FileNotFoundError:
                        continue
                    entry = Entry(f"{rel}/{name}" if rel else name, name, fd, st, depth + 1)
                    if stat.S_ISDIR(st.st_mode) and not (skip is not None and skip(entry)):
                        if depth + 1 > max_depth:
                            raise TreeTooLarge(f"folders nested more than {max_depth} levels deep", entry.rel)
                        subdirs.append(name)
                    yield entry
                subdirs.reverse()                           # popped from the end: name order
                opened = None
            if not stack:
                return
            fd, rel, depth, subdirs = stack[-1]
            if not subdirs:
                os.close(fd)
                stack.pop()
                continue
            name = subdirs.pop()
            try:
                opened = (os.open(name, DIR_FLAGS, dir_fd=fd), f"{rel}/{name}" if rel else name, depth + 1)
            except OSError:                                 # gone, replaced by a link or a file, unreadable
                opened = None
    finally:
        for fd, *_ in stack:
            os.close(fd)


def _identity(fd: int) -> tuple[int, int]:
    st = os.fstat(fd)
    return st.st_dev, st.st_ino


def _open_dir(name: str, dir_fd: int) -> int:
    """Open a subfolder (never a link); one that denies its owner access is opened after a chmod."""
    try:
        return os.open(name, DIR_FLAGS, dir_fd=dir_fd)
    except PermissionError:
        os.chmod(name, 0o700, dir_fd=dir_fd, follow_symlinks=True)  # not a link: O_NOFOLLOW said EACCES
        return os.open(name, DIR_FLAGS, dir_fd=dir_fd)


def _unlink(name: str, fd: int) -> None:
    try:
        os.unlink(name, dir_fd=fd)
    except FileNotFoundError:
        pass
    except PermissionError:
        os.fchmod(fd, 0o700)
        os.unlink(name, dir_fd=fd)


def _clear_files(fd: int) -> str | None:
    """Delete the files (and links) of an open folder up to its first subfolder; that subfolder's name,
    or None once the folder holds no subfolder."""
    with os.scandir(fd) as it:
        for item in it:
            if item.is_dir(follow_symlinks=False):
                return item.name
            _unlink(item.name, fd)
    return None


def remove_tree(path: Path | str, ignore_errors: bool = False) -> None:
    """Delete ``path`` and everything below it, at any depth, never following a link (a link is deleted,
    not what it points to). Goes down one folder at a time and back up through ``..``, checking that each
    parent is still the folder it came from."""
    try:
        _remove(Path(path))
    except OSError:
        if not ignore_errors:
            raise


def _remove(path: Path) -> None:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(st.st_mode):
        os.unlink(path)
        return
    path = Path(os.path.abspath(path))
    top = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        _remove_below(top, path.name)
    finally:
        os.close(top)


def _remove_below(parent: int, name: str) -> None:
    fd = _open_dir(name, parent)
    chain = [(name, _identity(fd))]          # from ``name`` down to the folder ``fd`` holds
    retries = 0
    try:
        while True:
            sub = _clear_files(fd)
            if sub is not None:
                try:
                    child = _open_dir(sub, fd)
                except FileNotFoundError:
                    continue
                os.close(fd)
                fd = child
                chain.append((sub, _identity(fd)))
                continue
            done, _ = chain.pop()
            if not chain:
                os.close(fd)
                fd = -1
                os.rmdir(done, dir_fd=parent)
                return
            up = os.open("..", DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = up
            if _identity(fd) != chain[-1][1]:
                raise OSError(errno.ESTALE, "a folder was moved while it was being deleted", done)
            try:
                os.rmdir(done, dir_fd=fd)
            except OSError as exc:
                if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST) or retries >= MAX_RETRIES:
                    raise
                retries += 1                  # written to meanwhile: cleared again on the next pass
    finally:
        if fd >= 0:
            os.close(fd)
