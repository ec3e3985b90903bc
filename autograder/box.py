"""The box the grader runs in (memory, CPUs), how everything is sized from it, and whose fault a JVM death is.

* :func:`read_box` reads the limits of this process: cgroup v2 (``memory.max``, ``cpu.max``) or v1
  (``memory.limit_in_bytes``, ``cpu.cfs_quota_us``/``cpu.cfs_period_us``), found through /proc/self/cgroup,
  the CPU affinity, else the machine (/proc/meminfo, the CPU count). Gradescope's default box is 768 MB
  and half a CPU.
* :func:`size` turns a :class:`Box` into the Spark and sandbox settings (pure).
* :func:`box_fault` says whether a memory death the grader observed (:class:`MemoryEvidence`: the
  sandbox's limit, the kernel's OOM kills in the box, SIGKILL) should be an ``error`` for the instructor (the
  box is too small for the assignment) rather than a ``failed`` for the student (pure).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from autograder.results import CheckResult, Cause

UNLIMITED = 1 << 60                 # cgroup v1 writes "no limit" as a huge number (9223372036854771712)

# Measured in a cgroup box on the 02 reference (private memory of each process, NMT for the JVM): the
# grader's own process (no pandas imported while children run) with the sandbox's launchers; a student
# child's Python (harness, pyspark, pandas, the submission); pyspark's Python workers (daemon and one worker
# per local thread); a grading JVM outside its heap: metaspace 155 MB and symbols 45 MB (Spark SQL and MLlib
# classes), C1 code 26 MB, thread stacks 29 MB, compiler arenas 17 MB, direct buffers and GC structures.
GRADER_MB = 60
CHILD_PYTHON_MB = 110
PYTHON_WORKERS_MB = 80
JVM_NON_HEAP_MB = 300
TYPICAL_JVM_MB = JVM_NON_HEAP_MB + 200 + CHILD_PYTHON_MB + PYTHON_WORKERS_MB   # a grading JVM with its Pythons
MIN_HEAP_MB, MAX_HEAP_MB = 256, 1024    # under 480 MB Spark's reserve shrinks with it (autograder.spark)
# spark.executor.pyspark.memory caps a Python worker's address space (RLIMIT_AS), not its memory: at 256m
# a worker cannot even map pyarrow's libraries (ImportError: failed to map segment), so pandas UDFs break.
# The box's own limit already bounds the workers: not set.
PYTHON_WORKER_MB = 0
SECONDARY_HEAP_MB = 512             # the JVMs a task starts beside its own (06: spark-submit, streaming)
# The sandbox limits the sum of its tree's RSS, which counts shared pages (the interpreter, libraries, the
# pages a forked Python worker shares with its daemon) once per process: for the 02 reference in a 768 MB
# box the tree summed 967 MB while the whole box (grader included) was charged 578 MB. It also counts a
# grading JVM twice whenever the JVM starts a process (Hadoop's shell calls, pyspark's daemon): until its
# exec the new process shares the JVM's memory and reports the JVM's whole RSS. In a 768 MB / 0.5 CPU box
# the 04 and 05 references' trees summed 1420 and 1461 MB (05: the JVM, 619 MB, twice, and the Pythons)
# while the box peaked at 737 and 755 MB without reaching its limit: at 2.0 (1416 MB) the sandbox stopped
# them. With sparkgrade's local file system (no forked chmod) the JVM starts fewer processes, but 05 still
# summed 1186 MB (its JVM, 464 MB, twice) in a box charged 597 MB at that moment.
TREE_RSS_OVERCOUNT = 2.5
# The grader tells each child how many grading JVMs its box holds at once (from ``size(box).max_jvms``):
# where it is one, a child ends its own JVM while a process it started runs its own (06: spark-submit, a
# streaming driver, a server) and starts a new one when it needs Spark again.
JVMS_AT_ONCE_ENV = "SPARKGRADE_JVMS_AT_ONCE"
SMALL_BOX_MB = 2048                 # below this, JVM non-heap memory is capped and no JVM waits idle
# In a small box every MB outside the heap counts: caps that a grading JVM stays well inside.
# A young generation of at most 64 MB and a heap that gives back what it does not use after a collection
# (serial GC) keep the committed heap near the live data. (The class-data archive is mapped where it was
# recorded, in every box: autograder.engine.driver_archive.AT_RECORDED_ADDRESS; relocated, 04's JVM was
# once killed in a 768 MB box with 517 MB of private memory on a 256 MB heap.)
SMALL_BOX_JVM_OPTIONS = ("-Xss512k -XX:MaxMetaspaceSize=256m -XX:CompressedClassSpaceSize=64m "
                         "-XX:ReservedCodeCacheSize=48m -XX:MaxDirectMemorySize=96m -XX:MaxNewSize=64m "
                         "-XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30")
# How much more than the reference's peak a submission may use before a memory death is its own fault.
PEAK_MARGIN = 1.25
FULL_BOX = 0.85                     # a tree plus the grader using this share of the box has filled it
MAX_SLOWDOWN = 6.0                  # time limits stretch with the machine's load up to this factor
HARDWARE_SETTING = "the assignment's Settings > Autograder Settings > hardware"


@dataclass(frozen=True)
class Box:
    """Memory (MB) and CPUs (may be fractional: 0.5 is half a core) available to the grader."""

    memory_mb: int
    cpus: float
    source: str = "machine"         # where the limits came from: cgroup v2, cgroup v1 or machine

    def __str__(self) -> str:
        return f"{self.memory_mb} MB / {self.cpus:g} CPU ({self.source})"


@dataclass(frozen=True)
class Sizing:
    """Everything sized from a box: the Spark settings of the grading JVMs and the sandbox's limit."""

    driver_memory_mb: int           # spark.driver.memory of the student and scoring children
    java_options: str               # extra JVM flags (on top of the short-run ones)
    master: str                     # local[N], N >= 1
    python_worker_mb: int           # spark.executor.pyspark.memory (0: not set; see PYTHON_WORKER_MB)
    tree_limit_mb: int              # the sandbox's limit on a child's process tree
    max_jvms: int                   # JVMs that fit at once (each with its Python)
    secondary_driver_memory_mb: int   # heap of a JVM a task starts beside its own (spark-submit, streaming)

    @property
    def driver_memory(self) -> str:
        return f"{self.driver_memory_mb}m"


