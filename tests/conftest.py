"""Shared fixtures: one SparkSession per test session (as pyspark.ml's own tests do), the project root,
and one Grader reused across the slow end-to-end tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.registry import project_root
from autograder.runner import Grader
from autograder.spark import SparkOptions, build_session
from autograder.walk import remove_tree

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def root() -> Path:
    assert project_root() == ROOT, "run the tests from the project checkout (SPARKGRADE_ROOT unset)"
    return ROOT


@pytest.fixture(scope="session")
def spark():
    session = build_session(SparkOptions(app_name="sparkgrade-tests"))
    yield session


@pytest.fixture(scope="session")
def grader() -> Grader:
    return Grader()


@pytest.fixture(scope="session")
def connect_server():
    """One warm, sandboxed Spark Connect server on 127.0.0.1 for the whole test session."""
    from autograder.engine.server import ConnectServer

    with ConnectServer() as server:
        yield server


@pytest.fixture(scope="session")
def warm_grader(connect_server) -> Grader:
    """A Grader whose children are thin Spark Connect clients of the shared server."""
    return Grader(spark_options=SparkOptions(remote=connect_server.url), work_root=connect_server.work_root,
                  server=connect_server)


@pytest.fixture
def deep_tmp_path(tmp_path):
    """``tmp_path`` for a test that makes folders thousands of levels deep: deleted after the test whatever
    its outcome, since pytest's own clean-up of old temporary folders recurses and would fail on them."""
    yield tmp_path
    remove_tree(tmp_path, ignore_errors=True)
