"""Batch grading of a class: warm Spark Connect engine, per-student feedback, gradebook, and a run that
is killed with SIGKILL mid-way and then resumed without regrading or losing anything."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from autograder.registry import load_assignment

pytestmark = pytest.mark.slow


def processes(pattern: str) -> int:
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    return sum(pattern in line for line in out.splitlines())


def connect_servers() -> int:
    return processes("SparkConnectServer")


def fork_servers() -> int:
    return processes("-m autograder.engine.forkserver")


def test_class_is_graded_resumably_after_sigkill(root, tmp_path):
    spec = load_assignment("02")
    klass, out = tmp_path / "class", tmp_path / "graded"
    (klass / "carol").mkdir(parents=True)
    shutil.copyfile(root / "solutions" / spec.slug / spec.module, klass / "alice.py")
    shutil.copyfile(spec.path / spec.module, klass / "bob.py")
    shutil.copyfile(root / "solutions" / spec.slug / spec.module, klass / "carol" / "pipelines.py")
    (klass / "dave.zip").write_text("not a zip")
    (klass / "erin.py").write_text("def build_pipeline(:\n")
    servers_before, forks_before = connect_servers(), fork_servers()
    command = [sys.executable, "-m", "autograder.cli", "grade", spec.slug, str(klass), "--class", "--out", str(out),
               "--workers", "2"]

    first = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while not list(out.glob("*/report.json")) and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.5)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    finished = {p.parent.name: p.stat().st_mtime_ns for p in out.glob("*/report.json")}
    assert finished, "no submission finished before the kill"
    for _ in range(60):
        if connect_servers() <= servers_before and fork_servers() <= forks_before:
            break
        time.sleep(1)
    assert connect_servers() <= servers_before, "the Spark Connect server outlived its killed grader"
    assert fork_servers() <= forks_before, "the fork server (or a child it forked) outlived its killed grader"

    second = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert second.returncode == 0, second.stderr[-3000:]
    assert f"skipped {len(finished)} already graded" in second.stdout
    for student, mtime in finished.items():
        assert (out / student / "report.json").stat().st_mtime_ns == mtime, f"{student} was regraded"

    book = pd.read_csv(out / "gradebook.csv").set_index("SID")
    assert sorted(book.index) == ["alice", "bob", "carol", "dave", "erin"]
    assert book.loc["alice", "Score"] == book.loc["carol", "Score"] == spec.total_points
    assert book.loc["bob", "Score"] == book.loc["dave", "Score"] == book.loc["erin", "Score"] == 0
    dave = json.loads((out / "_instructor" / "dave.json").read_text())
    assert all("not a readable zip" in c["message"] for c in dave["checks"])
    assert any("not a readable zip" in n for n in json.loads((out / "dave" / "report.json").read_text())["notes"])
    erin = json.loads((out / "_instructor" / "erin.json").read_text())
    assert any("SyntaxError" in n for n in erin["notes"])
    assert all(c["status"] == "failed" for c in erin["checks"])
    assert (out / "erin" / "report.md").read_text().startswith("# 02-pipelines: feedback for erin")
    for student in ("alice", "bob", "erin"):      # a student's own files: hidden checks without their results
        mine = json.loads((out / student / "report.json").read_text())
        hidden = [c for c in mine["checks"] if c["visibility"] != "visible"]
        assert hidden and not any("message" in c or "hint" in c or "status" in c for c in hidden)
        assert not any(n.startswith("sandbox:") for n in mine["notes"])
    for name in ("canvas.csv", "summary.csv", "summary.png"):
        assert (out / name).stat().st_size > 0
    assert not list(out.rglob("*.tmp"))


def test_progress_names_the_students_being_graded():
    from autograder.batch import now_grading

    assert now_grading("02-pipelines", {"bob", "alice"}) == "02-pipelines: alice, bob"
    assert now_grading("02-pipelines", set()) == "02-pipelines: between students"
    long = now_grading("02-pipelines", {f"student{i:02d}" for i in range(10)}, width=20)
    assert long.endswith("...") and len(long) < 60
