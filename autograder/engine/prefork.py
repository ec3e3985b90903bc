"""Pre-imported children for batch grading, grader side: :class:`ForkServer` starts and talks to the fork
server (:mod:`autograder.engine.forkserver`, a process of its own), which imports the harness and PySpark
once, then forks one sandboxed child per request.

A child that is a Spark Connect client does little work of its own, and most of its CPU time went into
starting Python and importing PySpark, pandas and Arrow (about 0.75 CPU-seconds per child, two children
per submission). The fork server pays that once per batch.

Each forked child takes exactly the path of a child started by :func:`autograder.sandbox.run_child`: a new
session, its own stdout/stderr pipe (passed over the control socket), the scrubbed environment of the
request, then the launcher (:func:`autograder.sandbox.launch`): namespaces, the allow-list filesystem, a
private /proc, privileges dropped. Only the last step differs: instead of ``exec``-ing
``python -m <module> <job>``, the child calls ``<module>.main(<job>)`` in the already-initialised
interpreter. The fork server itself never runs submitted code; it holds no grading data.

The server runs as ``python -P -m autograder.engine.forkserver <fd> <module>...`` (``fd``: its end of a
SOCK_SEQPACKET socket pair; the modules requests may run). A request is a JSON message carrying one file
descriptor, the write end of the child's output pipe; the server answers each with ``{"pid": N}`` and
reports every child that ends with ``{"exit": N, "code": C}`` (C as in
:attr:`subprocess.Popen.returncode`). The child stays a zombie, so its pid is not reused, until the grader
sends ``{"release": N}``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

from autograder.engine.forkserver import MAX_MESSAGE
from autograder.sandbox import child_env

MODULES = ("autograder.harness.student", "autograder.harness.scorer")     # what requests may run (default)
SERVER_MODULE = "autograder.engine.forkserver"


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
            self.proc = subprocess.Popen([sys.executable, "-P", "-m", SERVER_MODULE, str(theirs.fileno()),
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
