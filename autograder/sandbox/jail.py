"""One child's view of the machine (:class:`Jail`): what it may read (its area, the runtime and
``readable``), where it may write, what is hidden from it and who it runs as; turned into the
launcher's configuration by :meth:`Jail.config`."""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder.sandbox.area import ChildArea
from autograder.sandbox.filesystem import within
from autograder.sandbox.isolation import Isolation

PACKAGE = Path(__file__).resolve().parent.parent       # the autograder package, seen by every child
SCRATCH = {"/tmp": "128m", "/var/tmp": "16m", "/dev/shm": "64m"}


def runtime_paths() -> list[str]:
    """What every child needs to see: the interpreter and its libraries, site-packages, the autograder
    package and Java."""
    import shutil
    import site
    import sysconfig

    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             os.path.dirname(os.path.realpath(sys.executable)), str(PACKAGE)}
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
    nosymfollow: tuple[Path, ...] = ()      # writable folders whose symbolic links are never followed

    def config(self, argv: list[str], cwd: Path, pids_group: str | None = None) -> dict:
        """The launcher's configuration (see :func:`autograder.sandbox.launcher.launch`); ``pids_group``: the
        ``cgroup.procs`` file of the group the launcher joins first (:mod:`autograder.sandbox.pidlimit`)."""
        return {"argv": argv, "cwd": str(cwd), "grader_pid": os.getpid(), "namespaces": self.iso.namespaces,
                "pids_group": pids_group,
                "userns": self.iso.userns,
                "network": self.network,
                "uid": self.iso.uid, "gid": self.iso.gid, "nproc": self.nproc,
                "newroot": os.path.realpath(self.area.root) + ".root",
                "keep": sorted({*runtime_paths(), *map(os.path.realpath, self.readable),
                                os.path.realpath(self.area.root)}),
                "writable": sorted({os.path.realpath(p) for p in self.writable}),
                "nosymfollow": sorted({os.path.realpath(p) for p in self.nosymfollow}),
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
            if os.path.islink(path) or not os.path.isdir(path) or any(within(path, k) for k in keeps):
                return
            mode = stat.S_IMODE(os.stat(path).st_mode)
            if not any(within(k, path) for k in keeps):
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


def needs_network(spark: dict) -> bool:
    """Whether a child's Spark runs elsewhere (a Connect server or a cluster), so it needs the network."""
    return bool(spark.get("remote")) or not str(spark.get("master") or "local").startswith("local")


def network_notes(jail: Jail) -> list[str]:
    if jail.iso.namespaces and jail.network:
        return ["sandbox: network not restricted, because Spark runs on a server or cluster; files are read "
                "there with the server's permissions"]
    return []
