"""Fault injection into a class run (real processes, no mocks): the shared Spark Connect server killed in the
middle of a class, a student whose SQL tries to end the server's JVM, a grader that fails on one student,
and a full disk under the output folder. Honest classmates must get exactly their own full marks, the run
must finish and write its class files, and a rerun must finish too.

The class is the tiny assignment of tests/fixtures/root (8 points, about 10 s a submission)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from autograder.batch import grade_class
from autograder.engine.server import ConnectServer
from autograder.registry import load_assignment
from autograder.results import Cause, Status
from autograder.spark import SparkOptions

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
FIXTURE_ROOT = HERE / "fixtures" / "root"
REFERENCE = FIXTURE_ROOT / "solutions" / "00-tiny" / "tiny.py"

# Every SQL function that calls a static Java method, each asked to end the JVM: refused at analysis on the
# shared server (restricted mode), so the task fails as the student's own error and the server lives on.
JVM_EXIT = '''def double(x):
    from pyspark.sql import SparkSession
    spark = SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()
    for fn in ("reflect", "java_method", "try_reflect"):
        try:
            spark.sql(f"SELECT {fn}('java.lang.System', 'exit', 3)").collect()
        except Exception:
            pass
    return 2 * x
'''


@pytest.fixture(scope="module")
def tiny_spec():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SPARKGRADE_ROOT", str(FIXTURE_ROOT))
        yield load_assignment("00-tiny")


@pytest.fixture
def env_root(monkeypatch):
    monkeypatch.setenv("SPARKGRADE_ROOT", str(FIXTURE_ROOT))


def honest_class(folder: Path, names: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copyfile(REFERENCE, folder / f"{name}.py")


def assert_full_marks(result, spec, names: list[str]) -> None:
    for name in names:
        report = result.reports[name]
        assert report.score == spec.total_points, f"{name}:\n{report.to_json()}"


@pytest.mark.long        # two to three minutes: five students, a kill, local regrades, a restart
def test_a_server_killed_mid_class_is_restarted_and_the_students_in_flight_are_graded_again(tiny_spec, env_root,
                                                                                            tmp_path):
    """The server's JVM is killed (SIGKILL, from outside) once the first student is done: the students whose
    grading it touched are graded again alone with local Spark, the server is restarted for the rest,
    and every honest student gets full marks, none `failed` or `error`."""
    klass, out = tmp_path / "class", tmp_path / "graded"
    names = [f"student{i}" for i in range(5)]      # the kill lands while later students still wait to start
    honest_class(klass, names)
    with ConnectServer() as server:
        killed = threading.Event()

        def kill_after_first_report() -> None:
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline and not list((out / "_instructor").glob("*.json")):
                time.sleep(0.2)
            java = server.java_pid()
            if java is not None:
                os.kill(java, signal.SIGKILL)
                killed.set()

        threading.Thread(target=kill_after_first_report, daemon=True).start()
        result = grade_class(tiny_spec, klass, out, SparkOptions(remote=server.url), workers=2, progress=False,
                             work_root=server.work_root, server=server)
        assert killed.is_set(), "the server was not killed during the class"
        assert server.restarts == 1 and not server.gone, server.log.read_text(errors="replace")[-3000:]
        assert server.alive(), server.log.read_text(errors="replace")[-3000:]
    assert_full_marks(result, tiny_spec, names)
    regraded = [n for n in names if any("graded again with local Spark, alone in its own sandbox" in note for note in result.reports[n].notes)]
    assert regraded, {n: (r.notes, r.seconds) for n, r in result.reports.items()}
    book = pd.read_csv(out / "gradebook.csv").set_index("SID")
    assert set(book["Score"]) == {tiny_spec.total_points}


def test_sql_calling_a_static_java_method_leaves_the_server_and_the_classmates_alone(tiny_spec, env_root, tmp_path,
                                                                                      connect_server):
    """reflect/java_method/try_reflect('java.lang.System', 'exit', 3) ended the shared server of a class run;
    the classmates graded after it then got 0 as `failed`. Now the server refuses them, the student keeps
    exactly their honest work, and the classmates after them get full marks."""
    klass, out = tmp_path / "class", tmp_path / "graded"
    (klass).mkdir()
    (klass / "aaa_exit.py").write_text(REFERENCE.read_text(encoding="utf-8").replace(
        "def double(x):\n    return 2 * x\n", JVM_EXIT), encoding="utf-8")
    honest_class(klass, ["student1", "student2"])
    server, restarts = connect_server, connect_server.restarts
    result = grade_class(tiny_spec, klass, out, SparkOptions(remote=server.url), workers=1, progress=False,
                         work_root=server.work_root, server=server)
    assert server.restarts == restarts and server.alive()
    assert_full_marks(result, tiny_spec, ["aaa_exit", "student1", "student2"])


def test_a_grader_failure_on_one_student_is_that_student_s_error_and_the_class_goes_on(tiny_spec, env_root,
                                                                                        tmp_path, monkeypatch,
                                                                                        connect_server):
    """An exception of the grader's own while grading one student (here: its report cannot be serialised,
    a stand-in for any grader bug) is that student's `error`, the others are graded and the class files are
    written; the next run grades that student again and finishes."""
    import autograder.batch as batch

    klass, out = tmp_path / "class", tmp_path / "graded"
    honest_class(klass, ["alice", "bob"])
    real = batch.Grader.grade

    def flaky(self, spec, path, *args, **kwargs):
        if Path(path).stem == "alice":
            raise RecursionError("maximum recursion depth exceeded while walking a folder")
        return real(self, spec, path, *args, **kwargs)

    monkeypatch.setattr(batch.Grader, "grade", flaky)
    warm = dict(work_root=connect_server.work_root, server=connect_server)
    first = grade_class(tiny_spec, klass, out, SparkOptions(remote=connect_server.url), workers=2, progress=False, **warm)
    alice = first.reports["alice"]
    assert {c.status for c in alice.checks} == {Status.ERROR}
    assert {c.cause for c in alice.checks} == {Cause.GRADER_BUG}
    assert "RecursionError" in alice.checks[0].message and "graded again" in alice.checks[0].message
    assert first.reports["bob"].score == tiny_spec.total_points
    canvas = pd.read_csv(out / "canvas.csv")
    assert canvas.shape[0] >= 2
    monkeypatch.setattr(batch.Grader, "grade", real)
    second = grade_class(tiny_spec, klass, out, SparkOptions(remote=connect_server.url), workers=2, progress=False,
                         **warm)
    assert second.graded == 1 and second.skipped == 1
    assert second.reports["alice"].score == tiny_spec.total_points


def test_a_full_disk_under_the_output_folder_ends_in_a_listed_problem_not_an_abort(tiny_spec, env_root, tmp_path,
                                                                                    connect_server):
    """The output folder on a 400 KB tmpfs, filled up before the class files are written: the run returns
    with the outputs it could not write listed, and every student's grade is kept where it fit."""
    out = tmp_path / "graded"
    out.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(out)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode()[:200]}")
    try:
        klass = tmp_path / "class"
        honest_class(klass, ["alice"])
        filler = out / "filler.bin"
        result = None
        with open(filler, "wb") as fh:
            try:
                fh.write(b"\0" * 380 * 1024)
            except OSError:
                pass
        warm = dict(work_root=connect_server.work_root, server=connect_server)
        result = grade_class(tiny_spec, klass, out, SparkOptions(remote=connect_server.url), workers=1,
                             progress=False, **warm)
        assert result.problems, "a full disk went unnoticed"
        assert any("run the same command again" in p for p in result.problems)
        filler.unlink()
        again = grade_class(tiny_spec, klass, out, SparkOptions(remote=connect_server.url), workers=1,
                            progress=False, **warm)
        assert not again.problems
        assert again.reports["alice"].score == tiny_spec.total_points
    finally:
        subprocess.run(["umount", "-l", str(out)], capture_output=True)
