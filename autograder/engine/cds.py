"""A class-data-sharing (CDS) archive for the warm Spark Connect server's JVM: the JDK, Spark and Hadoop
classes a grading loads, parsed and verified once, then mapped from the archive at every later start
instead of loaded again from about 250 jars.

The first server without an archive records one as it stops (``-XX:ArchiveClassesAtExit``: the grader
asks the JVM to exit and waits for the dump, about 15 s, once per machine). Later servers map it
(``-XX:SharedArchiveFile``). One server records at a time (a lock held while it runs); a recording that
leaves no archive is remembered, so it is not tried again. The JVM accepts an archive only for the class
path and JDK it was made with, and ignores one that does not match (it starts as without); the archive's
name hashes both, so an upgrade of Java or Spark records a new one.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
from pathlib import Path

from autograder.engine.javac import java_binary

ARCHIVE_LOG = "-Xlog:cds*=error"        # the dump lists every class it skips as a warning: thousands of lines
DUMP_NAME = "server.jsa"                # in the server's home, while it records


def install_archive(dump: Path, path: Path, others: str) -> None:
    """Copy a recorded ``dump`` to ``path`` atomically and read-only, then delete the files in its folder
    matching the glob ``others`` that belong to another key (an earlier JDK or class path)."""
    partial = path.parent / f".{path.name}.{os.getpid()}.tmp"
    shutil.copyfile(dump, partial)
    os.chmod(partial, 0o444)
    os.replace(partial, path)
    for old in path.parent.glob(others):
        if not old.name.startswith(path.stem + "."):
            old.unlink(missing_ok=True)


def archive_key(java: Path, class_path: list[Path], jvm_options: str) -> str:
    """What the archive depends on: the JDK build, every class path entry (jars by name, size and time)
    and the JVM options."""
    parts = [str(java.resolve()), jvm_options]
    for entry in [java.resolve(), *class_path]:
        try:
            st = entry.stat()
        except OSError:
            parts.append(f"{entry}:missing")
            continue
        parts.append(f"{entry}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


class ServerArchive:
    """The archive for one class path in ``folder`` (visible, read-only, inside the server's jail)."""

    def __init__(self, folder: Path, class_path: list[Path], jvm_options: str):
        self.folder = folder
        java = java_binary()
        self.key = archive_key(java, class_path, jvm_options) if java else None
        self.recording = False
        self._lock = None

    @property
    def path(self) -> Path:
        return self.folder / f"server-{self.key}.jsa"

    @property
    def failed_marker(self) -> Path:
        return self.folder / f"server-{self.key}.failed"

    def options(self, home: Path) -> str:
        """JVM options for a server whose home is ``home``: map the archive, or record it there, or none."""
        if self.key is None:
            return ""
        if self.path.is_file():
            return f"-XX:SharedArchiveFile={self.path} {ARCHIVE_LOG}"
        if self.failed_marker.exists() or not self._take_lock():
            return ""
        self.recording = True
        return f"-XX:ArchiveClassesAtExit={home / DUMP_NAME} {ARCHIVE_LOG}"

    def _take_lock(self) -> bool:
        self.folder.mkdir(parents=True, exist_ok=True)
        fh = open(self.folder / f"server-{self.key}.lock", "w")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            return False
        self._lock = fh
        return True

    def keep(self, home: Path) -> bool:
        """After the recording server has exited: move its dump into the folder (atomically); remember a
        recording that left nothing. Releases the lock either way."""
        try:
            dump = home / DUMP_NAME
            if not dump.is_file() or dump.stat().st_size == 0:
                self.failed_marker.touch()
                return False
            install_archive(dump, self.path, "server-*")     # with the markers of other keys
            return True
        finally:
            self.release()

    def release(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None
        self.recording = False
