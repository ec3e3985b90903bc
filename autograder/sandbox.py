"""Run one child process under limits, as isolated from the grader as the platform allows.

Always enforced, for every child:

* a wall-clock limit and a memory limit on the RSS of the child's whole process tree (polled);
* output kept to its first and last ``OUTPUT_KEEP`` bytes (the rest is counted and discarded);
* at the end (normal exit, timeout, memory) every process of the tree is frozen (SIGSTOP) and killed
  (SIGKILL), JVMs and Python workers included. The tree is: the descendants of the launcher, which is the
  reaper of everything the child starts (PR_SET_CHILD_SUBREAPER, or pid 1 of a private pid namespace), so
  processes that setsid, double-fork and scrub their environment are still found; plus the child's
  process group; plus every process whose environment carries the run's ``MARKER``.

Enforced where the platform allows it (see :func:`isolation`, probed once per grader process):

* private mount, pid and network namespaces (root with CAP_SYS_ADMIN, or unprivileged user namespaces):
  networking limited to loopback (Spark needs 127.0.0.1); a private /proc; a filesystem built from an
  allow-list (see :func:`_new_root`): an empty read-only root holding only the system folders (/usr,
  /etc, /lib...), the runtime the child needs (the interpreter, site-packages, the ``autograder``
  package, Java), the child's own folder, and private scratch tmpfs on /tmp, /var/tmp and /dev/shm.
  Nothing else on the machine exists for the child: not the project, its solutions and prepared data,
  the grader's cache and work folders, other copies of them, nor any home folder;
* an unprivileged user (``nobody``) when the grader runs as root and that user can start the
  interpreter (checked by running it); otherwise the child keeps the grader's uid with every capability
  dropped. Without namespaces, hidden folders are then protected by permissions (see
  :meth:`Jail.protect`);
* ``no_new_privs`` (setuid programs cannot raise privileges), no core dumps.

Not enforced: disk usage of the child's writable folders (bounded only by time), CPU share, and
without namespaces, network access and reading world-readable files.

This file is also the launcher: ``python -I -S sandbox.py '<config json>'`` (standard library only).
"""

from __future__ import annotations

import ctypes
import json
import os
import platform
import secrets
import signal
import stat
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

MARKER = "SPARKGRADE_SANDBOX"
OUTPUT_KEEP = 16_384
PAGE = os.sysconf("SC_PAGE_SIZE")
MEMORY_POLL_S = 0.2
START_FAILED = 121          # the launcher could not set the sandbox up or start the child
UNPRIVILEGED_USER = "nobody"
SCRATCH = {"/tmp": "128m", "/var/tmp": "16m", "/dev/shm": "64m"}
MAX_OUTPUT_FILE = 256 * 2**20
MAX_OUTPUT_TOTAL = 2 * 2**30
MAX_OUTPUT_ENTRIES = 50_000
ISOLATION_ENV = "SPARKGRADE_ISOLATION"   # auto (default) | namespaces+user | namespaces | user | none


# --------------------------------------------------------------------------------------------------------
# How a child ended


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
    def ended_abnormally(self) -> bool:
        return bool(self.stopped) or self.timed_out or self.memory_exceeded or self.returncode != 0


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


# --------------------------------------------------------------------------------------------------------
# Process trees


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


def _signal_all(pids, sig) -> None:
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
            _signal_all(new, signal.SIGSTOP)
            stopped |= new
        if not stopped:
            return
        _signal_all(stopped, signal.SIGKILL)
        time.sleep(0.05)


def kill_all(proc: subprocess.Popen, token: str) -> None:
    """SIGKILL the child's whole tree (kept for callers of the old name)."""
    kill_tree(proc.pid, token)


# --------------------------------------------------------------------------------------------------------
# What the platform allows


