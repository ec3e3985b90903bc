"""The sandboxed children load only the child side of the package before the submission runs: not the
grader (runner, checks, sandbox, the phase drivers) nor pandas, matplotlib or gRPC."""

import json
import subprocess
import sys

import pytest

from autograder.sandbox import child_env

CHILDREN = ["autograder.harness.student", "autograder.harness.scorer"]
GRADER_ONLY = ("autograder.runner", "autograder.checks", "autograder.sandbox", "autograder.registry",
               "autograder.harness.student_phase", "autograder.harness.scoring_phase")
HEAVY = ("pandas", "matplotlib", "grpc")


def loaded_by(module: str) -> list[str]:
    """Modules loaded in a fresh interpreter by the child's entry module and the part of PySpark its
    session needs: what is in memory when the submission starts to run."""
    code = (f"import json, sys, {module}, pyspark.sql\n"
            "print(json.dumps(sorted(sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", code], env=child_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("module", CHILDREN)
def test_a_child_loads_neither_the_grader_nor_heavy_libraries(module):
    modules = loaded_by(module)
    assert module in modules and "pyspark.sql" in modules
    unwanted = [m for m in modules if m.split(".")[0] in HEAVY or m.startswith(GRADER_ONLY)]
    assert not unwanted, unwanted


def test_the_package_imports_its_public_api_on_first_use():
    import autograder

    assert autograder.GradeReport.__module__ == "autograder.results"
    assert callable(autograder.grade_submission) and callable(autograder.load_assignment)
    with pytest.raises(AttributeError):
        autograder.no_such_name  # noqa: B018
