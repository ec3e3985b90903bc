"""What the platform allows: the strongest :class:`~autograder.sandbox.isolation.Isolation` that works here, found by
starting a probe child under each candidate (namespaces and ``nobody``, namespaces, ``nobody``) and
remembered per setting of ``SPARKGRADE_ISOLATION`` for the life of the grader process."""

from __future__ import annotations

import functools
import os
import sys
import threading
from dataclasses import replace
from pathlib import Path

from autograder.sandbox.area import ChildArea
from autograder.sandbox.isolation import UNPRIVILEGED_USER, Isolation
from autograder.sandbox.jail import Jail
from autograder.sandbox.run import run_child

ISOLATION_ENV = "SPARKGRADE_ISOLATION"   # auto (default) | namespaces+user | namespaces | user | none

PROBE = ("import socket, pyspark, autograder.harness.artifacts\n"
         "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)\n"
         "c = socket.create_connection(s.getsockname(), timeout=5); c.close()\n"
         "print('sparkgrade-probe-ok')\n")


def nobody() -> tuple[int, int] | None:
    """uid and gid of the unprivileged user, if this machine has one."""
    try:
        import pwd

        entry = pwd.getpwnam(UNPRIVILEGED_USER)
        return entry.pw_uid, entry.pw_gid
    except (ImportError, KeyError):
        return None


def _probe(candidate: Isolation) -> str:
    """'' if a child can start under ``candidate`` (interpreter, pyspark, loopback), else why not."""
    import shutil
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
        shutil.rmtree(folder, ignore_errors=True)


def probe_isolation(wanted: str = "auto") -> Isolation:
    """The strongest isolation allowed by ``wanted`` (a value of ``SPARKGRADE_ISOLATION``) that works
    here; starts a probe child per candidate (a second or two each)."""
    if wanted == "none" or not sys.platform.startswith("linux"):
        return Isolation(reasons=(f"{ISOLATION_ENV}=none" if sys.platform.startswith("linux") else "not Linux",))
    reasons: list[str] = [f"{ISOLATION_ENV}={wanted}"] if wanted != "auto" else []
    user = nobody() if os.geteuid() == 0 else None
    candidates = []
    if os.geteuid() == 0:
        if user and wanted in ("auto", "namespaces+user"):
            candidates.append(Isolation(namespaces=True, uid=user[0], gid=user[1]))
        if wanted in ("auto", "namespaces"):
            candidates.append(Isolation(namespaces=True))
        if user and wanted in ("auto", "user"):
            candidates.append(Isolation(uid=user[0], gid=user[1]))
    else:
        candidates.append(Isolation(namespaces=True, userns=True))
        reasons.append("the grader does not run as root, so the children run as its user")
    for candidate in candidates:
        why = _probe(candidate)
        if not why:
            return replace(candidate, reasons=tuple(reasons))
        what = ("namespaces" if candidate.namespaces else "") + \
               (f"{' + ' if candidate.namespaces else ''}user {UNPRIVILEGED_USER}" if candidate.uid is not None else "")
        reasons.append(f"{what or 'sandbox'} unavailable: {why}")
    return Isolation(reasons=tuple(reasons))


_probed = functools.cache(probe_isolation)
_probing = threading.Lock()         # threads of a batch wait for the one probe instead of starting their own


def isolation() -> Isolation:
    """The isolation every child of this grader process gets: probed on first use (per setting of
    ``SPARKGRADE_ISOLATION``), then the same object."""
    with _probing:
        return _probed(os.environ.get(ISOLATION_ENV, "auto"))
