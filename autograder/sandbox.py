"""Run one child process under limits: wall clock, memory of its whole process tree, output size.

Every process the child starts inherits a marker in its environment; when the child ends (or is killed)
every process carrying the marker is killed too, so background processes and JVMs cannot outlive it.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

MARKER = "SPARKGRADE_SANDBOX"
OUTPUT_KEEP = 16_384
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class ChildRun:
    """How a child process ended; judged by the grader, never trusted for a verdict."""

    returncode: int | None
    seconds: float
    timed_out: bool
    memory_exceeded: bool
    output_head: str
    output_tail: str
    output_bytes: int
    peak_rss_mb: float

    def describe(self, limit_s: float, memory_mb: int) -> str:
        """Why the process ended, in words a student can act on."""
        if self.timed_out:
            return f"the submission exceeded the time limit of {limit_s:g} s and was stopped"
        if self.memory_exceeded:
            return (f"the submission exceeded the memory limit of {memory_mb} MB (peak {self.peak_rss_mb:.0f} MB) "
                    "and was stopped; avoid collect()/toPandas() on large data")
        if self.returncode is not None and self.returncode < 0:
            return f"the submission process was killed by signal {-self.returncode}"
        return f"the submission process exited early with code {self.returncode}"


class _OutputCap:
    """Drains a pipe, keeping only the first and last OUTPUT_KEEP bytes."""

    def __init__(self, stream):
        self.head, self.tail, self.total = bytearray(), bytearray(), 0
        self.thread = threading.Thread(target=self._drain, args=(stream,), daemon=True)
        self.thread.start()

    def _drain(self, stream) -> None:
        for chunk in iter(lambda: stream.read(65536), b""):
            self.total += len(chunk)
            if len(self.head) < OUTPUT_KEEP:
                self.head += chunk[: OUTPUT_KEEP - len(self.head)]
            self.tail = (self.tail + chunk)[-OUTPUT_KEEP:]

    def text(self) -> tuple[str, str]:
        self.thread.join(timeout=5)
        tail = self.tail if self.total > OUTPUT_KEEP else bytearray()
        return self.head.decode("utf-8", "replace"), tail.decode("utf-8", "replace")


def marked_pids(token: str) -> list[int]:
    """PIDs of live processes whose environment carries ``MARKER=token``."""
    needle = f"{MARKER}={token}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def tree_rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total / 2**20


def kill_all(proc: subprocess.Popen, token: str) -> None:
    """SIGKILL the child's process group and every process carrying its marker."""
    for _ in range(3):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        pids = marked_pids(token)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if not pids:
            break
        time.sleep(0.1)


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """A scrubbed environment: only what Python, Java and Spark need."""
    keep = ("PATH", "JAVA_HOME", "LANG", "LC_ALL", "TZ", "SPARK_HOME", "PYSPARK_SUBMIT_ARGS")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.update({"PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable,
                "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0", "SPARK_LOCAL_IP": "127.0.0.1",
                "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
    env.update(extra or {})
    return env


def run_child(module: str, job: Path, cwd: Path, timeout_s: float, memory_mb: int,
              env: dict[str, str] | None = None) -> ChildRun:
    """Run ``python -m module job`` in ``cwd`` under the limits and return how it ended."""
    token = secrets.token_hex(8)
    home = cwd / "home"
    home.mkdir(parents=True, exist_ok=True)
    full_env = child_env({**(env or {}), MARKER: token, "HOME": str(home), "TMPDIR": str(cwd / "tmp")})
    (cwd / "tmp").mkdir(exist_ok=True)
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", module, str(job)], cwd=cwd, env=full_env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    output = _OutputCap(proc.stdout)
    timed_out = memory_exceeded = False
    peak = 0.0
    next_memory_check = 0.0
    while proc.poll() is None:
        now = time.monotonic()
        if now - started > timeout_s:
            timed_out = True
            break
        if now >= next_memory_check:
            peak = max(peak, tree_rss_mb(marked_pids(token)))
            next_memory_check = now + 0.5
            if peak > memory_mb:
                memory_exceeded = True
                break
        time.sleep(0.05)
    kill_all(proc, token)
    proc.wait()
    head, tail = output.text()
    return ChildRun(returncode=None if (timed_out or memory_exceeded) else proc.returncode,
                    seconds=time.monotonic() - started, timed_out=timed_out, memory_exceeded=memory_exceeded,
                    output_head=head, output_tail=tail, output_bytes=output.total, peak_rss_mb=peak)
