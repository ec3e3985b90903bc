"""The fork server: a process of its own (``python -P -m autograder.engine.forkserver <fd> <module>...``)
that imports the harness and PySpark once, then forks one sandboxed child per request of the grader
(:class:`autograder.engine.prefork.ForkServer`, where the protocol is described). It never runs submitted
code and holds no grading data; it imports nothing but the standard library until it serves.
"""

from __future__ import annotations

import importlib
import json
import os
import select
import signal
import socket
import sys

WARM_MODULES = ("autograder.harness.student", "autograder.harness.scorer", "pyspark.sql.connect.session",
                "pyspark.sql.connect.functions", "pyspark.ml", "pyspark.ml.feature", "pyspark.ml.classification",
                "pyspark.ml.regression", "pyspark.ml.clustering", "pyspark.ml.evaluation", "pyspark.ml.tuning")
MAX_MESSAGE = 1 << 20
REAP_INTERVAL_S = 0.05


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