# ------------------------------------------------------------------------------------------------ reading


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _cgroup_paths(root: Path) -> dict[str, str]:
    """controller -> path from /proc/self/cgroup ('' is the cgroup v2 entry)."""
    paths: dict[str, str] = {}
    for line in (_read(root / "proc/self/cgroup") or "").splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3:
            for controller in parts[1].split(",") if parts[1] else [""]:
                paths[controller] = parts[2]
    return paths


def _ancestors(mount: Path, path: str) -> list[Path]:
    """The cgroup folder of ``path`` under ``mount`` and every parent up to the mount (limits nest: the
    smallest one holds). A path missing under the mount (a container without a cgroup namespace sees its
    own group as the mount's root) leaves the mount itself."""
    parts = [p for p in path.split("/") if p]
    folders = [mount.joinpath(*parts[:i]) for i in range(len(parts), -1, -1)]
    return [f for f in folders if f.is_dir()] or [mount]


def _number(text: str | None) -> int | None:
    if text is None or text in ("max", "-1"):
        return None
    try:
        value = int(text)
    except ValueError:
        return None
    return value if 0 < value < UNLIMITED else None


def _v2(root: Path, path: str) -> tuple[int | None, float | None]:
    memory, cpus = None, None
    for folder in _ancestors(root / "sys/fs/cgroup", path):
        limit = _number(_read(folder / "memory.max"))
        if limit is not None:
            memory = min(memory or limit, limit)
        quota, _, period = (_read(folder / "cpu.max") or "max").partition(" ")
        q, p = _number(quota), _number(period or "100000")
        if q and p:
            cpus = min(cpus or q / p, q / p)
    return memory, cpus


def _v1_mount(root: Path, names: tuple[str, ...]) -> Path | None:
    return next((root / "sys/fs/cgroup" / n for n in names if (root / "sys/fs/cgroup" / n).is_dir()), None)


def _v1(root: Path, paths: dict[str, str]) -> tuple[int | None, float | None]:
    memory, cpus = None, None
    mount = _v1_mount(root, ("memory",))
    if mount is not None and "memory" in paths:
        for folder in _ancestors(mount, paths["memory"]):
            limit = _number(_read(folder / "memory.limit_in_bytes"))
            if limit is not None:
                memory = min(memory or limit, limit)
    mount = _v1_mount(root, ("cpu", "cpu,cpuacct", "cpuacct,cpu"))
    if mount is not None and "cpu" in paths:
        for folder in _ancestors(mount, paths["cpu"]):
            q, p = _number(_read(folder / "cpu.cfs_quota_us")), _number(_read(folder / "cpu.cfs_period_us"))
            if q and p:
                cpus = min(cpus or q / p, q / p)
    return memory, cpus


