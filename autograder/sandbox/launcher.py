"""The launcher: sets the sandbox up and runs one child in it. Runs as its own process,
``python -I -S launcher.py '<config json>'`` (see :func:`autograder.sandbox.run.launcher_argv`), or in a
process forked from the fork server (:mod:`autograder.engine.forkserver`, which calls :func:`launch` with the
child's ``main``). Standard library only, and it never imports the package: as a script it loads only its
sibling files ``filesystem.py`` (the child's new root) and ``proctree.py`` (to kill what the child left
behind), standard library only too.

Enforced where the platform allows it (see :mod:`autograder.sandbox.probing`):

* private mount, pid and network namespaces (root with CAP_SYS_ADMIN, or unprivileged user namespaces):
  networking limited to loopback (Spark needs 127.0.0.1); a private /proc; a filesystem built from an
  allow-list (see :func:`autograder.sandbox.filesystem.new_root`): an empty read-only root holding only the system folders (/usr,
  /etc, /lib...), the runtime the child needs (the interpreter, site-packages, the ``autograder``
  package, Java), the child's own folder, and private scratch tmpfs on /tmp, /var/tmp and /dev/shm.
  Nothing else on the machine exists for the child: not the project, its solutions and prepared data,
  the grader's cache and work folders, other copies of them, nor any home folder;
* an unprivileged user (``nobody``) when the grader runs as root and that user can start the
  interpreter (checked by running it); otherwise the child keeps the grader's uid with every capability
  dropped. Without namespaces, hidden folders are then protected by permissions (see
  :meth:`autograder.sandbox.jail.Jail.protect`);
* ``no_new_privs`` (setuid programs cannot raise privileges), no core dumps.

The launcher is the reaper of everything the child starts (PR_SET_CHILD_SUBREAPER, or pid 1 of a
private pid namespace), so that the grader finds the child's whole tree.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import sys
import time

if __package__:
    from autograder.sandbox.filesystem import MS_PRIVATE, MS_REC, check, libc, mount, mount_proc, new_root
    from autograder.sandbox.proctree import signal_all, tree_pids
else:                                   # run as a script: the package is neither importable nor wanted
    import importlib.util

    def _sibling(name: str):
        """A sibling file of this one (standard library only), loaded by path."""
        spec = importlib.util.spec_from_file_location(
            f"sparkgrade_{name}", os.path.join(os.path.dirname(os.path.abspath(__file__)), f"{name}.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    _fs, _proctree = _sibling("filesystem"), _sibling("proctree")
    MS_PRIVATE, MS_REC, check, libc, mount = _fs.MS_PRIVATE, _fs.MS_REC, _fs.check, _fs.libc, _fs.mount
    mount_proc, new_root = _fs.mount_proc, _fs.new_root
    signal_all, tree_pids = _proctree.signal_all, _proctree.tree_pids

START_FAILED = 121          # the launcher could not set the sandbox up or start the child
CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x00020000, 0x10000000, 0x20000000, 0x40000000
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS, PR_SET_CHILD_SUBREAPER, PR_CAPBSET_DROP = 1, 38, 36, 24
PR_SET_SECUREBITS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 28, 47, 4
SECURE_NOROOT_ALL_LOCKED = 0x2F   # noroot, no_setuid_fixup, keep_caps: set and locked
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1


def _prctl(option: int, arg: int = 0) -> None:
    check(libc().prctl(ctypes.c_int(option), ctypes.c_ulong(arg), ctypes.c_ulong(0), ctypes.c_ulong(0),
                       ctypes.c_ulong(0)), f"prctl {option}")


def _loopback_up() -> None:
    import fcntl
    import socket
    import struct

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        flags = struct.unpack("16sh", fcntl.ioctl(s, SIOCGIFFLAGS, struct.pack("16sh", b"lo", 0)))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sh", b"lo", flags | IFF_UP))


def _enter_namespaces(cfg: dict) -> None:
    flags = CLONE_NEWNS | CLONE_NEWPID | (0 if cfg.get("network") else CLONE_NEWNET)
    if cfg["userns"]:
        uid, gid = os.geteuid(), os.getegid()
        check(libc().unshare(ctypes.c_int(flags | CLONE_NEWUSER)), "unshare")
        for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"), ("gid_map", f"0 {gid} 1")):
            with open(f"/proc/self/{name}", "w") as fh:
                fh.write(text)
    else:
        check(libc().unshare(ctypes.c_int(flags)), "unshare")
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    if not cfg.get("network"):
        _loopback_up()
    new_root(cfg)


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
        check(libc().capset(ctypes.byref(_CapHeader(0x20080522, 0)), data), "capset")
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
            signal_all(left, signal.SIGKILL)
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


def _join_group(procs: str | None) -> None:
    """Join the pids group the grader made for this child's tree, before anything of the child runs (see
    :mod:`autograder.sandbox.pidlimit`); where that fails, the grader's count of the tree's threads stands."""
    if procs:
        try:
            with open(procs, "w") as fh:
                fh.write(str(os.getpid()))
        except OSError:
            pass


def launch(cfg: dict, run=None) -> None:
    """The launcher: set the sandbox up, run the child in it (``exec`` of ``cfg['argv']``, or ``run()``
    in this interpreter, see :mod:`autograder.engine.forkserver`) and exit with its exit code."""
    _join_group(cfg.get("pids_group"))
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
            mount_proc()
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