@dataclass(frozen=True)
class Isolation:
    """What the sandbox can enforce on this machine (decided once per grader process by probing)."""

    namespaces: bool = False
    userns: bool = False
    uid: int | None = None
    gid: int | None = None
    reasons: tuple[str, ...] = ()

    @property
    def user(self) -> str:
        if self.uid is None:
            return f"the grader's own user (uid {os.geteuid()}{', all capabilities dropped' if self.namespaces else ''})"
        return f"{UNPRIVILEGED_USER} (uid {self.uid})"

    @property
    def hides_files(self) -> bool:
        """Whether hidden files are unreadable by the children."""
        return self.namespaces or self.uid is not None

    def summary(self) -> str:
        ns = ("private mount/pid/network namespaces (read-only system, allow-listed read-only filesystem, loopback only)"
              if self.namespaces else "no namespaces (network and world-readable files not restricted)")
        return f"children run as {self.user}; {ns}"

    def notes(self) -> list[str]:
        """What is not enforced, for the report (empty when everything is)."""
        if self.namespaces and self.uid is not None:
            return []
        return [f"sandbox: {self.summary()}" + (f" ({'; '.join(self.reasons)})" if self.reasons else "")]


_ISOLATION: Isolation | None = None
_ISOLATION_LOCK = threading.Lock()

PROBE = ("import socket, pyspark, autograder.harness.artifacts\n"
         "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)\n"
         "c = socket.create_connection(s.getsockname(), timeout=5); c.close()\n"
         "print('sparkgrade-probe-ok')\n")


def _nobody() -> tuple[int, int] | None:
    try:
        import pwd

        entry = pwd.getpwnam(UNPRIVILEGED_USER)
        return entry.pw_uid, entry.pw_gid
    except (ImportError, KeyError):
        return None