def machine_memory_mb(root: Path = Path("/")) -> int:
    """MemTotal of /proc/meminfo in MB (0 if unreadable)."""
    for line in (_read(root / "proc/meminfo") or "").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) // 1024
    return 0


def online_cpus() -> int:
    """CPUs this process may run on (affinity), else the machine's count."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def read_box(root: Path = Path("/"), cpus_online: int | None = None) -> Box:
    """The box this process runs in. ``root`` prefixes /proc and /sys (tests pass a fake tree);
    ``cpus_online`` replaces the affinity count."""
    root = Path(root)
    machine_mb = machine_memory_mb(root)
    cpus_online = cpus_online or online_cpus()
    paths = _cgroup_paths(root)
    memory, cpus, source = None, None, "machine"
    if (root / "sys/fs/cgroup/cgroup.controllers").is_file() and "" in paths:
        memory, cpus = _v2(root, paths[""])
        source = "cgroup v2"
    if memory is None and cpus is None and paths:
        memory, cpus = _v1(root, paths)
        source = "cgroup v1"
    if memory is None and cpus is None:
        source = "machine"
    memory_mb = min(m for m in (memory and memory // 2**20, machine_mb) if m) if (memory or machine_mb) else 0
    return Box(memory_mb=int(memory_mb), cpus=round(min(cpus or cpus_online, cpus_online), 3), source=source)


# ------------------------------------------------------------------------------------------------ sizing


def size(box: Box, spec_memory_mb: int | None = None) -> Sizing:
    """Spark and sandbox settings for ``box``. The tree limit is ``spec_memory_mb`` (the assignment's own
    limit) or less when the box holds less besides the grader. Big boxes keep the historical defaults
    (1 GB heap, local[2])."""
    allowance = max(box.memory_mb - GRADER_MB, 256)
    heap = min(MAX_HEAP_MB, max(MIN_HEAP_MB, allowance - CHILD_PYTHON_MB - PYTHON_WORKERS_MB - JVM_NON_HEAP_MB))
    small = box.memory_mb < SMALL_BOX_MB
    max_jvms = max(1, allowance // TYPICAL_JVM_MB)
    secondary = min(SECONDARY_HEAP_MB, heap)
    return Sizing(
        driver_memory_mb=int(heap),
        java_options=SMALL_BOX_JVM_OPTIONS if small else "",
        master=f"local[{max(1, min(2, math.floor(box.cpus)))}]",
        python_worker_mb=PYTHON_WORKER_MB,
        tree_limit_mb=int(min(spec_memory_mb or UNLIMITED, allowance * TREE_RSS_OVERCOUNT)),
        max_jvms=int(max_jvms),
        secondary_driver_memory_mb=int(secondary),
    )


def machine_slowdown(load: float | None = None, cpus: int | None = None) -> float:
    """How much slower than idle this machine runs now: the 1-minute load average per CPU this process may
    run on, between 1 and MAX_SLOWDOWN. Time limits are multiplied by it, so that the same submission gets
    the same verdict on a busy machine (a task that is merely slowed down by other work never times out;
    an endless loop still does, later)."""
    try:
        load = os.getloadavg()[0] if load is None else load
    except OSError:
        return 1.0
    return round(max(1.0, min(MAX_SLOWDOWN, load / (cpus or online_cpus()))), 2)


# ------------------------------------------------------------------------------------------------ blame


def oom_kills(root: Path = Path("/")) -> int:
    """How many processes the kernel has killed for lack of memory in this process's box so far: the
    ``oom_kill`` count of every memory cgroup on the way up that sets a limit (cgroup v2 ``memory.events``,
    v1 ``memory.oom_control``); 0 where there is no box or the kernel does not count. Read by the grader
    before and after a task: a rise is a memory death the grader observed itself."""
    root = Path(root)
    paths = _cgroup_paths(root)
    if (root / "sys/fs/cgroup/cgroup.controllers").is_file() and "" in paths:
        folders, limit_file, events = _ancestors(root / "sys/fs/cgroup", paths[""]), "memory.max", "memory.events"
    else:
        mount = _v1_mount(root, ("memory",))
        if mount is None or "memory" not in paths:
            return 0
        folders, limit_file, events = _ancestors(mount, paths["memory"]), "memory.limit_in_bytes", "memory.oom_control"
    total = 0
    for folder in folders:
        if _number(_read(folder / limit_file)) is None:
            continue
        for line in (_read(folder / events) or "").splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill" and value.strip().isdigit():
                total += int(value)
    return total


@dataclass(frozen=True)
class MemoryEvidence:
    """What the grader itself observed about memory while a task ran: the sandbox stopped the process tree
    at its limit, the kernel killed a process of the box for lack of memory, or the child was killed by
    SIGKILL that the grader did not send. Never read from anything the child wrote or said."""

    tree_limit: bool = False
    kernel_kills: int = 0
    sigkill: bool = False

    def __bool__(self) -> bool:
        return self.tree_limit or self.kernel_kills > 0 or self.sigkill

    def describe(self) -> str:
        parts = (["the sandbox stopped the processes at their memory limit"] if self.tree_limit else []) + \
            ([f"the kernel killed {self.kernel_kills} process(es) of the box for lack of memory"]
             if self.kernel_kills else []) + (["a process was killed by signal 9"] if self.sigkill else [])
        return "; ".join(parts)


def box_fault(evidence: MemoryEvidence, box: Box, slug: str, min_memory_mb: int | None,
              reference_peak_mb: float | None, peak_mb: float | None) -> str | None:
    """The instructor's message when an observed memory death (``evidence``) is the box's fault, else None
    (the student's).

    The box is at fault when it is smaller than the assignment's measured minimum, or when the box was
    full (the tree's ``peak_mb`` and the grader filled it) while the submission used no more than the
    reference itself needs (within PEAK_MARGIN of ``reference_peak_mb``). A submission that uses much
    more than the reference, or whose processes died in a box with room to spare, keeps its ``failed``."""
    if not evidence or min_memory_mb is None:
        return None
    below = box.memory_mb < min_memory_mb
    full = peak_mb is not None and peak_mb + GRADER_MB >= FULL_BOX * box.memory_mb
    modest = full and reference_peak_mb is not None and peak_mb <= reference_peak_mb * PEAK_MARGIN
    if not below and not modest:
        return None
    if below:
        why, needs = f"assignment {slug} needs at least {min_memory_mb} MB", min_memory_mb
    else:
        why = (f"this submission's processes filled it using {peak_mb:.0f} MB, no more than the reference solution "
               f"of assignment {slug} needs ({reference_peak_mb:.0f} MB)")
        needs = max(min_memory_mb, box.memory_mb) + 512
    return (f"this autograder box has {box.memory_mb} MB of memory and {box.cpus:g} CPU; {why}, and the grader saw "
            f"the submission's processes run out of memory ({evidence.describe()}) through no fault of the "
            f"submission. Instructor: in Gradescope, open {HARDWARE_SETTING} and choose a box with at least "
            f"{needs} MB of memory, then regrade.")


def box_error(spec, evidence: MemoryEvidence, run=None, box: Box | None = None):
    """An ``error`` CheckResult (cause ``grader_infrastructure``) for the instructor when the memory death
    the grader observed (``evidence``) is the box's fault (see :func:`box_fault`; ``run``: the child's
    :class:`autograder.sandbox.ChildRun`, for its peak), else None."""
    if not evidence:
        return None
    recorded = spec.box
    reference = recorded and (recorded.tree_peak_mb or recorded.peak_mb)   # in the sandbox's units when known
    text = box_fault(evidence, box or read_box(), spec.slug, recorded and recorded.min_memory_mb,
                     reference, run.peak_rss_mb if run is not None else None)
    return CheckResult.error(text, cause=Cause.GRADER_INFRASTRUCTURE) if text else None


def upstream_failure(spec, task: str, outcome_of) -> dict:
    """The recorded outcome of the first task that ``task`` needs (its ``@`` arguments and declared needs,
    followed back) which did not succeed; {} if none. ``outcome_of(name)`` returns a task's outcome."""
    seen: set[str] = set()
    pending = [task]
    while pending:
        current = spec.task(pending.pop(0))
        for name in current.references() + list(current.needs):
            if name in seen:
                continue
            seen.add(name)
            outcome = outcome_of(name)
            if outcome.get("status") in ("raised", "started", "timeout"):
                return dict(outcome)
            if outcome.get("status") != "ok":
                pending.append(name)
    return {}
