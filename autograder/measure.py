"""``sparkgrade measure``: grade the reference solution inside cgroup boxes (a memory limit and a CPU quota,
like Gradescope's 768 MB / 0.5 vCPU default), narrow down the smallest memory in which it still scores full
marks, and record that box in the assignment's ``[box]`` table.

A box is a cgroup (v1: one group in the memory hierarchy and one in the cpu hierarchy, nested under this
process's own groups; v2: one group with memory.max and cpu.max). Creating one needs root (or a delegated
cgroup); :func:`cgroup_problem` says why it is not possible here.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from autograder.runner import Grader
from autograder.sandbox import tree_rss_mb
from autograder.spec import AssignmentSpec

CGROUP_ROOT = Path("/sys/fs/cgroup")
PERIOD_US = 100_000
DEFAULT_MEMORY = (768, 1024, 1536, 2048, 3072, 4096)
GRADESCOPE_TIMEOUT_S = 600.0            # Gradescope's default time limit for a whole grading


class BoxUnavailable(Exception):
    """Cgroup boxes cannot be made on this machine; the message says why."""


def _own_path(controller: str, root: Path = Path("/")) -> str:
    """This process's cgroup path for ``controller`` ('' for cgroup v2)."""
    for line in (root / "proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in (controllers.split(",") if controllers else [""]):
            return path
    return "/"


def _writable(folder: Path) -> bool:
    return folder.is_dir() and os.access(folder, os.W_OK)


def cgroup_version(base: Path = CGROUP_ROOT) -> int | None:
    """1 or 2 if this machine has writable memory and CPU cgroups of that version, else None."""
    if _writable(base / "memory") and (_writable(base / "cpu") or _writable(base / "cpu,cpuacct")):
        return 1
    if (base / "cgroup.controllers").is_file() and _writable(base):
        return 2
    return None


def cgroup_problem(base: Path = CGROUP_ROOT) -> str | None:
    """Why boxes cannot be made here (None: they can)."""
    if cgroup_version(base) is None:
        return (f"no writable cgroup memory and cpu controllers under {base} (creating a box needs root or a "
                "delegated cgroup; in a container, run it privileged)")
    try:
        with CgroupBox(256, 1.0, base):
            pass
    except (BoxUnavailable, OSError) as exc:
        return str(exc)
    return None


class CgroupBox:
    """``with CgroupBox(768, 0.5) as box:`` a memory limit and a CPU quota; start processes in it with
    ``preexec_fn=box.enter``; read ``box.peak_mb()``. Leaving the block kills what is left and removes it."""

    def __init__(self, memory_mb: int, cpus: float, base: Path = CGROUP_ROOT):
        self.memory_mb, self.cpus, self.base = memory_mb, cpus, Path(base)
        self.version = cgroup_version(self.base)
        if self.version is None:
            raise BoxUnavailable(f"cannot make a cgroup box: no writable cgroup controllers under {self.base}")
        name = f"sparkgrade-{secrets.token_hex(4)}"
        if self.version == 1:
            cpu = "cpu" if (self.base / "cpu").is_dir() else "cpu,cpuacct"
            self.memory = self.base / "memory" / _own_path("memory").lstrip("/") / name
            self.cpu = self.base / cpu / _own_path("cpu").lstrip("/") / name
            self.groups = [self.memory, self.cpu]
        else:
            self.memory = self.cpu = self.base / _own_path("").lstrip("/") / name
            self.groups = [self.memory]

    def __enter__(self) -> "CgroupBox":
        limit, quota = self.memory_mb * 2**20, int(self.cpus * PERIOD_US)
        try:
            for group in self.groups:
                group.mkdir()
            if self.version == 1:
                (self.memory / "memory.limit_in_bytes").write_text(str(limit))
                if (self.memory / "memory.memsw.limit_in_bytes").is_file():
                    (self.memory / "memory.memsw.limit_in_bytes").write_text(str(limit))
                (self.cpu / "cpu.cfs_period_us").write_text(str(PERIOD_US))
                (self.cpu / "cpu.cfs_quota_us").write_text(str(quota))
            else:
                parent = self.memory.parent
                try:
                    (parent / "cgroup.subtree_control").write_text("+memory +cpu")
                except OSError:
                    pass                        # already enabled, or refused: the writes below tell
                (self.memory / "memory.max").write_text(str(limit))
                if (self.memory / "memory.swap.max").is_file():
                    (self.memory / "memory.swap.max").write_text("0")
                (self.cpu / "cpu.max").write_text(f"{quota} {PERIOD_US}")
        except OSError as exc:
            self.__exit__()
            raise BoxUnavailable(f"cannot set up the cgroup box {self.memory}: {exc}") from None
        return self

    def enter(self) -> None:
        """Move the calling process into the box (use as ``preexec_fn``: the child joins before exec)."""
        for group in self.groups:
            with open(group / "cgroup.procs", "w") as fh:
                fh.write(str(os.getpid()))

    def pids(self) -> list[int]:
        try:
            return [int(p) for p in (self.memory / "cgroup.procs").read_text().split()]
        except OSError:
            return []

    def peak_mb(self) -> float:
        """The box's memory peak (cgroup accounting: processes and their page cache)."""
        name = "memory.max_usage_in_bytes" if self.version == 1 else "memory.peak"
        try:
            return int((self.memory / name).read_text()) / 2**20
        except (OSError, ValueError):
            return 0.0

    def limit_hits(self) -> int:
        """How often the memory limit was reached (v1 failcnt, v2 the 'max' event)."""
        try:
            if self.version == 1:
                return int((self.memory / "memory.failcnt").read_text())
            events = dict(line.split() for line in (self.memory / "memory.events").read_text().splitlines())
            return int(events.get("max", 0))
        except (OSError, ValueError):
            return 0

    def __exit__(self, *exc) -> None:
        for _ in range(50):
            left = self.pids()
            if not left:
                break
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.1)
        for group in self.groups:
            for _ in range(50):
                try:
                    group.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.1)


