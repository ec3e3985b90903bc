"""Running one child under limits (:func:`run_child`): a wall-clock limit, a memory limit on the RSS of
its whole process tree (polled), output capped, and at the end every process of the tree frozen and
killed. The child is started through the launcher (:mod:`autograder.sandbox.launcher`) in its
:class:`~autograder.sandbox.jail.Jail`, or forked from a fork server (:mod:`autograder.engine.prefork`)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

from autograder.box import JVMS_AT_ONCE_ENV, read_box, size
from autograder.sandbox import launcher
from autograder.sandbox.area import ChildArea
from autograder.sandbox.childrun import ChildRun, OutputCap
from autograder.sandbox.diskuse import disk_mb
from autograder.sandbox.jail import PACKAGE, Jail
from autograder.sandbox.pidlimit import TASKS_LIMIT, PidsGroup, tree_tasks
from autograder.sandbox.isolation import Isolation
from autograder.sandbox.proctree import MARKER, kill_tree, tree_pids, tree_private_mb, tree_rss_mb

MEMORY_POLL_S = 0.2
DISK_POLL_S = 1.0
# What a child (and the shared server on its behalf) may write into its folders: a saved model is a few MB,
# a grading's outputs a few tens. Without a cap, one submission writing in a loop filled the disk every later
# grading of the class writes to.
DISK_LIMIT_MB = 1024


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """A scrubbed environment: only what Python, Java and Spark need."""
    keep = ("PATH", "JAVA_HOME", "LANG", "LC_ALL", "TZ", "SPARK_HOME", "PYSPARK_SUBMIT_ARGS")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.update({"PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable,
                "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0", "SPARK_LOCAL_IP": "127.0.0.1",
                "MALLOC_ARENA_MAX": "2",        # threads (gRPC, Arrow) do not each reserve a 64 MB arena
                # No Python of the tree (the children, Spark's Python workers) imports from its working folder
                # or a user site: a child can write there, and the next child (the scorer) must not run it.
                "PYTHONSAFEPATH": "1", "PYTHONNOUSERSITE": "1",
                "PYTHONPATH": str(PACKAGE.parent),
                # the grader's reading of its box (an instructor's setting in its own environment wins)
                JVMS_AT_ONCE_ENV: os.environ.get(JVMS_AT_ONCE_ENV) or str(size(read_box()).max_jvms)})
    env.update(extra or {})
    return env


def launcher_argv(jail: Jail, command: list[str], cwd: Path, pids_group: str | None = None) -> list[str]:
    """The command that runs ``command`` in ``cwd`` inside ``jail`` (the launcher, run as a script)."""
    config = jail.config(command, cwd, pids_group)
    return [sys.executable, "-I", "-S", str(Path(launcher.__file__).resolve()), json.dumps(config)]


def run_child(module: str | None, job: Path | None, cwd: Path, timeout_s: float, memory_mb: int,
              env: dict[str, str] | None = None, jail: Jail | None = None,
              argv: list[str] | None = None, watch=None, starter=None, disk_limit_mb: float = DISK_LIMIT_MB) -> ChildRun:
    """Run ``python -m module job`` (or ``argv``) in ``cwd`` under the limits, inside ``jail`` when given
    (else with no isolation beyond the limits), and return how it ended. ``watch``, if given, is called
    while the child runs and may return a reason to stop it. ``starter`` (a running
    :class:`autograder.engine.prefork.ForkServer`): fork the child from it instead of starting an interpreter;
    its memory is then what the tree holds privately. What the child's area holds on disk is capped at
    ``disk_limit_mb``; the threads and processes its tree holds at once at
    :data:`~autograder.sandbox.pidlimit.TASKS_LIMIT`."""
    token = secrets.token_hex(8)
    if jail is None:
        iso = Isolation()
        area = ChildArea(Path(cwd), iso)
        area.home.mkdir(parents=True, exist_ok=True)
        area.tmp.mkdir(parents=True, exist_ok=True)
        jail = Jail(iso, area, writable=(Path(cwd),))
    home, tmp = jail.area.home, jail.area.tmp
    full_env = child_env({**(env or {}), MARKER: token, "HOME": str(home), "TMPDIR": str(tmp),
                          "SPARK_LOCAL_DIRS": str(tmp), "JAVA_TOOL_OPTIONS": f"-Djava.io.tmpdir={tmp}"})
    command = argv or [sys.executable, "-P", "-m", module, str(job)]    # -P: the working folder is not on sys.path
    started = time.monotonic()
    memory, proc = tree_rss_mb, None
    group = PidsGroup.create(token)
    procs = group.procs if group is not None else None
    try:
        if starter is not None and argv is None and starter.alive():
            try:
                config = jail.config(command, cwd, procs)
                proc, memory = starter.start(module, job, cwd, full_env, config), tree_private_mb
            except OSError:
                pass                                        # the fork server just died: start the child afresh
        if proc is None:
            proc = subprocess.Popen(launcher_argv(jail, command, cwd, procs), cwd=cwd, env=full_env,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        return _watch(proc, token, memory, group, jail, started, timeout_s, memory_mb, disk_limit_mb, watch)
    finally:
        if group is not None:
            group.remove()


def _watch(proc, token: str, memory, group: PidsGroup | None, jail: Jail, started: float, timeout_s: float,
           memory_mb: int, disk_limit_mb: float, watch) -> ChildRun:
    """Poll the running child against its limits until it ends or one is crossed; kill its tree; how it ended."""
    output = OutputCap(proc.stdout)
    timed_out = memory_exceeded = disk_exceeded = tasks_exceeded = False
    stopped = ""
    peak = 0.0
    next_check = next_disk_check = 0.0
    while proc.poll() is None:
        now = time.monotonic()
        if now - started > timeout_s:
            timed_out = True
            break
        if now >= next_check:
            pids = tree_pids(proc.pid, token)
            peak = max(peak, memory(pids))
            next_check = now + MEMORY_POLL_S
            if peak > memory_mb:
                memory_exceeded = True
                break
            if tree_tasks(pids) > TASKS_LIMIT or (group is not None and group.refused()):
                tasks_exceeded = True
                break
        if now >= next_disk_check:
            next_disk_check = now + DISK_POLL_S
            if disk_mb([jail.area.root]) > disk_limit_mb:
                disk_exceeded = True
                break
        if watch is not None and (stopped := watch() or ""):
            break
        time.sleep(0.02)
    kill_tree(proc.pid, token)
    proc.wait()
    head, tail = output.text()
    code = proc.returncode
    if code is not None and 128 < code <= 128 + 64:          # the launcher reports a signal as 128 + n
        code = -(code - 128)
    if disk_exceeded:
        stopped = (f"it wrote more than {disk_limit_mb:g} MB of files (or too many files); write only what the "
                   "assignment asks for")
    if tasks_exceeded:
        stopped = (f"it ran more than {TASKS_LIMIT} threads and processes at once (the limit of one submission); "
                   "start fewer threads or processes")
    return ChildRun(returncode=None if (timed_out or memory_exceeded or stopped) else code,
                    seconds=time.monotonic() - started, timed_out=timed_out, memory_exceeded=memory_exceeded,
                    output_head=head, output_tail=tail, output_bytes=output.total, peak_rss_mb=peak,
                    stopped=stopped, disk_exceeded=disk_exceeded, tasks_exceeded=tasks_exceeded)
