"""Whether anything opened a file, observed by the grader's kernel watch (Linux inotify), not reported.

The grader puts a copy of some data where a child can reach it, watches the copy's files for the child's
whole life, and afterwards knows whether the data was read: the kernel raises the open and read events
for whichever process reads a file, and a process cannot take back an event it caused. A DataFrame over
those files that is only described (filter, select, withColumn; its schema given) opens none of them; a
Spark job over it opens at least one.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import select
import struct
import threading
from pathlib import Path

IN_ACCESS, IN_MODIFY, IN_ATTRIB, IN_OPEN = 0x1, 0x2, 0x4, 0x20
IN_MOVED_FROM, IN_MOVED_TO, IN_CREATE, IN_DELETE, IN_DELETE_SELF, IN_MOVE_SELF = 0x40, 0x80, 0x100, 0x200, 0x400, 0x800
IN_NONBLOCK, IN_CLOEXEC = 0o4000, 0o2000000
# A watched file read, or changed in any way that could put other data under its name (a write, a new
# mode or owner, a rename or removal): each is counted, and any count means the data was not left alone.
FILE_EVENTS = IN_OPEN | IN_ACCESS | IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF
FOLDER_EVENTS = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO      # a file added, removed or renamed
_EVENT = struct.Struct("iIII")          # wd, mask, cookie, len (then len bytes of name)


class WatchUnavailable(OSError):
    """This platform cannot watch file reads (no inotify); the fact cannot be observed here."""


def _libc():
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name, use_errno=True) if name else None
    if libc is None or not hasattr(libc, "inotify_init1"):
        raise WatchUnavailable("file reads cannot be watched on this platform (Linux inotify is needed)")
    return libc


class ReadWatch:
    """Counts opens and reads of ``target`` (a file, or every file under a folder) from :meth:`start` to
    :meth:`stop`, and any change that could swap other data in: a watched file written, re-moded, renamed
    or removed, a file added to or removed from the folder that holds them (``"<folder changed>"``).
    Listing the folder or looking at a file's size is not counted. A context manager; :attr:`reads` maps a
    file's name to its events (``"<overflow>"``: the kernel's queue overflowed, which only events cause)."""

    def __init__(self, target: Path):
        self.target = Path(target)
        self.reads: dict[str, int] = {}
        self._fd = -1
        self._names: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "ReadWatch":
        libc = _libc()
        self._fd = libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        if self._fd < 0:
            raise WatchUnavailable(f"inotify_init1 failed: {os.strerror(ctypes.get_errno())}")
        files = [self.target] if self.target.is_file() else sorted(p for p in self.target.rglob("*") if p.is_file())
        if not files:
            self.stop()
            raise WatchUnavailable(f"nothing to watch at {self.target}")
        folders = {self.target.parent if self.target.is_file() else self.target} | {p.parent for p in files}
        watches = [(path, FILE_EVENTS, path.name if path == self.target else str(path.relative_to(self.target)))
                   for path in files] + [(folder, FOLDER_EVENTS, "<folder changed>") for folder in sorted(folders)]
        for path, events, name in watches:
            wd = libc.inotify_add_watch(self._fd, os.fsencode(path), events)
            if wd < 0:
                self.stop()
                raise WatchUnavailable(f"cannot watch {path}: {os.strerror(ctypes.get_errno())}")
            self._names[wd] = name
        self._thread = threading.Thread(target=self._drain_until_stopped, name="sparkgrade-read-watch", daemon=True)
        self._thread.start()
        return self

    def _drain(self) -> None:
        while True:
            try:
                data = os.read(self._fd, 65536)
            except BlockingIOError:
                return
            offset = 0
            while offset + _EVENT.size <= len(data):
                wd, _mask, _cookie, length = _EVENT.unpack_from(data, offset)
                offset += _EVENT.size + length
                name = self._names.get(wd, "<overflow>" if wd == -1 else None)
                if name is not None:
                    self.reads[name] = self.reads.get(name, 0) + 1

    def _drain_until_stopped(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._fd], [], [], 0.2)
            if ready:
                self._drain()

    def stop(self) -> dict[str, int]:
        """Stop watching; the events counted, read to the last one the kernel queued."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._fd >= 0:
            self._drain()
            os.close(self._fd)
            self._fd = -1
        return dict(self.reads)

    @property
    def total(self) -> int:
        return sum(self.reads.values())

    def __enter__(self) -> "ReadWatch":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
