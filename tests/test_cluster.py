"""Grading against a real standalone Spark cluster (Master + Worker from the pip package, started and
stopped here by PID) and through a Spark Connect server gives the same scores as local mode."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from autograder.engine.server import free_port, spark_home
from autograder.mutants import solution_file
from autograder.registry import load_assignment
from autograder.runner import Grader
from autograder.spark import SparkOptions

pytestmark = pytest.mark.slow
CLUSTER_ASSIGNMENTS = ["02", "04"]


def outcome(report):
    return [(c.name, c.status.value, c.score) for c in report.checks]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """spark://127.0.0.1:<port> with one worker (1 core, 2 GiB)."""
    work = tmp_path_factory.mktemp("cluster")
    port, ui, worker_ui = free_port(), free_port(), free_port()
    env = {**os.environ, "SPARK_HOME": str(spark_home()), "PYSPARK_PYTHON": sys.executable,
           "SPARK_LOCAL_IP": "127.0.0.1", "SPARK_WORKER_DIR": str(work / "worker"), "SPARK_LOG_DIR": str(work)}
    spark_class = str(spark_home() / "bin" / "spark-class")
    procs = []
    try:
        procs.append(subprocess.Popen([spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                                       "--port", str(port), "--webui-port", str(ui)], env=env, cwd=work,
                                      stdout=open(work / "master.log", "wb"), stderr=subprocess.STDOUT,
                                      start_new_session=True))
        url = f"spark://127.0.0.1:{port}"
        procs.append(subprocess.Popen([spark_class, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                                       "--cores", "1", "--memory", "2g", "--webui-port", str(worker_ui), url],
                                      env=env, cwd=work, stdout=open(work / "worker.log", "wb"),
                                      stderr=subprocess.STDOUT, start_new_session=True))
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                state = json.load(urllib.request.urlopen(f"http://127.0.0.1:{ui}/json", timeout=2))
                if state.get("aliveworkers", 0) >= 1:
                    break
            except (OSError, ValueError):       # not listening yet, or its page before the JSON is served
                pass
            time.sleep(1)
        else:
            pytest.fail(f"the standalone cluster did not come up; see {work}")
        yield url
    finally:
        for proc in reversed(procs):
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)


def full_marks(spec):
    """What local Spark gives every reference (tests/test_assignments.py, the Gradescope emulation):
    each check passed with its points."""
    return [(c.name, "passed", c.points) for c in spec.checks]


@pytest.mark.long       # a minute or two each, plus the cluster's start; Connect equivalence runs every time
@pytest.mark.parametrize("slug", CLUSTER_ASSIGNMENTS)
def test_standalone_cluster_scores_like_local(cluster, root, slug):
    spec = load_assignment(slug)
    report = Grader(spark_options=SparkOptions(master=cluster)).grade(spec, solution_file(spec, root))
    assert outcome(report) == full_marks(spec), report.to_json()


def test_spark_connect_scores_like_local(warm_grader, root):
    for slug in CLUSTER_ASSIGNMENTS:
        spec = load_assignment(slug)
        report = warm_grader.grade(spec, solution_file(spec, root))
        assert outcome(report) == full_marks(spec), report.to_json()
