"""Processes a harness task or a scoring probe starts: a batch job under ``spark-submit``, a streaming
driver, a server.

Each runs in its own process group with its output in a log file, under a time limit, and is killed
with its whole group (the JVM and Python workers included) when it overruns, when the task is done
with it, or when the task itself fails (use it as a context manager)::

    with start(argv, log) as proc:
        ...                          # poll proc.running(), read proc.tail()
        proc.kill()                  # SIGKILL the whole group (a crash, as far as the process can tell)

They live inside a sandboxed child (the student process, or the scoring process for a probe), so the
sandbox's limits and final kill cover them too.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from autograder.box import JVMS_AT_ONCE_ENV
from autograder.spark import SHORT_JVM_OPTIONS, SparkOptions, memory_mb

LOG_TAIL_BYTES = 64_000
SPARK_SUBMIT_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "4",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.adaptive.enabled": "false",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.extraJavaOptions": SHORT_JVM_OPTIONS,
}


class ProcessTimeout(Exception):
    """A process did not finish within its time limit (it has been killed)."""


class ProbeFailed(Exception):
    """Raised by a scoring probe (an assignment's ``tasks.py`` function the scoring process runs): what it
    observed of the submission's processes fails the request; the message is the student's to read."""


def process_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment, with Spark's Python set to this interpreter and ``autograder``
    importable (the sandbox's limits, HOME and TMPDIR pass through unchanged)."""
    env = dict(os.environ)
    env.update({"PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable,
                "SPARK_LOCAL_IP": "127.0.0.1"})
    root = str(Path(__file__).resolve().parent.parent.parent)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join([root] + [p for p in paths if p != root])
    env[SECONDARY_ENV] = json.dumps(secondary_conf())
    env.update(extra or {})
    return env


SECONDARY_ENV = "SPARKGRADE_SECONDARY_CONF"


def secondary_options(app_name: str):
    """SparkOptions for a session in a process a task started (a streaming driver): sized like a
    spark-submit there (:func:`secondary_conf`, handed over by :func:`process_env`)."""
    try:
        conf = json.loads(os.environ.get(SECONDARY_ENV, "{}"))
    except ValueError:
        conf = {}
    extra = {k: v for k, v in conf.items() if k in ("spark.testing.reservedMemory", *PREPARED_KEYS)}
    return SparkOptions(master=conf.get("spark.master", "local[2]"), app_name=app_name,
                        driver_memory=conf.get("spark.driver.memory", SECONDARY_DRIVER_MEMORY),
                        java_options=conf.get("spark.driver.extraJavaOptions", SHORT_JVM_OPTIONS), conf=extra)


SECONDARY_DRIVER_MEMORY = "512m"
# What `sparkgrade prepare` made, on the grading JVM's class path: a JVM started beside it needs the same
# class path, else the class-data archive in its JVM options does not map (and its classes cost memory).
PREPARED_KEYS = ("spark.driver.extraClassPath", "spark.hadoop.fs.file.impl")


def secondary_conf() -> dict[str, str]:
    """Settings of a JVM a task starts beside its own (spark-submit, a streaming driver): the grading
    JVM's master, JVM options and Spark reserve, and its heap up to 512m, so that both fit the box the
    grader sized it for (autograder.box). Without a running local session: what :func:`keep_secondary_conf`
    kept, else 512m, local[2]."""
    from pyspark import SparkContext

    context = SparkContext._active_spark_context
    if context is None:
        try:        # a process that ended its JVM (one JVM at a time) hands on what it kept: keep_secondary_conf
            return dict(json.loads(os.environ[SECONDARY_ENV]))
        except (KeyError, ValueError, TypeError):
            return {"spark.driver.memory": SECONDARY_DRIVER_MEMORY, "spark.master": "local[2]"}
    conf = context.getConf()
    heap = min(memory_mb(conf.get("spark.driver.memory", SECONDARY_DRIVER_MEMORY)), memory_mb(SECONDARY_DRIVER_MEMORY))
    wanted = {"spark.driver.memory": f"{heap}m", "spark.master": conf.get("spark.master", "local[2]")}
    for key in ("spark.driver.extraJavaOptions", "spark.testing.reservedMemory", *PREPARED_KEYS):
        if conf.contains(key):
            wanted[key] = conf.get(key)
    return wanted


def keep_secondary_conf() -> None:
    """Before this process ends its JVM: the settings of the JVMs it will start (:func:`secondary_conf`, read
    from the running one) kept in its own environment, which :func:`process_env` hands on to them."""
    from pyspark import SparkContext

    if SparkContext._active_spark_context is not None:
        os.environ[SECONDARY_ENV] = json.dumps(secondary_conf())


def spark_submit_command(script: str | Path, args: list[str], master: str | None = None,
                         driver_memory: str | None = None, conf: dict[str, str] | None = None) -> list[str]:
    """``spark-submit`` of the installed pyspark package, local and quiet, on loopback only; master and
    driver memory default to :func:`secondary_conf`."""
    import pyspark

    executable = Path(pyspark.__file__).resolve().parent / "bin" / "spark-submit"
    if not executable.is_file():
        raise FileNotFoundError(f"{executable} is missing: the pyspark installation has no spark-submit")
    sized = secondary_conf()
    command = [str(executable), "--master", master or sized.pop("spark.master"),
               "--driver-memory", driver_memory or sized.pop("spark.driver.memory")]
    sized.pop("spark.master", None)
    sized.pop("spark.driver.memory", None)
    for key, value in {**SPARK_SUBMIT_CONF, **sized, **(conf or {})}.items():
        command += ["--conf", f"{key}={value}"]
    return command + [str(script)] + [str(a) for a in args]


class Process:
    """A started process group; see :func:`start`."""

    def __init__(self, argv: list[str], log: Path, popen: subprocess.Popen):
        self.argv, self.log, self.popen = argv, log, popen

    def __enter__(self) -> "Process":
        return self

    def __exit__(self, *exc) -> None:
        self.kill()

    def running(self) -> bool:
        return self.popen.poll() is None

    @property
    def returncode(self) -> int | None:
        return self.popen.poll()

    def kill(self) -> None:
        """SIGKILL every process of the group (no chance to clean up, like a machine failure) and reap."""
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass

    def wait(self, timeout_s: float) -> int:
        """The exit code; kills the group and raises :class:`ProcessTimeout` after ``timeout_s``."""
        try:
            code = self.popen.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()
            raise ProcessTimeout(f"did not finish within {timeout_s:g} s and was stopped") from None
        self.kill()                       # whatever the leader left behind in its group
        return code

    def tail(self) -> str:
        """The end of the log (stdout and stderr together)."""
        try:
            with open(self.log, "rb") as fh:
                fh.seek(max(0, fh.seek(0, os.SEEK_END) - LOG_TAIL_BYTES))
                return fh.read().decode("utf-8", errors="replace")
        except OSError:
            return ""

    def error(self) -> str:
        """The most useful line of the log for a failure: see :func:`error_summary`."""
        return error_summary(self.tail())


def one_jvm_at_a_time() -> bool:
    """Whether this child's box holds one grading JVM at a time, as the grader told it
    (:data:`autograder.box.JVMS_AT_ONCE_ENV`): then no JVM of this process may wait idle beside one a
    process it started runs."""
    return os.environ.get(JVMS_AT_ONCE_ENV, "").strip() == "1"


def give_back_heap() -> None:
    """A full collection in this process's own JVM, if it has one, before another process starts beside it:
    the JVM waits idle meanwhile, and with the small box's heap settings (serial GC, ``MaxHeapFreeRatio``;
    :mod:`autograder.box`) a collection returns the heap it does not use to the box, where the new
    process's JVM needs it. Any failure only means that nothing was given back."""
    from pyspark import SparkContext

    jvm = getattr(SparkContext._active_spark_context, "_jvm", None)
    try:
        if jvm is not None:
            jvm.java.lang.System.gc()
    except Exception:  # noqa: BLE001 - an optimisation only
        pass


def start(argv: list[str], log: Path, cwd: Path | None = None, env: dict[str, str] | None = None,
          pass_fds: tuple[int, ...] = ()) -> Process:
    """Start ``argv`` in a new process group, stdout and stderr appended to ``log``; ``pass_fds`` stay
    open in it (a listening socket the caller made, so that the caller knows the port without asking).
    This process's JVM gives back the heap it does not use first (:func:`give_back_heap`)."""
    give_back_heap()
    log = Path(log)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        popen = subprocess.Popen([str(a) for a in argv], cwd=cwd, env=env or process_env(),
                                 stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                 start_new_session=True, pass_fds=tuple(pass_fds))
    return Process([str(a) for a in argv], log, popen)


def run(argv: list[str], log: Path, timeout_s: float, cwd: Path | None = None,
        env: dict[str, str] | None = None) -> Process:
    """Run ``argv`` to completion (see :meth:`Process.wait`); the finished process is returned."""
    proc = start(argv, log, cwd, env)
    proc.wait(timeout_s)
    return proc


def wait_until(condition, timeout_s: float, proc: Process | None = None, poll_s: float = 0.05) -> bool:
    """Poll ``condition()`` until it is true (True), ``timeout_s`` passes or ``proc`` ends (False)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        if proc is not None and not proc.running():
            return bool(condition())
        time.sleep(poll_s)
    return False


_EXCEPTION = re.compile(r"^([A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Failed)|Traceback)\b")
_LOG_LINE = re.compile(r"^(\d\d/\d\d/\d\d |\d{4}-\d\d-\d\d[ T]|\s*at |WARNING: |Setting default log level|"
                       r"To adjust logging level|Using Spark's default log4j)")


def error_summary(text: str, limit: int = 600) -> str:
    """The last Python exception line of a log (``ValueError: ...``), else its last line that is not
    Spark's own logging; cut to ``limit`` characters."""
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    exceptions = [line for line in lines if _EXCEPTION.match(line) and not line.startswith("Traceback")]
    if exceptions:
        return exceptions[-1][:limit]
    plain = [line for line in lines if not _LOG_LINE.match(line)]
    return (plain[-1] if plain else (lines[-1] if lines else "(no output)"))[:limit]


def loopback_socket() -> socket.socket:
    """A listening TCP socket on 127.0.0.1 with a free port chosen by the kernel (hand it to a server:
    no other process can take the port in between)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock
