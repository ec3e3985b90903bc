"""The child's filesystem, built by the launcher inside its private mount namespace: an allow-listed new
root (see :func:`new_root`), read-only except the child's writable folders, and a /proc of its own pid
namespace. Standard library only, and it never imports the package: the launcher, run as a script, loads
this sibling file by path.
"""

from __future__ import annotations

import ctypes
import functools
import os
import platform

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC, MS_PRIVATE = 32, 1024, 2048, 4096, 16384, 1 << 18
MS_RELATIME, MS_STRICTATIME = 1 << 21, 1 << 24
MS_NOSYMFOLLOW = 256                    # Linux 5.10+: symbolic links on the mount are not followed
MOUNT_FLAGS = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC, "noatime": MS_NOATIME,
               "nodiratime": MS_NODIRATIME, "relatime": MS_RELATIME, "strictatime": MS_STRICTATIME}
MNT_DETACH = 2
PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "arm64": 41, "ppc64le": 203, "s390x": 217, "riscv64": 41}
SYSTEM_FOLDERS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")


@functools.lru_cache(maxsize=1)
def libc():
    """The C library, for the system calls the standard library does not wrap."""
    return ctypes.CDLL(None, use_errno=True)


def check(result: int, what: str) -> None:
    """Raise OSError (with errno's text) unless a C call returned 0."""
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def mount(source, target, fstype, flags, data=None) -> None:
    """mount(2); paths and options as str or None."""
    enc = (lambda s: s.encode() if isinstance(s, str) else s)
    check(libc().mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
          f"mount {target}")


def within(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or lies inside it (both real paths)."""
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _depth(path: str) -> int:
    return path.rstrip("/").count("/")


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
    mount(path, target, None, MS_BIND | MS_REC)


def _outermost(paths: list[str]) -> list[str]:
    """The paths not inside another one of ``paths`` (binding those covers the rest)."""
    ordered = sorted(set(paths), key=_depth)
    kept: list[str] = []
    for p in ordered:
        if not any(within(p, k) for k in kept):
            kept.append(p)
    return kept


def _pivot_root(new: str) -> None:
    """Make ``new`` the root of this mount namespace and detach the old one (nothing of it stays
    reachable, not even through '..' or /proc/<pid>/root)."""
    number = PIVOT_ROOT.get(platform.machine())
    if number is None:
        raise OSError(f"pivot_root: unknown syscall number on {platform.machine()}")
    os.chdir(new)
    check(libc().syscall(ctypes.c_long(number), b".", b"."), "pivot_root")
    check(libc().umount2(b".", ctypes.c_int(MNT_DETACH)), "umount old root")
    os.chdir("/")


def new_root(cfg: dict) -> None:
    """Build the child's filesystem from an allow-list: an empty read-only tmpfs holding only the system
    folders, the runtime (interpreter, site-packages, the autograder package, Java), the child's area, a
    /dev and /proc, and private scratch tmpfs on /tmp, /var/tmp and /dev/shm. Everything else on the
    machine (the project, solutions, hidden data, other copies of them, home folders) does not exist
    for the child. Only the child's writable folders are writable."""
    new = cfg["newroot"]
    sources = _outermost([os.path.realpath(p) for p in (*SYSTEM_FOLDERS, *cfg["keep"], *cfg["writable"])
                          if os.path.exists(p)] + ["/dev", "/proc"])
    if any(within(new, p) for p in sources):
        raise OSError(f"the sandbox root {new} lies inside a folder the child may see")
    os.makedirs(new, mode=0o700, exist_ok=True)
    mount("tmpfs", new, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=755")
    scratch = [folder for folder in cfg["scratch"] if folder != "/dev/shm"]
    for folder in scratch:
        os.makedirs(new + folder, mode=0o755, exist_ok=True)
        mount("tmpfs", new + folder, "tmpfs", MS_NOSUID | MS_NODEV, f"size={cfg['scratch'][folder]},mode=1777")
    for link in (p for p in SYSTEM_FOLDERS if os.path.islink(p)):
        os.symlink(os.readlink(link), new + link)       # /bin -> usr/bin on merged-/usr systems
    under_scratch = [p for p in sources if any(within(p, folder) for folder in scratch)]
    for path in [p for p in sources if p not in under_scratch] + under_scratch:
        _bind_into(new, path)                           # under_scratch last: e.g. the child's area in /tmp
    if "/dev/shm" in cfg["scratch"] and os.path.isdir(new + "/dev/shm"):
        mount("tmpfs", new + "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV,
               f"size={cfg['scratch']['/dev/shm']},mode=1777")
    for w in cfg["writable"]:
        if os.path.isdir(new + w):
            mount(new + w, new + w, None, MS_BIND)     # its own mount: stays writable below
    _pivot_root(new)
    _read_only_except(cfg["writable"], cfg["scratch"])
    _no_links_followed(cfg.get("nosymfollow", []))


def _no_links_followed(points: list[str]) -> None:
    """Remount ``points`` so that no symbolic link on them is followed: the shared server's work root, where
    a child could swap a folder for a link between the server's check of a path and its use. Kernels older
    than 5.10 refuse the flag; the server's own check of every path then stands alone."""
    options = dict(_mounts())
    for point in points:
        flags = MS_REMOUNT | MS_BIND | MS_NOSYMFOLLOW
        for option in options.get(point, []):
            flags |= MOUNT_FLAGS.get(option, 0) | (MS_RDONLY if option == "ro" else 0)
        try:
            mount(None, point, None, flags)
        except OSError:
            continue


def _read_only_except(writable: list[str], scratch: dict[str, str]) -> None:
    skip = set(writable) | set(scratch)
    for point, options in reversed(_mounts()):
        if point in skip or within(point, "/proc") or within(point, "/dev"):
            continue
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY
        for option in options:
            flags |= MOUNT_FLAGS.get(option, 0)
        try:
            mount(None, point, None, flags)
        except OSError:
            if point == "/":
                raise


def mount_proc() -> None:
    """A /proc of the new pid namespace, with the host-wide knobs read-only or masked."""
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for p in ("/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus", "/proc/fs"):
        if os.path.exists(p):
            mount(p, p, None, MS_BIND | MS_REC)
            mount(None, p, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for p in ("/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/proc/kallsyms"):
        if os.path.exists(p):
            mount("/dev/null", p, None, MS_BIND)
