"""The warm engine: a sandboxed Spark Connect server started and stopped by the grader."""

import os
import subprocess
import sys
import time

import pytest

from autograder.engine.server import SERVER_LOG_CONFIG
from autograder.engine.sessions import release_sessions
from autograder.spark import session_ids, with_session

pytestmark = pytest.mark.slow


def test_the_server_logs_warnings_and_errors_only(connect_server):
    assert (connect_server.workdir / "server" / "home" / "log4j2.properties").read_text() == SERVER_LOG_CONFIG
    text = connect_server.log.read_text(errors="replace")
    assert " INFO " not in text, text[:2000]
    assert connect_server.url.startswith("sc://127.0.0.1:")


def test_the_server_uses_the_nio_file_system_where_javac_exists(connect_server):
    """(test_cluster grades the 02 reference on this server with full marks: its saved models are
    written through this file system.)"""
    from autograder.engine.localfs import javac

    assert connect_server.local_fs == (javac() is not None)


def _server_cpu_s(server) -> float:
    """CPU seconds used so far by the server's processes."""
    from autograder.sandbox import tree_pids

    ticks = 0
    for pid in tree_pids(server.proc.pid, server.token):
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return ticks / os.sysconf("SC_CLK_TCK")


def _cpu_over(server, seconds: float) -> float:
    before = _server_cpu_s(server)
    time.sleep(seconds)
    return _server_cpu_s(server) - before


def test_releasing_a_killed_childs_session_stops_its_query(connect_server):
    """A client killed mid-query leaves the query running in the shared server; releasing the child's
    session (as the grader does once a child has ended) stops it."""
    url = with_session(connect_server.url)
    code = ("from pyspark.sql.connect.session import SparkSession\n"
            f"s = SparkSession.builder.remote({url!r}).getOrCreate()\n"
            "s.range(10**12, numPartitions=2).selectExpr('sum(hash(id))').collect()\n")
    client = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while _cpu_over(connect_server, 2) < 1.0:            # the query is running
            assert time.monotonic() < deadline and client.poll() is None, "the query never started"
    finally:
        client.kill()
        client.wait()
    assert _cpu_over(connect_server, 4) > 2.0, "the killed client's query should still be running"
    release_sessions(url, session_ids(url, 2))
    time.sleep(2)
    assert _cpu_over(connect_server, 5) < 0.8

