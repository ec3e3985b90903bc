"""Pre-imported children for batch grading: a fork server that imports the harness and PySpark once, then
forks one sandboxed child per request.

A child that is a Spark Connect client does little work of its own, and most of its CPU time went into
starting Python and importing PySpark, pandas and Arrow (about 0.75 CPU-seconds per child, two children
per submission). The fork server pays that once per batch.

Each forked child takes exactly the path of a child started by :func:`autograder.sandbox.run_child`: a new
session, its own stdout/stderr pipe (passed over the control socket), the scrubbed environment of the
request, then the launcher (:func:`autograder.sandbox.launch`): namespaces, the allow-list filesystem, a
private /proc, privileges dropped. Only the last step differs: instead of ``exec``-ing
``python -m <module> <job>``, the child calls ``<module>.main(<job>)`` in the already-initialised
interpreter. The fork server itself never runs submitted code; it holds no grading data.

The server runs as ``python -m autograder.prefork <fd> <module>...`` (``fd``: its end of a SOCK_SEQPACKET
socket pair; the modules requests may run). A request is a JSON message carrying one file descriptor,
the write end of the child's output pipe; the server answers each with ``{"pid": N}`` and reports every
child that ends with ``{"exit": N, "code": C}`` (C as in :attr:`subprocess.Popen.returncode`). The
child stays a zombie, so its pid is not reused, until the grader sends ``{"release": N}``.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

WARM_MODULES = ("autograder.harness.student", "autograder.harness.scorer", "pyspark.sql.connect.session",
                "pyspark.sql.connect.functions", "pyspark.ml", "pyspark.ml.feature", "pyspark.ml.classification",
                "pyspark.ml.regression", "pyspark.ml.clustering", "pyspark.ml.evaluation", "pyspark.ml.tuning")
MODULES = ("autograder.harness.student", "autograder.harness.scorer")     # what requests may run (default)
MAX_MESSAGE = 1 << 20
REAP_INTERVAL_S = 0.05


# ------------------------------------------------------------------------------------------------------
# Grader side


class PreforkedProcess:
    """The part of :class:`subprocess.Popen` that :func:`autograder.sandbox.run_child` uses, for a child
    forked by the server."""

    def __init__(self, server: "ForkServer", pid: int, stdout):
        self._server = server
        self.pid = pid
        self.stdout = stdout
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self._server.exit_code(self.pid)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the end, then let the server reap the child (its pid may be reused from then on)."""
        if self.poll() is None:
            code = self._server.wait_exit(self.pid, timeout)
            if code is None:
                raise subprocess.TimeoutExpired(f"preforked child {self.pid}", timeout)
            self.returncode = code
        self._server.release(self.pid)
        return self.returncode


