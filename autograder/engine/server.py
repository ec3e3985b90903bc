"""A warm Spark engine for batch grading: a Spark Connect server on 127.0.0.1, started and stopped by the
grader. Each submission's children are thin clients with their own isolated sessions.

The server reads and writes files for its clients, so it runs sandboxed like a child (when the platform
has namespaces): its filesystem is an allow-list holding the runtime, its own folder and ``work_root``,
the one folder where the batch's per-submission work folders live. The project, the solutions and the
hidden data do not exist for it. ``work_root`` is traversable but not listable by the server's user, so
a session can only reach folders whose random names it was given.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path

from autograder.engine.cds import ServerArchive
from autograder.engine.guard import (NO_GUARD, SESSIONS_ENV, AllowedSessions, confinement_option, guard_confs,
                                     guard_jar)
from autograder.engine.localfs import local_fs_jar
from autograder.engine.python_workers import REFUSALS_ENV, install_refuser, refusals
from autograder.engine.sessions import answers_query
from autograder.registry import project_root
from autograder.sandbox import (MARKER, ChildArea, Jail, child_env, isolation, kill_tree, launcher_argv,
                                tree_pids)
from autograder.sandbox.pidlimit import SERVER_NPROC
from autograder.spark import SparkOptions, settings
from autograder.walk import remove_tree

# The server lives for a whole batch: unlike the short-lived grading JVMs it profits from the optimising
# JIT (C2) and the default collector, so the children's SHORT_JVM_OPTIONS are not passed on to it. Hadoop's
# local file system runs `chmod` for every folder it creates (a few hundred per graded submission);
# vfork makes each of those process starts cheaper for a large JVM. Two submissions' sessions at once
# get 2 GB. With G1's default 1 MB regions every buffer over 512 KB (task results, serialized models) is
# a humongous allocation, and each started a concurrent marking cycle (102 cycles, 38 s of GC work for
# 14 submissions); 16 MB regions make them ordinary young objects. Measured on 2 cores, 14 submissions
# of 02 with 2 workers: 105 s with vfork instead of 119 s; then 101 s and 97 s with 16 MB regions against 105 s
# and 110 s without. The JIT compiler threads still used about 30% of the server's CPU after five graded
# submissions (Spark's code paths are many and each is lukewarm); thresholds scaled by 3 leave the
# lukewarm ones interpreted: 100.5 CPU-s instead of 112 for six gradings in a row, and 97.4 s and 99.4 s
# against 100.3 s and 101.8 s for the 14-submission batch (C1 only: 107-112 s). Smaller inlining budgets
# for C2 (FreqInlineSize 100 bytecodes instead of 325, InlineSmallCode 1000 instead of 2500) make its
# compilations much cheaper, and many short queries over small data do not need deep inlining: four
# gradings in a row took 58.6 and 64.9 CPU-s of the server instead of 72.5 and 74.0, and the batch
# 70.7 s and 67.9 s instead of 78.7 s and 71.9 s (escape analysis off: no gain).
# -XX:+DisableAttachMechanism: no process of the server's user may attach to its JVM (jcmd, agents).
SERVER_JVM_OPTIONS = ("-Djdk.lang.Process.launchMechanism=VFORK -XX:G1HeapRegionSize=16m -XX:CompileThresholdScaling=3 "
                      "-XX:FreqInlineSize=100 -XX:InlineSmallCode=1000 -XX:+DisableAttachMechanism")
SERVER_DRIVER_MEMORY = "2g"
SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"

# What a client session must not do to the shared server JVM: static SQL confs (a session cannot change
# them). Restricted mode rejects reflect/java_method/try_reflect (a static Java method such as
# java.lang.System.exit called from SQL) and TRANSFORM ... USING scripts at analysis; the empty allow-list
# pattern would allow every method, so it names none that exists.
# JDBC: Spark ships the embedded Derby engine, whose SQL (run by a JDBC read's sessionInitStatement) can
# install a jar and call its Java (measured: a student's jar ran in the server JVM and deleted classmates'
# outputs); with the generic ("basic") connection provider disabled, no JDBC connection opens at all.
SERVER_SQL_GUARDS = {"spark.sql.restrictedMode.enabled": "true", "spark.sql.reflect.allowList": "^$",
                     "spark.sql.sources.disabledJdbcConnProviderList": "basic"}
LIVENESS_PROBE_S = 2.0          # how often the port is probed, beyond the process check
RESPONSE_TIMEOUT_S = 120.0      # a one-row query on an idle server takes well under a second

# The server's log: warnings and errors only. At Spark's default (INFO) it wrote about 9,000 lines per
# graded submission (125,000 for 14), which for a class of a few hundred is hundreds of MB of log.
SERVER_LOG_CONFIG = """\
rootLogger.level = warn
rootLogger.appenderRef.console.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).resolve().parent


