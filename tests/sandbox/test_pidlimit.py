"""One child's threads are its own: a submission that starts threads until it cannot is stopped, and the
children beside it (and the warm server) still start theirs. Real sandboxed children, no Spark."""

from __future__ import annotations

import os
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from autograder import sandbox
from autograder.sandbox import pidlimit
from autograder.sandbox import run as run_module

# Starts threads until the kernel refuses one, then holds them all.
BOMB = """
    import threading, time
    threading.stack_size(65536)
    n = 0
    try:
        while True:
            threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
            n += 1
    except RuntimeError:
        print("refused after", n, flush=True)
    time.sleep(30)
"""

# Waits until the bomb beside it holds its threads, then starts 50 threads and a process.
NEIGHBOUR = """
    import subprocess, sys, threading, time
    time.sleep({wait})
    try:
        threads = [threading.Thread(target=time.sleep, args=(0.5,)) for _ in range(50)]
        for t in threads:
            t.start()
        out = subprocess.run([sys.executable, "-c", "print('child')"], capture_output=True, text=True).stdout
        print("started 50 threads and", out.strip(), flush=True)
    except Exception as exc:
        print("refused:", type(exc).__name__, exc, flush=True)
"""

needs_own_user = pytest.mark.skipif(sandbox.isolation().uid is None,
                                    reason="children run as the grader's own user here: no separate thread count")


def run(tmp_path: Path, name: str, code: str, nproc: int = 4096, timeout_s: float = 60) -> sandbox.ChildRun:
    iso = sandbox.isolation()
    area = sandbox.ChildArea(tmp_path / name, iso)
    area.create()
    area.open_for_child()
    (area.input / "prog.py").write_text(textwrap.dedent(code), encoding="utf-8")
    jail = sandbox.Jail(iso, area, writable=(area.home, area.tmp), nproc=nproc)
    return sandbox.run_child(None, None, area.home, timeout_s, 4096, jail=jail,
                             argv=[sys.executable, str(area.input / "prog.py")])


def side_by_side(tmp_path: Path, first: tuple, second: tuple) -> tuple[sandbox.ChildRun, sandbox.ChildRun]:
    """Run two children at once (``(name, code, nproc)`` each); their runs."""
    runs: dict[str, sandbox.ChildRun] = {}
    threads = [threading.Thread(target=lambda n=n, c=c, p=p: runs.__setitem__(n, run(tmp_path, n, c, p)))
               for n, c, p in (first, second)]
    for t in threads:
        t.start()
        time.sleep(0.5)
    for t in threads:
        t.join()
    return runs[first[0]], runs[second[0]]


@needs_own_user
def test_a_thread_bomb_is_stopped_and_the_child_beside_it_still_starts_threads(tmp_path):
    bomb, neighbour = side_by_side(tmp_path, ("bomb", BOMB, 4096), ("neighbour", NEIGHBOUR.format(wait=1), 4096))
    assert bomb.tasks_exceeded and bomb.cause == "student_error", bomb
    assert f"more than {pidlimit.TASKS_LIMIT} threads and processes" in bomb.describe(60, 4096)
    assert bomb.seconds < 10, bomb                    # stopped at once, not at its time limit
    assert "started 50 threads and child" in neighbour.output_head, neighbour
    probe = pidlimit.PidsGroup.create("probe")
    if probe is not None:                           # the kernel's group capped it, not only the grader's count
        probe.remove()
        assert int(bomb.output_head.split("refused after")[1].split()[0]) < pidlimit.TASKS_LIMIT, bomb
        assert not list(pidlimit.PIDS_ROOT.glob("sparkgrade-*"))      # every group removed


@needs_own_user
def test_without_a_pids_group_the_grader_s_count_of_threads_stops_the_tree(tmp_path, monkeypatch):
    monkeypatch.setattr(pidlimit.PidsGroup, "create", classmethod(lambda cls, *a, **k: None))
    bomb = run(tmp_path, "bomb", BOMB)
    assert bomb.tasks_exceeded and bomb.cause == "student_error", bomb
    assert bomb.seconds < 10, bomb


@needs_own_user
def test_the_warm_server_s_limit_is_above_what_children_can_fill(tmp_path, monkeypatch):
    """With neither the group nor the count (both switched off here), a bomb fills the user's count of
    threads: a child with a child's limit can start none, one with the server's limit still can."""
    monkeypatch.setattr(pidlimit.PidsGroup, "create", classmethod(lambda cls, *a, **k: None))
    monkeypatch.setattr(run_module, "TASKS_LIMIT", 10**6)
    runs: dict[str, sandbox.ChildRun] = {}
    cases = [("bomb", BOMB, 4096), ("child", NEIGHBOUR.format(wait=3), 4096),
             ("server", NEIGHBOUR.format(wait=3), pidlimit.SERVER_NPROC)]
    threads = [threading.Thread(target=lambda n=n, c=c, p=p: runs.__setitem__(n, run(tmp_path, n, c, p, 8)))
               for n, c, p in cases]
    for t in threads:
        t.start()
        time.sleep(0.3)
    for t in threads:
        t.join()
    assert "refused after" in runs["bomb"].output_head, runs["bomb"]
    assert "refused:" in runs["child"].output_head, runs["child"]
    assert "started 50 threads and child" in runs["server"].output_head, runs["server"]


def test_threads_of_a_tree_are_counted(tmp_path):
    ready = threading.Event()
    stop = threading.Event()

    def hold():
        ready.set()
        stop.wait()

    extra = [threading.Thread(target=hold) for _ in range(5)]
    for t in extra:
        t.start()
    try:
        assert pidlimit.tree_tasks({os.getpid()}) >= 6
    finally:
        stop.set()
        for t in extra:
            t.join()
