"""The warm engine: a sandboxed Spark Connect server started and stopped by the grader."""

import pytest

from autograder.engine import SERVER_LOG_CONFIG

pytestmark = pytest.mark.slow


def test_the_server_logs_warnings_and_errors_only(connect_server):
    assert (connect_server.workdir / "server" / "home" / "log4j2.properties").read_text() == SERVER_LOG_CONFIG
    text = connect_server.log.read_text(errors="replace")
    assert " INFO " not in text, text[:2000]
    assert connect_server.url.startswith("sc://127.0.0.1:")