class ConnectServer:
    """``with ConnectServer(options) as server:`` runs a local Spark Connect server (``server.url``) for the
    block's duration; graders of its clients create their work folders in ``server.work_root``.

    It is supervised: :meth:`lost_since` tells a grading whether the server died or was restarted since it
    began (its ``generation``), and :meth:`ensure_alive` restarts a dead server on the same port before the
    next grading. A server that cannot be restarted stays lost: every later grading then runs with local Spark."""

    def __init__(self, options: SparkOptions | None = None, port: int | None = None, startup_timeout_s: float = 120,
                 cache_dir: Path | None = None):
        self.options = replace(options or SparkOptions(), remote=None, java_options=SERVER_JVM_OPTIONS,
                               driver_memory=SERVER_DRIVER_MEMORY)
        self.port = port or free_port()
        self.startup_timeout_s = startup_timeout_s
        self.proc: subprocess.Popen | None = None
        self.token = ""
        self.sandboxed = False
        self.workdir = Path(tempfile.mkdtemp(prefix="sparkgrade-connect-"))
        self.work_root = self.workdir / "work"
        self.cache_dir = cache_dir
        self.local_fs = False           # whether the server uses sparkgrade's NioLocalFileSystem (.localfs)
        self.archive: ServerArchive | None = None     # its class-data-sharing archive (.cds)
        self.generation = 0             # +1 at every restart
        self.restarts = 0
        self.gone = False               # it died and could not be started again
        self._lock = threading.Lock()
        self._probed = (0.0, True)      # (when, whether the port answered)
        self._release = threading.Event()   # set to let the thread that started the running server end
        self._refusals: Path | None = None  # the file refusals are counted in (Python workers, the guard)
        self.sessions = AllowedSessions()   # the sessions the grader opened (the guard allows only these)

    @property
    def url(self) -> str:
        return f"sc://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.workdir / "server.log"

    def command(self, tmp: Path, guard: Path, fs_jar: Path, java_options: str = "") -> list[str]:
        """spark-submit of the server class in the foreground, temporary files under ``tmp``, with the
        guard's jar (:mod:`autograder.engine.guard`) installed over the local file system's ``fs_jar``
        (its file systems confined to ``work_root``); ``java_options`` follow the server's own."""
        options = " ".join(o for o in (self.options.java_options, java_options, f"-Djava.io.tmpdir={tmp}",
                                       confinement_option(self.work_root)) if o)
        conf = {**settings(self.options), "spark.connect.grpc.binding.address": "127.0.0.1",
                "spark.connect.grpc.binding.port": str(self.port), "spark.local.dir": str(tmp),
                "spark.driver.extraJavaOptions": options, **SERVER_SQL_GUARDS, **guard_confs(self.work_root),
                "spark.driver.extraClassPath": os.pathsep.join(str(j) for j in (guard, fs_jar))}
        args = [str(spark_home() / "bin" / "spark-submit"), "--class", SERVER_CLASS, "--name", "Spark Connect server",
                "--master", self.options.master, "--driver-memory", self.options.driver_memory]
        for key, value in conf.items():
            if key != "spark.driver.memory":
                args += ["--conf", f"{key}={value}"]
        return args

    def _launch(self) -> subprocess.Popen:
        """Start the server: inside a jail when the platform has namespaces, else supervised so that it
        dies with the grader."""
        jvm_dir = (self.cache_dir or project_root() / ".cache") / "jvm"
        guard = guard_jar(jvm_dir, spark_home())
        if guard is None:
            raise RuntimeError(NO_GUARD)
        iso = isolation()
        area = ChildArea(self.workdir / "server", iso)
        area.create()
        area.open_for_child()
        log_config = area.home / "log4j2.properties"
        log_config.write_text(SERVER_LOG_CONFIG, encoding="utf-8")
        self.work_root.mkdir(mode=0o711, exist_ok=True)
        self.work_root.chmod(0o711)                       # traversable, not listable, for the server's user
        warehouse = self.work_root / "warehouse"          # the catalog's tables (its file systems reach no further)
        warehouse.mkdir(exist_ok=True)
        if iso.uid is not None and iso.gid is not None:
            os.chown(warehouse, iso.uid, iso.gid)
        # The server's class path must be the same at every start for its class-data-sharing archive: the
        # file-system jar and an empty SPARK_CONF_DIR live in the cache's jvm folder (which the jail shows,
        # read-only; the rest of the cache holds hidden test data and stays out of sight).
        conf_dir = jvm_dir / "conf"
        conf_dir.mkdir(parents=True, exist_ok=True)
        jar = local_fs_jar(jvm_dir, spark_home())      # built with the guard: the guard's file system extends it
        if jar is None:
            raise RuntimeError(NO_GUARD)
        self.local_fs = True
        class_path = [guard, jar, conf_dir, *sorted((spark_home() / "jars").glob("*.jar"))]
        self.archive = ServerArchive(jvm_dir, class_path, SERVER_JVM_OPTIONS)
        self.token = secrets.token_hex(8)
        refuser = install_refuser(jvm_dir)
        granted = self.workdir / "granted"      # the grader's: the server reads the sessions it may serve, writes nothing
        granted.mkdir(mode=0o755, exist_ok=True)
        self._refusals = area.home / "refused"      # its own area: no child sees it
        env = child_env({MARKER: self.token, "HOME": str(area.home), "TMPDIR": str(area.tmp),
                         "SPARK_HOME": str(spark_home()), "SPARK_LOCAL_DIRS": str(area.tmp),
                         "SPARK_CONF_DIR": str(conf_dir), "PYSPARK_PYTHON": str(refuser),
                         "PYSPARK_DRIVER_PYTHON": str(refuser), REFUSALS_ENV: str(self._refusals),
                         SESSIONS_ENV: str(self.sessions.reset(granted / "sessions"))})
        env.pop("PYTHONHASHSEED", None)
        command = self.command(area.tmp, guard, jar, f"-Dlog4j2.configurationFile={log_config} "
                                              f"{self.archive.options(area.home)}".strip())
        log = open(self.log, "ab")          # a restart keeps what the dead server wrote
        if iso.namespaces:
            self.sandboxed = True
            jail = Jail(iso, area, writable=(area.home, area.tmp, self.work_root), readable=(jvm_dir, granted), network=True,
                        nosymfollow=(self.work_root,), nproc=SERVER_NPROC)
            argv = launcher_argv(jail, command, area.home)
        else:
            argv = [sys.executable, "-m", "autograder.engine.supervise", str(os.getpid()), *command]
        try:
            return subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True, cwd=area.home)
        finally:
            log.close()

    def start(self) -> str:
        self.proc = self._launch()
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                code = self.proc.returncode
                self.stop(keep_log=True, record=False)
                raise RuntimeError(f"the Spark Connect server exited with code {code}; see {self.log}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self.url
            except OSError:
                time.sleep(0.5)
        self.stop(keep_log=True, record=False)
        raise RuntimeError(f"the Spark Connect server did not open port {self.port} within "
                           f"{self.startup_timeout_s:g} s; see {self.log}")

    def alive(self) -> bool:
        """Whether the server process runs and (probed every LIVENESS_PROBE_S) its port accepts connections."""
        if self.gone or self.proc is None or self.proc.poll() is not None:
            return False
        when, answered = self._probed
        if time.monotonic() - when >= LIVENESS_PROBE_S:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=5):
                    answered = True
            except OSError:
                answered = False
            self._probed = (time.monotonic(), answered)
        return answered

    def responsive(self) -> bool:
        """Whether the server is alive and runs a real query (:func:`answers_query`): a client that stopped
        the server's SparkContext leaves its process and port up, and every later grading on it would fail."""
        if not self.alive():
            return False
        session = str(uuid.uuid4())
        self.allow_sessions([session])
        return answers_query(self.url, session, timeout_s=RESPONSE_TIMEOUT_S)

    def allow_sessions(self, session_ids: list[str]) -> None:
        """Let these sessions use the server (its guard refuses any other: a child that opens a session of
        its own is graded again with local Spark, and nothing it starts outlives its grading)."""
        self.sessions.allow(session_ids)

    def refusals(self, sessions: list[str] | None = None) -> list[str]:
        """What the server has refused so far (a Python worker, client code, a path outside the work root, a
        session it was not given): all of it, or what ``sessions`` asked for and what names no session. A
        grading that saw this list grow is graded again with local Spark; a classmate's refused request does
        not touch it."""
        found = refusals(self._refusals)
        mine = set(sessions or ())
        return [what for session, what in found if sessions is None or not session or session in mine]

    def lost_since(self, generation: int) -> bool:
        """Whether the server died or was restarted since ``generation``: a grading that began then cannot
        trust what its children did on it."""
        return generation != self.generation or not self.alive()

    def ensure_alive(self) -> int:
        """Restart the server if it died or answers no query (on the same port, with the same work root);
        return the current generation. Thread-safe: concurrent callers restart it once."""
        with self._lock:
            if self.gone or self.responsive():
                return self.generation
            self._kill()
            self.generation += 1
            self.restarts += 1
            self._probed = (0.0, True)
            if not self._start_in_keeper():
                self.gone = True
            return self.generation

    def _start_in_keeper(self) -> bool:
        """Start the server from a thread of its own that lives until the server is stopped or replaced:
        the launcher asks the kernel to kill the server when the *thread* that started it ends
        (PR_SET_PDEATHSIG), so a restart from a grading worker would die with that worker."""
        started, release = threading.Event(), threading.Event()
        outcome: list[bool] = []

        def keep() -> None:
            try:
                self.start()
                outcome.append(True)
            except RuntimeError:
                outcome.append(False)
            started.set()
            if outcome[0]:
                release.wait()

        self._release = release
        threading.Thread(target=keep, name="sparkgrade-connect-keeper", daemon=True).start()
        started.wait()
        return outcome[0]

    def _kill(self) -> None:
        """Kill what is left of the server's process tree (keeping its folders and log)."""
        if self.archive is not None and self.archive.recording:
            self.archive.release()
        if self.proc is not None:
            kill_tree(self.proc.pid, self.token)
            self.proc.wait()
        self.proc = None
        self._release.set()             # the thread that started it may end now

    def stop(self, keep_log: bool = False, record: bool = True) -> None:
        """Stop the server and everything it started, and remove its folders (but the log if asked). A
        server recording its class-data-sharing archive is first asked to exit, so the JVM writes it
        (unless ``record`` is false: the batch was interrupted)."""
        archive, home = self.archive, self.workdir / "server" / "home"
        if archive is not None and archive.recording:
            if record and self.proc is not None and self.proc.poll() is None and self.exit_java():
                archive.keep(home)
            else:
                archive.release()
        if self.proc is not None:
            if self.proc.poll() is None and not self.sandboxed:
                try:
                    self.proc.send_signal(signal.SIGTERM)     # the supervisor stops the server's process group
                    self.proc.wait(timeout=30)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    pass
            kill_tree(self.proc.pid, self.token)
            self.proc.wait()
        self.proc = None
        self._release.set()
        for folder in (self.work_root, self.workdir / "server") if keep_log else (self.workdir,):
            remove_tree(folder, ignore_errors=True)      # work folders of children: any shape

    def java_pid(self) -> int | None:
        """The server's JVM among the processes of its tree, if it is running."""
        for pid in tree_pids(self.proc.pid, self.token) if self.proc is not None else ():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as fh:
                    if os.path.basename(fh.read().split(b"\0")[0]) == b"java":
                        return pid
            except OSError:
                continue
        return None

    def exit_java(self, timeout_s: float = 120) -> bool:
        """Ask the server's JVM to exit (SIGTERM: Spark's shutdown hooks, then the JVM's own exit work) and
        wait for it; False if it was not found or did not exit in time."""
        java = self.java_pid()
        if java is None:
            return False
        os.kill(java, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if java not in tree_pids(self.proc.pid, self.token):
                return True
            time.sleep(0.2)
        return False

    def __enter__(self) -> "ConnectServer":
        if self.proc is None:           # not started yet
            self.start()
        return self

    def __exit__(self, exc_type, *exc) -> None:
        self.stop(record=exc_type is None)