class ForkServer:
    """``with ForkServer(env) as server:`` runs the fork server for the block; ``server.start(...)``
    starts one sandboxed child. Thread-safe. Create it in a thread that outlives every child (the server
    dies with that thread, as the launcher of any child does)."""

    def __init__(self, env: dict[str, str], modules: tuple[str, ...] = MODULES, startup_timeout_s: float = 120.0):
        self.env = env
        self.modules = tuple(modules)
        self.startup_timeout_s = startup_timeout_s
        self.proc: subprocess.Popen | None = None
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()             # one request at a time on the control socket
        self._exits: dict[int, int] = {}
        self._replies: list[dict] = []
        self._changed = threading.Condition()
        self._reader: threading.Thread | None = None
        self._closed = False

    def __enter__(self) -> "ForkServer":
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.proc = subprocess.Popen([sys.executable, "-P", "-m", "autograder.prefork", str(theirs.fileno()),
                                          *self.modules],
                                         env=self.env, stdin=subprocess.DEVNULL, pass_fds=(theirs.fileno(),),
                                         cwd="/", start_new_session=True)
        finally:
            theirs.close()
        self._sock = ours
        self._reader = threading.Thread(target=self._read, name="prefork-reader", daemon=True)
        self._reader.start()
        ready = self._reply(self.startup_timeout_s)
        if ready.get("ready") is not True:
            self.__exit__()
            raise RuntimeError(f"the fork server did not start: {ready.get('error') or 'no answer'}")
        return self

    def __exit__(self, *exc) -> None:
        self._closed = True
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._sock.close()
        if self.proc is not None:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        with self._changed:
            self._changed.notify_all()

    def _read(self) -> None:
        while True:
            try:
                data = self._sock.recv(MAX_MESSAGE)
            except OSError:
                data = b""
            with self._changed:
                if not data:
                    self._closed = True
                    self._changed.notify_all()
                    return
                message = json.loads(data)
                if "exit" in message:
                    self._exits[int(message["exit"])] = int(message["code"])
                else:
                    self._replies.append(message)
                self._changed.notify_all()

    def _reply(self, timeout: float) -> dict:
        with self._changed:
            self._changed.wait_for(lambda: self._replies or self._closed, timeout)
            return self._replies.pop(0) if self._replies else {}

    def alive(self) -> bool:
        return not self._closed and self.proc is not None and self.proc.poll() is None

    def start(self, module: str, job: Path, cwd: Path, env: dict[str, str], config: dict) -> PreforkedProcess:
        """Fork a child that runs ``module.main(job)`` in ``cwd`` inside the jail ``config`` (as made by
        :meth:`autograder.sandbox.Jail.config`), its output on a pipe. Raises OSError if the server is gone."""
        if module not in self.modules:
            raise ValueError(f"the fork server runs only {', '.join(self.modules)}, not {module}")
        read_end, write_end = os.pipe()
        request = json.dumps({"module": module, "job": str(job), "cwd": str(cwd), "env": env, "config": config})
        try:
            with self._lock:
                if not self.alive():
                    raise OSError("the fork server is not running")
                socket.send_fds(self._sock, [request.encode()], [write_end])
                reply = self._reply(30.0)
        except BaseException:
            os.close(read_end)
            raise
        finally:
            os.close(write_end)
        if "pid" not in reply:
            os.close(read_end)
            raise OSError(f"the fork server could not start the child: {reply.get('error') or 'no answer'}")
        return PreforkedProcess(self, int(reply["pid"]), os.fdopen(read_end, "rb", buffering=0))

    def release(self, pid: int) -> None:
        """Tell the server that the grader is done with the tree of ``pid`` (see :class:`_Children`)."""
        try:
            with self._lock:
                if self.alive():
                    self._sock.send(json.dumps({"release": pid}).encode())
        except OSError:
            pass

    def exit_code(self, pid: int) -> int | None:
        with self._changed:
            if pid in self._exits:
                return self._exits.pop(pid)
            return -signal.SIGKILL if self._closed else None     # the server (and so its children) died

    def wait_exit(self, pid: int, timeout: float | None) -> int | None:
        with self._changed:
            self._changed.wait_for(lambda: pid in self._exits or self._closed, timeout)
        return self.exit_code(pid)


@contextlib.contextmanager
def fork_server(enabled: bool = True):
    """A running :class:`ForkServer` for the block (None if not ``enabled`` or if it cannot start: the
    children are then started the usual way, only more slowly)."""
    if not enabled:
        yield None
        return
    from autograder.sandbox import child_env

    try:
        server = ForkServer(child_env()).__enter__()
    except (OSError, RuntimeError) as exc:
        print(f"sparkgrade: starting every child afresh ({exc})", file=sys.stderr)
        yield None
        return
    try:
        yield server
    finally:
        server.__exit__()


# ------------------------------------------------------------------------------------------------------
# Server side (a process of its own; never runs submitted code)