def _probe(candidate: Isolation) -> str:
    """'' if a child can start under ``candidate`` (interpreter, pyspark, loopback), else why not."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="sparkgrade-probe-"))
    try:
        area = ChildArea(folder / "child", candidate)
        area.create()
        jail = Jail(candidate, area, writable=(area.home, area.tmp))
        run = run_child(None, None, area.home, 60, 4096, jail=jail, argv=[sys.executable, "-c", PROBE])
        if run.returncode == 0 and "sparkgrade-probe-ok" in run.output_head:
            return ""
        last = (run.output_head + run.output_tail).strip().splitlines()[-1:] or [f"exit code {run.returncode}"]
        return last[0][:200]
    finally:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


def isolation() -> Isolation:
    """The strongest isolation that works here, probed once (a second or two) and then cached."""
    global _ISOLATION
    with _ISOLATION_LOCK:
        if _ISOLATION is not None:
            return _ISOLATION
        wanted = os.environ.get(ISOLATION_ENV, "auto")
        if wanted == "none" or not sys.platform.startswith("linux"):
            _ISOLATION = Isolation(reasons=(f"{ISOLATION_ENV}=none" if sys.platform.startswith("linux")
                                            else "not Linux",))
            return _ISOLATION
        reasons: list[str] = [f"{ISOLATION_ENV}={wanted}"] if wanted != "auto" else []
        nobody = _nobody() if os.geteuid() == 0 else None
        candidates = []
        if os.geteuid() == 0:
            if nobody and wanted in ("auto", "namespaces+user"):
                candidates.append(Isolation(namespaces=True, uid=nobody[0], gid=nobody[1]))
            if wanted in ("auto", "namespaces"):
                candidates.append(Isolation(namespaces=True))
            if nobody and wanted in ("auto", "user"):
                candidates.append(Isolation(uid=nobody[0], gid=nobody[1]))
        else:
            candidates.append(Isolation(namespaces=True, userns=True))
            reasons.append("the grader does not run as root, so the children run as its user")
        for candidate in candidates:
            why = _probe(candidate)
            if not why:
                _ISOLATION = replace(candidate, reasons=tuple(reasons))
                return _ISOLATION
            what = ("namespaces" if candidate.namespaces else "") + \
                   (f"{' + ' if candidate.namespaces else ''}user {UNPRIVILEGED_USER}" if candidate.uid is not None else "")
            reasons.append(f"{what or 'sandbox'} unavailable: {why}")
        _ISOLATION = Isolation(reasons=tuple(reasons))
        return _ISOLATION


# --------------------------------------------------------------------------------------------------------
# The child's folder and its view of the filesystem


class ChildArea:
    """The one folder the children may see: ``input/`` (read-only copies made by the grader), output
    folders the grader opens for writing phase by phase, and ``home/`` and ``tmp/``."""

    def __init__(self, root: Path, iso: Isolation):
        self.root, self.iso = Path(root), iso

    @property
    def input(self) -> Path:
        return self.root / "input"

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    def output(self, name: str) -> Path:
        return self.root / name

    def create(self) -> None:
        for p in (self.root, self.input, self.home, self.tmp):
            p.mkdir(parents=True, exist_ok=True)
            p.chmod(0o755)
        parent = self.root.parent
        if self.iso.uid is not None:                       # nobody must be able to reach the area, not list it
            parent.chmod(0o711)

    def open_for_child(self, *folders: Path) -> None:
        """Make ``folders`` (and home, tmp) writable by the child, emptying home and tmp."""
        import shutil

        for p in (self.home, self.tmp):
            shutil.rmtree(p, ignore_errors=True)
            p.mkdir()
        for p in (self.home, self.tmp, *folders):
            p.mkdir(parents=True, exist_ok=True)
            if self.iso.uid is not None:
                for sub in (p, *p.rglob("*")):
                    if not sub.is_symlink():
                        os.chown(sub, self.iso.uid, self.iso.gid)

    def seal(self, folder: Path) -> list[str]:
        """After the child is gone: remove from ``folder`` whatever the grader must not read (symbolic
        links, FIFOs, devices, hard links, oversized files), give it back to the grader's user and make it
        read-only for the next child. Returns notes about what was removed."""
        notes = sanitize(folder)
        if folder.exists():
            me = (os.geteuid(), os.getegid())
            for sub in (folder, *folder.rglob("*")):
                try:
                    if self.iso.uid is not None:
                        os.lchown(sub, *me)
                    mode = sub.lstat().st_mode
                    sub.chmod(0o755 if stat.S_ISDIR(mode) else 0o644)
                except OSError:
                    continue
        return notes


def sanitize(folder: Path) -> list[str]:
    """Delete symbolic links, special files, hard-linked and oversized files under ``folder`` (never
    following links); if the folder is absurdly large, empty it. Returns notes."""
    import shutil

    notes: list[str] = []
    if not folder.exists() and not folder.is_symlink():
        return notes
    if folder.is_symlink() or not folder.is_dir():
        folder.unlink()
        return [f"removed {folder.name}: not a folder"]
    total = entries = 0
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            entries += 1
            try:
                st = os.lstat(path)
            except OSError:
                continue
            rel = os.path.relpath(path, folder)
            if stat.S_ISLNK(st.st_mode) or not (stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode)):
                os.unlink(path)
                notes.append(f"removed {rel}: symbolic links and special files are not accepted")
            elif stat.S_ISREG(st.st_mode) and (st.st_nlink > 1 or st.st_size > MAX_OUTPUT_FILE):
                os.unlink(path)
                notes.append(f"removed {rel}: " + ("hard links are not accepted" if st.st_nlink > 1
                                                   else f"larger than {MAX_OUTPUT_FILE // 2**20} MB"))
            elif stat.S_ISREG(st.st_mode):
                total += st.st_size
        dirnames[:] = [d for d in dirnames if os.path.isdir(os.path.join(dirpath, d))
                       and not os.path.islink(os.path.join(dirpath, d))]
        if total > MAX_OUTPUT_TOTAL or entries > MAX_OUTPUT_ENTRIES:
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            return notes[:5] + [f"removed everything under {folder.name}: more than "
                                f"{MAX_OUTPUT_TOTAL // 2**30} GB or {MAX_OUTPUT_ENTRIES} files were written"]
    return notes[:20]


def runtime_paths() -> list[str]:
    """What every child needs to see: the interpreter and its libraries, site-packages, the autograder
    package and Java."""
    import shutil
    import site
    import sysconfig

    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             os.path.dirname(os.path.realpath(sys.executable)), str(Path(__file__).resolve().parent)}
    paths |= set(site.getsitepackages()) | {site.getusersitepackages()}
    paths |= {v for k, v in sysconfig.get_paths().items() if k in ("stdlib", "platstdlib", "purelib", "platlib")}
    java = os.environ.get("JAVA_HOME") or (shutil.which("java") and
                                          str(Path(os.path.realpath(shutil.which("java"))).parent.parent))
    if java:
        paths.add(java)
    if os.environ.get("SPARK_HOME"):
        paths.add(os.environ["SPARK_HOME"])
    return sorted(os.path.realpath(p) for p in paths if p and os.path.exists(p))


@dataclass(frozen=True)
class Jail:
    """One child's view: what it may read (the area, the runtime and ``readable``), where it may write,
    what is hidden and who it runs as."""

    iso: Isolation
    area: ChildArea
    writable: tuple[Path, ...] = ()
    readable: tuple[Path, ...] = ()
    hidden: tuple[Path, ...] = ()
    nproc: int = 4096
    network: bool = False           # share the grader's network (Spark on a cluster or Connect server)

    def config(self, argv: list[str], cwd: Path) -> dict:
        return {"argv": argv, "cwd": str(cwd), "grader_pid": os.getpid(), "namespaces": self.iso.namespaces,
                "userns": self.iso.userns,
                "network": self.network,
                "uid": self.iso.uid, "gid": self.iso.gid, "nproc": self.nproc,
                "newroot": os.path.realpath(self.area.root) + ".root",
                "keep": sorted({*runtime_paths(), *map(os.path.realpath, self.readable),
                                os.path.realpath(self.area.root)}),
                "writable": sorted({os.path.realpath(p) for p in self.writable}),
                "scratch": SCRATCH}

    def protect(self) -> list[str]:
        """Without namespaces, but with an unprivileged child user: make the hidden folders unreadable by
        that user (they are the grader's own files). A hidden folder that holds something the child needs
        (the runtime, the child's area) becomes traversable but not listable, and its other entries are
        protected one by one. Returns what was changed."""
        if self.iso.namespaces or self.iso.uid is None:
            return []
        keeps = [os.path.realpath(p) for p in (*runtime_paths(), *self.readable, self.area.root)]
        changed: list[str] = []

        def visit(path: str, depth: int) -> None:
            if os.path.islink(path) or not os.path.isdir(path) or any(_within(path, k) for k in keeps):
                return
            mode = stat.S_IMODE(os.stat(path).st_mode)
            if not any(_within(k, path) for k in keeps):
                if mode & 0o077:
                    os.chmod(path, mode & 0o700)
                    changed.append(path)
                return
            if mode & 0o066 or not mode & 0o011:
                os.chmod(path, (mode & 0o700) | 0o011)
                changed.append(path)
            if depth < 6:
                for entry in os.scandir(path):
                    visit(entry.path, depth + 1)

        for p in self.hidden:
            visit(os.path.realpath(p), 0)
        return changed


# --------------------------------------------------------------------------------------------------------
# Running a child


def needs_network(spark: dict) -> bool:
    """Whether a child's Spark runs elsewhere (a Connect server or a cluster), so it needs the network."""
    return bool(spark.get("remote")) or not str(spark.get("master") or "local").startswith("local")


def network_notes(jail: Jail) -> list[str]:
    if jail.iso.namespaces and jail.network:
        return ["sandbox: network not restricted, because Spark runs on a server or cluster; files are read "
                "there with the server's permissions"]
    return []


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """A scrubbed environment: only what Python, Java and Spark need."""
    keep = ("PATH", "JAVA_HOME", "LANG", "LC_ALL", "TZ", "SPARK_HOME", "PYSPARK_SUBMIT_ARGS")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.update({"PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable,
                "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0", "SPARK_LOCAL_IP": "127.0.0.1",
                "MALLOC_ARENA_MAX": "2",        # threads (gRPC, Arrow) do not each reserve a 64 MB arena
                "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
    env.update(extra or {})
    return env


def launcher_argv(jail: Jail, command: list[str], cwd: Path) -> list[str]:
    """The command that runs ``command`` in ``cwd`` inside ``jail`` (this file, run as a script)."""
    return [sys.executable, "-I", "-S", str(Path(__file__).resolve()), json.dumps(jail.config(command, cwd))]


def run_child(module: str | None, job: Path | None, cwd: Path, timeout_s: float, memory_mb: int,
              env: dict[str, str] | None = None, jail: Jail | None = None,
              argv: list[str] | None = None, watch=None, starter=None) -> ChildRun:
    """Run ``python -m module job`` (or ``argv``) in ``cwd`` under the limits, inside ``jail`` when given
    (else with no isolation beyond the limits), and return how it ended. ``watch``, if given, is called
    while the child runs and may return a reason to stop it. ``starter`` (a running
    :class:`autograder.prefork.ForkServer`): fork the child from it instead of starting an interpreter;
    its memory is then what the tree holds privately."""
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
    command = argv or [sys.executable, "-m", module, str(job)]
    started = time.monotonic()
    memory, proc = tree_rss_mb, None
    if starter is not None and argv is None and starter.alive():
        try:
            proc, memory = starter.start(module, job, cwd, full_env, jail.config(command, cwd)), tree_private_mb
        except OSError:
            pass                                        # the fork server just died: start the child afresh
    if proc is None:
        proc = subprocess.Popen(launcher_argv(jail, command, cwd), cwd=cwd, env=full_env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    output = _OutputCap(proc.stdout)
    timed_out = memory_exceeded = False
    stopped = ""
    peak = 0.0
    next_check = 0.0
    while proc.poll() is None:
        now = time.monotonic()
        if now - started > timeout_s:
            timed_out = True
            break
        if now >= next_check:
            peak = max(peak, memory(tree_pids(proc.pid, token)))
            next_check = now + MEMORY_POLL_S
            if peak > memory_mb:
                memory_exceeded = True
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
    return ChildRun(returncode=None if (timed_out or memory_exceeded or stopped) else code,
                    seconds=time.monotonic() - started, timed_out=timed_out, memory_exceeded=memory_exceeded,
                    output_head=head, output_tail=tail, output_bytes=output.total, peak_rss_mb=peak,
                    stopped=stopped)


# --------------------------------------------------------------------------------------------------------
# The launcher (runs as its own process, standard library only)

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x00020000, 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC, MS_PRIVATE = 32, 1024, 2048, 4096, 16384, 1 << 18
MS_RELATIME, MS_STRICTATIME = 1 << 21, 1 << 24
MOUNT_FLAGS = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC, "noatime": MS_NOATIME,
               "nodiratime": MS_NODIRATIME, "relatime": MS_RELATIME, "strictatime": MS_STRICTATIME}
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS, PR_SET_CHILD_SUBREAPER, PR_CAPBSET_DROP = 1, 38, 36, 24
PR_SET_SECUREBITS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 28, 47, 4
SECURE_NOROOT_ALL_LOCKED = 0x2F   # noroot, no_setuid_fixup, keep_caps: set and locked
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
MNT_DETACH = 2
PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "arm64": 41, "ppc64le": 203, "s390x": 217, "riscv64": 41}
SYSTEM_FOLDERS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")

_libc = None


def _c():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source, target, fstype, flags, data=None) -> None:
    enc = (lambda s: s.encode() if isinstance(s, str) else s)
    _check(_c().mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
           f"mount {target}")


def _prctl(option: int, arg: int = 0) -> None:
    _check(_c().prctl(ctypes.c_int(option), ctypes.c_ulong(arg), ctypes.c_ulong(0), ctypes.c_ulong(0),
                      ctypes.c_ulong(0)), f"prctl {option}")


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _depth(path: str) -> int:
    return path.rstrip("/").count("/")


def _loopback_up() -> None:
    import fcntl
    import socket
    import struct

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        flags = struct.unpack("16sh", fcntl.ioctl(s, SIOCGIFFLAGS, struct.pack("16sh", b"lo", 0)))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sh", b"lo", flags | IFF_UP))


def _mounts() -> list[tuple[str, list[str]]]:
    found = []
    with open("/proc/self/mountinfo") as fh:
        for line in fh:
            fields = line.split()
            point = fields[4].encode().decode("unicode_escape")
            found.append((point, fields[5].split(",")))
    return found


def _bind_into(root: str, path: str) -> None:
    """Bind ``path`` (recursively) at the same place under ``root``."""
    target = root + path
    if os.path.isdir(path):
        os.makedirs(target, mode=0o755, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        open(target, "a").close()
    _mount(path, target, None, MS_BIND | MS_REC)


def _outermost(paths: list[str]) -> list[str]:
    """The paths not inside another one of ``paths`` (binding those covers the rest)."""
    ordered = sorted(set(paths), key=_depth)
    kept: list[str] = []
    for p in ordered:
        if not any(_within(p, k) for k in kept):
            kept.append(p)
    return kept


def _pivot_root(new: str) -> None:
    """Make ``new`` the root of this mount namespace and detach the old one (nothing of it stays
    reachable, not even through '..' or /proc/<pid>/root)."""
    number = PIVOT_ROOT.get(platform.machine())
    if number is None:
        raise OSError(f"pivot_root: unknown syscall number on {platform.machine()}")
    os.chdir(new)
    _check(_c().syscall(ctypes.c_long(number), b".", b"."), "pivot_root")
    _check(_c().umount2(b".", ctypes.c_int(MNT_DETACH)), "umount old root")
    os.chdir("/")


def _new_root(cfg: dict) -> None:
    """Build the child's filesystem from an allow-list: an empty read-only tmpfs holding only the system
    folders, the runtime (interpreter, site-packages, the autograder package, Java), the child's area, a
    /dev and /proc, and private scratch tmpfs on /tmp, /var/tmp and /dev/shm. Everything else on the
    machine (the project, solutions, hidden data, other copies of them, home folders) does not exist
    for the child. Only the child's writable folders are writable."""
    new = cfg["newroot"]
    sources = _outermost([os.path.realpath(p) for p in (*SYSTEM_FOLDERS, *cfg["keep"], *cfg["writable"])
                          if os.path.exists(p)] + ["/dev", "/proc"])
    if any(_within(new, p) for p in sources):
        raise OSError(f"the sandbox root {new} lies inside a folder the child may see")
    os.makedirs(new, mode=0o700, exist_ok=True)
    _mount("tmpfs", new, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=755")
    scratch = [folder for folder in cfg["scratch"] if folder != "/dev/shm"]
    for folder in scratch:
        os.makedirs(new + folder, mode=0o755, exist_ok=True)
        _mount("tmpfs", new + folder, "tmpfs", MS_NOSUID | MS_NODEV, f"size={cfg['scratch'][folder]},mode=1777")
    for link in (p for p in SYSTEM_FOLDERS if os.path.islink(p)):
        os.symlink(os.readlink(link), new + link)       # /bin -> usr/bin on merged-/usr systems
    under_scratch = [p for p in sources if any(_within(p, folder) for folder in scratch)]
    for path in [p for p in sources if p not in under_scratch] + under_scratch:
        _bind_into(new, path)                           # under_scratch last: e.g. the child's area in /tmp
    if "/dev/shm" in cfg["scratch"] and os.path.isdir(new + "/dev/shm"):
        _mount("tmpfs", new + "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV,
               f"size={cfg['scratch']['/dev/shm']},mode=1777")
    for w in cfg["writable"]:
        if os.path.isdir(new + w):
            _mount(new + w, new + w, None, MS_BIND)     # its own mount: stays writable below
    _pivot_root(new)
    _read_only_except(cfg["writable"], cfg["scratch"])


def _read_only_except(writable: list[str], scratch: dict[str, str]) -> None:
    skip = set(writable) | set(scratch)
    for point, options in reversed(_mounts()):
        if point in skip or _within(point, "/proc") or _within(point, "/dev"):
            continue
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY
        for option in options:
            flags |= MOUNT_FLAGS.get(option, 0)
        try:
            _mount(None, point, None, flags)
        except OSError:
            if point == "/":
                raise


def _enter_namespaces(cfg: dict) -> None:
    flags = CLONE_NEWNS | CLONE_NEWPID | (0 if cfg.get("network") else CLONE_NEWNET)
    if cfg["userns"]:
        uid, gid = os.geteuid(), os.getegid()
        _check(_c().unshare(ctypes.c_int(flags | CLONE_NEWUSER)), "unshare")
        for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"), ("gid_map", f"0 {gid} 1")):
            with open(f"/proc/self/{name}", "w") as fh:
                fh.write(text)
    else:
        _check(_c().unshare(ctypes.c_int(flags)), "unshare")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    if not cfg.get("network"):
        _loopback_up()
    _new_root(cfg)


def _mount_proc() -> None:
    """A /proc of the new pid namespace, with the host-wide knobs read-only or masked."""
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for p in ("/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus", "/proc/fs"):
        if os.path.exists(p):
            _mount(p, p, None, MS_BIND | MS_REC)
            _mount(None, p, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for p in ("/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/proc/kallsyms"):
        if os.path.exists(p):
            _mount("/dev/null", p, None, MS_BIND)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _drop_privileges(cfg: dict) -> None:
    import resource

    if cfg["uid"] is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (cfg["nproc"], cfg["nproc"]))
        os.setgroups([])
        os.setgid(cfg["gid"])
        os.setuid(cfg["uid"])                           # also clears every capability
        try:
            os.setuid(0)
        except PermissionError:
            pass
        else:
            raise OSError("could not drop root privileges")
    elif os.geteuid() == 0:                             # root (or root of a user namespace): no capabilities
        _prctl(PR_SET_SECUREBITS, SECURE_NOROOT_ALL_LOCKED)
        for cap in range(64):
            try:
                _prctl(PR_CAPBSET_DROP, cap)
            except OSError:
                break
        try:
            _prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
        except OSError:
            pass
        data = (_CapData * 2)()
        _check(_c().capset(ctypes.byref(_CapHeader(0x20080522, 0)), data), "capset")
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _fail(message: str) -> None:
    os.write(2, f"sparkgrade sandbox: {message}\n".encode())
    os._exit(START_FAILED)


def _exit_code(status: int) -> int:
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def _supervise(cfg: dict, pid_one: bool, run=None) -> int:
    """Start the child (``exec`` of ``cfg['argv']``, or ``run()`` in this interpreter) and reap everything
    until it ends; then kill what it left behind (without a pid namespace the orphans were re-parented to
    us, the subreaper; with one the kernel kills them when pid 1 exits). Returns the child's exit code
    (128 + n for a signal)."""
    child = os.fork()
    if child == 0:
        try:
            _drop_privileges(cfg)
            die_with_parent(None)
            os.chdir(cfg["cwd"])
            if run is None:
                os.execv(cfg["argv"][0], cfg["argv"])
        except BaseException as exc:  # noqa: BLE001
            _fail(f"could not start the child: {exc}")
        run()
    code = START_FAILED
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        if pid == child:
            code = _exit_code(status)
            break
    if not pid_one:
        me = os.getpid()
        for _ in range(20):
            left = tree_pids(me) - {me}
            if not left:
                break
            _signal_all(left, signal.SIGKILL)
            try:
                while os.waitpid(-1, os.WNOHANG)[0]:
                    pass
            except ChildProcessError:
                pass
            time.sleep(0.02)
    return code


def die_with_parent(parent: int | None) -> None:
    """SIGKILL this process when its parent dies (the grader, the launcher or pid 1 of the namespace);
    if ``parent`` is given and already gone, exit at once."""
    try:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        return
    if parent is not None and os.getppid() != parent:
        os._exit(START_FAILED)


def launch(cfg: dict, run=None) -> None:
    """The launcher: set the sandbox up, run the child in it (``exec`` of ``cfg['argv']``, or ``run()``
    in this interpreter, see :mod:`autograder.prefork`) and exit with its exit code."""
    os.umask(0o022)
    die_with_parent(cfg.get("grader_pid") or os.getppid())
    if not cfg["namespaces"]:
        try:
            _prctl(PR_SET_CHILD_SUBREAPER, 1)
        except OSError:
            pass
        os._exit(_supervise(cfg, pid_one=False, run=run))
    try:
        _enter_namespaces(cfg)
    except OSError as exc:
        _fail(f"namespaces: {exc}")
    init = os.fork()
    if init == 0:                                       # pid 1 of the new pid namespace
        die_with_parent(None)                           # the launcher is outside: getppid() is 0 here
        try:
            _mount_proc()
        except OSError as exc:
            _fail(f"/proc: {exc}")
        os._exit(_supervise(cfg, pid_one=True, run=run))
    while True:
        try:
            _, status = os.waitpid(init, 0)
            os._exit(_exit_code(status))
        except InterruptedError:
            continue


if __name__ == "__main__":
    launch(json.loads(sys.argv[1]))
