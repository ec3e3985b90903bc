"""Shared fixtures: one SparkSession per test session (as pyspark.ml's own tests do), the project root,
and one Grader reused across the slow end-to-end tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.registry import project_root
from autograder.runner import Grader
from autograder.spark import SparkOptions, build_session

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
