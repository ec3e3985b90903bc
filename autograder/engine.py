"""A warm Spark engine for batch grading: a Spark Connect server on 127.0.0.1, started and stopped by the
grader. Each submission's children are thin clients with their own isolated sessions."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.spark import SparkOptions, settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).resolve().parent


class ConnectServer:
    """``with ConnectServer(options) as url:`` runs a local Spark Connect server for the block's duration."""

    def __init__(self, options: SparkOptions | None = None, port: int | None = None, startup_timeout_s: float = 120):
        self.options = options or SparkOptions()
        self.port = port or free_port()
        self.startup_timeout_s = startup_timeout_s
        self.proc: subprocess.Popen | None = None
        self.workdir = Path(tempfile.mkdtemp(prefix="sparkgrade-connect-"))

    @property
    def url(self) -> str:
        return f"sc://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        conf = {**settings(self.options), "spark.connect.grpc.binding.address": "127.0.0.1",
                "spark.connect.grpc.binding.port": str(self.port)}
        args = [str(spark_home() / "sbin" / "start-connect-server.sh"), "--wait", "--master", self.options.master,
                "--driver-memory", self.options.driver_memory]
        for key, value in conf.items():
            if key != "spark.driver.memory":
                args += ["--conf", f"{key}={value}"]
        return args

    def start(self) -> str:
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent), "SPARK_HOME": str(spark_home()), "SPARK_LOG_DIR": str(self.workdir / "logs"),
               "SPARK_PID_DIR": str(self.workdir), "PYSPARK_PYTHON": sys.executable, "SPARK_LOCAL_IP": "127.0.0.1"}
        log = open(self.workdir / "server.log", "wb")
        supervised = [sys.executable, "-m", "autograder.supervise", str(os.getpid()), *self.command()]
        self.proc = subprocess.Popen(supervised, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True, cwd=self.workdir)
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the Spark Connect server exited with code {self.proc.returncode}; "
                                   f"see {self.workdir / 'server.log'}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self.url
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"the Spark Connect server did not open port {self.port} within "
                           f"{self.startup_timeout_s:g} s; see {self.workdir / 'server.log'}")

    def stop(self) -> None:
        """Stop the server (the supervisor stops the server's process group, then exits)."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait()
        self.proc = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
