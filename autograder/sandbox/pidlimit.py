"""How many threads and processes one child's tree may hold at once.

Every child runs as the same unprivileged user, and the kernel counts threads per user: one submission that
starts threads until it cannot (4,096 of them cost under 100 MB) left every other child of the class, and the
warm server, unable to start one. Three layers keep one submission's threads its own:

* the warm server may start more of them than any child (``SERVER_NPROC``: a child can fill the user's count
  only up to its own, lower, ``RLIMIT_NPROC``);
* where the kernel's pids controller (cgroup v1) can be written, each child's tree gets a group of its own
  capped at :data:`TASKS_LIMIT` (:class:`PidsGroup`; the launcher joins it before anything else runs);
* the grader counts the tree's threads as it polls its memory, and stops it above :data:`TASKS_LIMIT`
  (or once the group refused a thread).

A graded 06 (spark-submit, a streaming driver and its restart) peaks at about 540 threads.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

TASKS_LIMIT = 1024          # threads and processes of one child's tree at once
SERVER_NPROC = 16384        # the warm server's RLIMIT_NPROC: above what the children may fill
PIDS_ROOT = Path("/sys/fs/cgroup/pids")


def tree_tasks(pids) -> int:
    """Threads of the processes ``pids`` (each counts at least one)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as fh:
                raw = fh.read()
            total += int(raw[raw.rindex(b")") + 2:].split()[17])
        except (OSError, ValueError, IndexError):
            continue
    return total


class PidsGroup:
    """A pids cgroup (v1) of one child's tree, capped at ``limit`` threads and processes."""

    def __init__(self, path: Path, limit: int):
        self.path, self.limit = path, limit

    @classmethod
    def create(cls, name: str, limit: int = TASKS_LIMIT, root: Path = PIDS_ROOT) -> "PidsGroup | None":
        """The group, or None where the pids controller cannot be written (not root, a read-only cgroup
        file system, cgroup v2 only): the grader's count of threads then stands alone."""
        if os.geteuid() != 0:
            return None
        try:
            path = root / f"sparkgrade-{name}"
            path.mkdir()
            (path / "pids.max").write_text(str(limit))
            return cls(path, limit)
        except OSError:
            return None

    @property
    def procs(self) -> str:
        """The file a process writes its pid into to join (the launcher does)."""
        return str(self.path / "cgroup.procs")

    def refused(self) -> int:
        """How many times the group refused a thread or process (its ``pids.events`` ``max`` count)."""
        try:
            for line in (self.path / "pids.events").read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "max":
                    return int(value)
        except (OSError, ValueError):
            pass
        return 0

    def remove(self, wait_s: float = 2.0) -> None:
        """Remove the group once the killed tree's last processes have left it."""
        deadline = time.monotonic() + wait_s
        while True:
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                if time.monotonic() > deadline:
                    return
                time.sleep(0.02)