def _run_child(request: dict, output: int) -> None:
    """In the forked child: become what ``Popen(launcher, start_new_session=True)`` would have started,
    then run the launcher with the harness module's ``main`` in place of ``exec``. Never returns."""
    import tempfile

    from autograder import sandbox

    try:
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(output, 1)
        os.dup2(output, 2)
        for fd in (devnull, output):
            os.close(fd)
        _close_inherited_fds()
        os.environ.clear()
        os.environ.update(request["env"])
        tempfile.tempdir = None                     # TMPDIR is the child's own
        os.chdir(request["cwd"])
        config = dict(request["config"], grader_pid=os.getppid())
        module, job = request["module"], request["job"]
    except BaseException as exc:  # noqa: BLE001
        os.write(2, f"sparkgrade sandbox: could not start the child: {exc}\n".encode())
        os._exit(sandbox.START_FAILED)
    sandbox.launch(config, lambda: _call_main(module, job))


def _close_inherited_fds() -> None:
    """Close every descriptor but stdin, stdout and stderr (nothing is exec-ed, so close-on-exec does not
    apply)."""
    for name in os.listdir("/proc/self/fd"):
        if int(name) > 2:
            try:
                os.close(int(name))
            except OSError:
                pass


def _call_main(module: str, job: str) -> None:
    """What ``python -m module job`` does, in this interpreter. Never returns."""
    code = 1
    try:
        sys.argv = [module, job]        # as ``python -P -m``: the working folder is not put on sys.path
        code = importlib.import_module(module).main(job)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - as the interpreter would: traceback, exit code 1
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001
                pass
    os._exit(code if isinstance(code, int) else 0)


class _Children:
    """The server's forked children. An ended child is reported but stays a zombie until the grader
    releases it (after killing its tree): its pid cannot be reused by an unrelated process while the
    grader may still signal the tree rooted at it."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.running: set[int] = set()
        self.reported: set[int] = set()

    def report_ended(self) -> None:
        for pid in sorted(self.running - self.reported):
            try:
                info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                info = None
                self.running.discard(pid)
            if info is None:
                continue
            code = info.si_status if info.si_code == os.CLD_EXITED else -info.si_status
            self.reported.add(pid)
            self.sock.send(json.dumps({"exit": pid, "code": code}).encode())

    def release(self, pid: int) -> None:
        """Reap an ended child (the grader releases a child only after it was reported ended)."""
        if pid not in self.reported:
            return
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        self.running.discard(pid)
        self.reported.discard(pid)


def serve(fd: int, modules: tuple[str, ...]) -> int:
    """The fork server's loop: import once, then fork a child per request (for one of ``modules``) until
    the grader hangs up."""
    from autograder.sandbox import die_with_parent

    die_with_parent(os.getppid())
    sock = socket.socket(fileno=fd)
    try:
        for name in (*WARM_MODULES, *modules):
            importlib.import_module(name)
    except BaseException as exc:  # noqa: BLE001
        sock.send(json.dumps({"ready": False, "error": f"{type(exc).__name__}: {exc}"}).encode())
        return 1
    sock.send(json.dumps({"ready": True}).encode())
    children = _Children(sock)
    while True:
        readable, _, _ = select.select([sock], [], [], REAP_INTERVAL_S)
        children.report_ended()
        if not readable:
            continue
        try:
            data, fds, _, _ = socket.recv_fds(sock, MAX_MESSAGE, 1)
        except OSError:
            data, fds = b"", []
        if not data:
            for fd_ in fds:
                os.close(fd_)
            return 0
        try:
            request = json.loads(data)
            if "release" in request and not fds:
                children.release(int(request["release"]))
                continue
            if request.get("module") not in modules or len(fds) != 1:
                raise ValueError("a request names a module the server does not run, or carries no output pipe")
        except (ValueError, TypeError) as exc:
            for fd_ in fds:
                os.close(fd_)
            sock.send(json.dumps({"error": str(exc)}).encode())
            continue
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        pid = os.fork()
        if pid == 0:
            sock.close()
            _run_child(request, fds[0])
        os.close(fds[0])
        children.running.add(pid)
        sock.send(json.dumps({"pid": pid}).encode())


if __name__ == "__main__":
    sys.exit(serve(int(sys.argv[1]), tuple(sys.argv[2:])))
