"""Process trees: find every process of a child's tree (descendants, process group, and processes
carrying the run's ``MARKER`` in their environment, so that processes that setsid, double-fork and scrub
their environment are still found), measure their memory, and kill them all.

Standard library only and no import of the package: the launcher (a standalone script) loads this file
too, to kill what a child left behind."""

from __future__ import annotations

import os
import signal
import time

MARKER = "SPARKGRADE_SANDBOX"
PAGE = os.sysconf("SC_PAGE_SIZE")


def _proc_table() -> dict[int, tuple[int, int, str]]:
    """pid -> (ppid, pgid, state) of every live process."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                raw = fh.read()
            fields = raw[raw.rindex(b")") + 2:].split()
            table[int(entry)] = (int(fields[1]), int(fields[2]), fields[0].decode())
        except (OSError, ValueError, IndexError):
            continue
    return table


def marked_pids(token: str) -> list[int]:
    """PIDs of live processes whose environment carries ``MARKER=token``."""
    needle = f"{MARKER}={token}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                if needle in fh.read().split(b"\0"):
                    found.append(int(entry))
        except OSError:
            continue
    return found


def tree_pids(root: int, token: str | None = None) -> set[int]:
    """Live (non-zombie) processes of a child's tree: ``root`` and its descendants, its process group
    (the child is started in a new session, so pgid == root) and the processes carrying the marker."""
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, stack = set(), [root]
    while stack:
        pid = stack.pop()
        if pid in found:
            continue
        found.add(pid)
        stack.extend(children.get(pid, ()))
    found |= {pid for pid, (_, pgid, _) in table.items() if pgid == root}
    if token:
        found |= set(marked_pids(token))
    found.discard(os.getpid())
    return {pid for pid in found if pid in table and table[pid][2] not in ("Z", "X")}


def tree_rss_mb(pids) -> float:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm") as fh:
                total += int(fh.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total / 2**20


def tree_private_mb(pids) -> float:
    """Memory the processes hold privately (resident or swapped out): for children forked from a fork
    server, whose pages shared with the server (the interpreter and its imports) would otherwise count
    once per process of the tree."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith(("Private_Clean:", "Private_Dirty:", "Swap:")):
                        total += int(line.split()[1]) * 1024
        except (OSError, IndexError, ValueError):
            continue
    return total / 2**20


def signal_all(pids, sig) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def kill_tree(root: int, token: str | None = None) -> None:
    """Freeze every process of the tree (so none can fork away), then SIGKILL them all; repeat until no
    process of the tree is left."""
    for _ in range(20):
        stopped: set[int] = set()
        for _ in range(50):
            new = tree_pids(root, token) - stopped
            if not new:
                break
            signal_all(new, signal.SIGSTOP)
            stopped |= new
        if not stopped:
            return
        signal_all(stopped, signal.SIGKILL)
        time.sleep(0.05)
