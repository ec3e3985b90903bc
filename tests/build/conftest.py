import pytest

from autograder.build import build
from autograder.registry import load_assignment


@pytest.fixture(scope="session")
def built(tmp_path_factory, grader, root):
    """Assignment 02 built once for the build tests: (spec, BuildResult)."""
    spec = load_assignment("02")
    out = tmp_path_factory.mktemp("dist")
    (result,) = build([spec], out, root, grader.prepared)
    return spec, result
