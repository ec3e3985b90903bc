"""The warm engine: a sandboxed Spark Connect server started and stopped by the grader."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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
    from autograder.engine.javac import javac

    assert connect_server.local_fs == (javac() is not None)


def _files(folder: Path) -> int:
    return sum(len(names) for _, _, names in os.walk(folder))


def _grows_within(folder: Path, seconds: float) -> bool:
    """Whether a file is added under ``folder`` within ``seconds``."""
    before, deadline = _files(folder), time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.2)
        if _files(folder) > before:
            return True
    return False


def test_releasing_a_killed_childs_session_stops_its_query(connect_server):
    """A client killed mid-query leaves the query running in the shared server; releasing the child's
    session (as the grader does once a child has ended) stops it. The query writes 100,000 one-row
    partitions: each of the server's tasks leaves its file in the output folder as it ends (about a hundred
    a second), so files keep appearing exactly as long as the server runs the query, whatever else the
    machine is busy with."""
    url = with_session(connect_server.url)
    connect_server.allow_sessions(session_ids(url, 0))      # the grader opened it (the guard allows no other)
    folder = Path(tempfile.mkdtemp(prefix="query-", dir=connect_server.work_root))
    folder.chmod(0o777)                                  # the server's user writes there
    code = ("from pyspark.sql.connect.session import SparkSession\n"
            f"s = SparkSession.builder.remote({url!r}).getOrCreate()\n"
            "s.range(0, 10**11, 1, 10**5).filter('id % 1000000 = 0')"
            f".write.parquet({str(folder / 'out')!r})\n")
    client = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        try:
            deadline = time.monotonic() + 180
            while not _grows_within(folder, 2):          # the query is running
                assert time.monotonic() < deadline and client.poll() is None, "the query never started"
        finally:
            client.kill()
            client.wait()
        assert _grows_within(folder, 30), "the killed client's query should still be running"
        release_sessions(url, session_ids(url, 2))
        deadline = time.monotonic() + 120
        while _grows_within(folder, 10):                 # stopped: no task has ended for 10 s
            assert time.monotonic() < deadline, "the released session's query is still running"
    finally:
        shutil.rmtree(folder, ignore_errors=True)
