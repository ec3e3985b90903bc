"""How a child ended (:class:`ChildRun`) and the capture of its output (first and last ``OUTPUT_KEEP``
bytes; the rest is counted and discarded)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from autograder.sandbox.launcher import START_FAILED
from autograder.text import from_child

OUTPUT_KEEP = 16_384


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
    during: str = ""
    stopped: str = ""
    disk_exceeded: bool = False     # stopped for what its folders held on disk (``stopped`` says how much)
    tasks_exceeded: bool = False    # stopped for how many threads and processes it held (``stopped`` says so)

    def describe(self, limit_s: float, memory_mb: int) -> str:
        """Why the process ended, in words a student can act on."""
        if self.stopped:
            text = f"the grader stopped the submission process: {self.stopped}"
        elif self.timed_out:
            text = f"the submission exceeded the time limit of {limit_s:g} s and was stopped"
        elif self.memory_exceeded:
            text = (f"the submission exceeded the memory limit of {memory_mb} MB (peak {self.peak_rss_mb:.0f} MB) "
                    "and was stopped; avoid collect()/toPandas() on large data")
        elif self.returncode == START_FAILED:
            text = "the grader could not start the submission process (a grader problem: please report it)"
        elif self.returncode is not None and self.returncode < 0:
            text = f"the submission process was killed by signal {-self.returncode}"
        else:
            text = f"the submission process exited early with code {self.returncode}"
        return f"{text} {self.during}" if self.during else text

    def keep_log(self, path: Path) -> None:
        """Write what the child printed (head and tail) beside its area, for ``--keep`` debugging; never
        shown to students (it may echo hidden paths)."""
        skipped = self.output_bytes - len(self.output_head.encode()) - len(self.output_tail.encode())
        gap = f"\n[... {skipped} bytes not kept ...]\n" if skipped > 0 else ""
        Path(path).write_text(self.output_head + gap + self.output_tail, encoding="utf-8", errors="replace")

    @property
    def cause(self) -> str:
        """Why it ended, as the grader observed it (a value of :class:`autograder.results.Cause`): the
        sandbox's memory limit, the grader's time limit or stop, a process the grader could not start, or
        else the submission's own doing (an exit, a signal)."""
        if self.returncode == START_FAILED:
            return "grader_infrastructure"
        if self.memory_exceeded:
            return "student_memory"
        if self.disk_exceeded or self.tasks_exceeded:
            return "student_error"
        if self.timed_out or self.stopped:
            return "student_timeout"
        return "student_error"

    @property
    def ended_abnormally(self) -> bool:
        return bool(self.stopped) or self.timed_out or self.memory_exceeded or self.returncode != 0


class OutputCap:
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
        return (from_child(self.head.decode("utf-8", "replace"), OUTPUT_KEEP),
                from_child(tail.decode("utf-8", "replace"), OUTPUT_KEEP))