@dataclass(frozen=True)
class Trial:
    """One grading of the reference in one box."""

    memory_mb: int
    cpus: float
    seconds: float
    peak_mb: float
    score: float
    max_score: float
    not_passed: tuple[str, ...]
    limit_hits: int
    timed_out: bool
    tree_peak_mb: float = 0.0       # the grader's children's summed RSS (the sandbox's measure of a tree)
    problem: str = ""               # the message of the first check not passed

    @property
    def full_marks(self) -> bool:
        return not self.timed_out and self.max_score > 0 and self.score >= self.max_score and not self.not_passed


def solution_path(spec: AssignmentSpec, root: Path) -> Path:
    path = Path(root) / "solutions" / spec.slug / spec.module
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: `sparkgrade measure` grades the reference solution")
    return path


def grade_in_box(spec: AssignmentSpec, submission: Path, memory_mb: int, cpus: float,
                 timeout_s: float = GRADESCOPE_TIMEOUT_S, extra_args: tuple[str, ...] = (),
                 report: Path | None = None) -> Trial:
    """Run ``sparkgrade grade`` on ``submission`` inside a fresh box and read its JSON report (kept at
    ``report`` when given)."""
    with tempfile.TemporaryDirectory(prefix="sparkgrade-measure-") as tmp:
        out = Path(report) if report else Path(tmp) / "report.json"
        command = [sys.executable, "-m", "autograder.cli", "grade", str(spec.path), str(submission),
                   "--writer", "json", "--out", str(out), *extra_args]
        with CgroupBox(memory_mb, cpus) as box:
            started = time.monotonic()
            proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=open(Path(tmp) / "stderr.log", "wb"), preexec_fn=box.enter,
                                    start_new_session=True)
            timed_out, tree_peak = False, 0.0
            while proc.poll() is None:
                if time.monotonic() - started > timeout_s:
                    timed_out = True
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                    break
                tree_peak = max(tree_peak, tree_rss_mb(p for p in box.pids() if p != proc.pid))
                time.sleep(0.2)
            seconds = time.monotonic() - started
            peak, hits = box.peak_mb(), box.limit_hits()
        try:
            report = json.loads(out.read_text())
        except (OSError, ValueError):
            report = {"score": 0.0, "max_score": spec.total_points, "checks": []}
        errors = (Path(tmp) / "stderr.log").read_text(errors="replace")[-400:]
    failing = [c for c in report.get("checks", []) if c.get("status") != "passed"]
    not_passed = tuple(c["name"] for c in failing)
    problem = f"{failing[0]['name']} {failing[0].get('status')}: {failing[0].get('message', '')}" if failing else ""
    if not report.get("checks"):
        not_passed, problem = ("(no report: the grader died)",), errors
    return Trial(memory_mb=memory_mb, cpus=cpus, seconds=round(seconds, 1), peak_mb=round(peak, 1),
                 score=float(report.get("score", 0.0)), max_score=float(report.get("max_score", 0.0)),
                 not_passed=not_passed, limit_hits=hits, timed_out=timed_out, tree_peak_mb=round(tree_peak, 1), problem=problem[:400])


def narrow(candidates: list[int], passes) -> tuple[int | None, dict[int, object]]:
    """The smallest of the sorted ``candidates`` for which ``passes(m)`` holds (a bisection: memory needs are
    monotone), and every trial made, by memory. ``passes`` returns a Trial."""
    candidates = sorted(set(candidates))
    tried: dict[int, object] = {}
    lo, hi, best = 0, len(candidates) - 1, None
    while lo <= hi:
        mid = (lo + hi) // 2
        trial = tried[candidates[mid]] = passes(candidates[mid])
        if trial.full_marks:
            best, hi = candidates[mid], mid - 1
        else:
            lo = mid + 1
    return best, tried


def box_table(trial: Trial, day: datetime.date | None = None) -> str:
    """The ``[box]`` table recording ``trial`` (the smallest box with full marks)."""
    day = day or datetime.datetime.now(datetime.timezone.utc).date()
    return ("[box]                   # measured by `sparkgrade measure`: the reference's smallest full-marks box\n"
            f"min_memory_mb = {trial.memory_mb}\n"
            f"cpus = {trial.cpus:g}\n"
            f"seconds = {trial.seconds:g}\n"
            f"peak_mb = {trial.peak_mb:g}\n"
            + (f"tree_peak_mb = {trial.tree_peak_mb:g}\n" if trial.tree_peak_mb else "")
            + f"measured_on = {day.isoformat()}\n")


_BOX = re.compile(r"^\[box\][^\n]*\n(?:(?!\[)[^\n]*\n?)*", re.MULTILINE)


def record(toml_path: Path, table: str) -> None:
    """Put ``table`` into the TOML file in place of its ``[box]`` table (appended when it has none)."""
    text = Path(toml_path).read_text(encoding="utf-8")
    if _BOX.search(text):
        text = _BOX.sub(lambda _: table + "\n", text, count=1).rstrip("\n") + "\n"
    else:
        text = text.rstrip("\n") + "\n\n" + table
    Path(toml_path).write_text(text, encoding="utf-8")


def measure(spec: AssignmentSpec, root: Path, candidates: list[int], cpus: float = 0.5,
            timeout_s: float = GRADESCOPE_TIMEOUT_S, progress=None) -> tuple[int | None, dict[int, Trial]]:
    """Grade the reference in boxes of ``candidates`` MB (bisection) at ``cpus``; the smallest memory with
    full marks (None if none) and the trials made. The prepared data is built first, outside any box,
    as a Gradescope bundle ships it."""
    solution = solution_path(spec, root)
    Grader().prepared(spec)

    def trial(memory_mb: int) -> Trial:
        result = grade_in_box(spec, solution, memory_mb, cpus, timeout_s)
        if progress is not None:
            progress(result)
        return result

    return narrow(candidates, trial)
