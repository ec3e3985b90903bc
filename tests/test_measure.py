"""sparkgrade measure: the [box] table it records, the bisection over box sizes, real cgroup boxes (where this
machine lets us make them) and the 02 reference graded inside Gradescope's default box and below it."""

from __future__ import annotations

import datetime
import subprocess
import sys

import pytest

from autograder.measure import (BoxUnavailable, CgroupBox, Trial, box_table, cgroup_problem, grade_in_box,
                                narrow, record, solution_path)
from autograder.registry import load_assignment
from autograder.spec import load_spec
from tests.test_box import MINIMAL

NO_BOXES = cgroup_problem()
needs_boxes = pytest.mark.skipif(NO_BOXES is not None, reason=f"cannot make cgroup boxes here: {NO_BOXES}")


def trial(memory_mb: int, full: bool) -> Trial:
    return Trial(memory_mb=memory_mb, cpus=0.5, seconds=100.0, peak_mb=memory_mb * 0.9, score=15 if full else 8,
                 max_score=15, not_passed=() if full else ("q3_fitted",), limit_hits=0, timed_out=False,
                 tree_peak_mb=800.0)


def test_narrow_finds_the_smallest_passing_box_with_few_gradings():
    calls = []

    def grade(memory_mb):
        calls.append(memory_mb)
        return trial(memory_mb, memory_mb >= 1024)

    best, tried = narrow([4096, 512, 768, 1024, 1536, 2048, 3072], grade)
    assert best == 1024 and set(tried) == set(calls) and len(calls) <= 3


def test_narrow_says_none_when_no_box_passes():
    best, tried = narrow([768, 1024], lambda m: trial(m, False))
    assert best is None and sorted(tried) == [768, 1024]


def test_a_timed_out_grading_is_not_full_marks():
    assert not Trial(768, 0.5, 600, 700, 15, 15, (), 0, True).full_marks


def test_record_adds_then_replaces_the_box_table(tmp_path):
    folder = tmp_path / "01-x"
    folder.mkdir()
    path = folder / "assignment.toml"
    path.write_text(MINIMAL)
    record(path, box_table(trial(1024, True), datetime.date(2026, 11, 30)))
    assert load_spec(path).box.min_memory_mb == 1024
    record(path, box_table(trial(768, True), datetime.date(2026, 12, 1)))
    spec = load_spec(path)
    assert (spec.box.min_memory_mb, spec.box.measured_on, spec.box.tree_peak_mb) == (768, "2026-12-01", 800.0)
    assert path.read_text().count("[box]") == 1 and spec.checks[0].name == "c1"


def test_record_keeps_tables_after_the_box_table(tmp_path):
    folder = tmp_path / "01-x"
    folder.mkdir()
    path = folder / "assignment.toml"
    head, rest = MINIMAL.split("[[questions]]", 1)
    path.write_text(head + box_table(trial(2048, True)) + "\n[[questions]]" + rest)
    record(path, box_table(trial(1536, True)))
    spec = load_spec(path)
    assert spec.box.min_memory_mb == 1536 and [q.name for q in spec.questions] == ["q1"]


@needs_boxes
def test_a_cgroup_box_limits_memory_and_reports_the_peak():
    grow = "b = bytearray(200 * 2**20); b[::4096] = b'x' * len(b[::4096]); print('ok')"
    with CgroupBox(512, 1.0) as box:
        out = subprocess.run([sys.executable, "-c", grow], preexec_fn=box.enter, capture_output=True, text=True)
        assert out.stdout.strip() == "ok" and 200 <= box.peak_mb() < 512
    with CgroupBox(128, 1.0) as box:
        out = subprocess.run([sys.executable, "-c", grow], preexec_fn=box.enter, capture_output=True, text=True)
        assert out.returncode == -9 and box.peak_mb() <= 129      # the kernel's out-of-memory killer
    assert not box.memory.exists()


def test_boxes_are_refused_with_a_reason_without_cgroups(tmp_path):
    with pytest.raises(BoxUnavailable, match="no writable cgroup"):
        CgroupBox(768, 0.5, base=tmp_path)


# ------------------------------------------------------------------------------------------ whole gradings


@pytest.fixture(scope="module")
def pipelines(root, grader):
    spec = load_assignment("02")
    if spec.box is None:
        pytest.fail("assignments/02-pipelines/assignment.toml has no [box]: run `sparkgrade measure 02`")
    grader.prepared(spec)                   # outside the box, as a Gradescope bundle ships it prepared
    return spec, solution_path(spec, root)


@pytest.mark.long        # three minutes in a 0.5-CPU box; `sparkgrade measure` records the same figure
@needs_boxes
def test_02_reference_scores_full_marks_in_its_recorded_box(pipelines):
    spec, solution = pipelines
    result = grade_in_box(spec, solution, spec.box.min_memory_mb, spec.box.cpus)
    assert result.full_marks, result
    assert result.peak_mb <= spec.box.min_memory_mb


@pytest.mark.slow
@needs_boxes
def test_02_in_a_box_below_its_minimum_is_an_error_for_the_instructor(pipelines, tmp_path):
    import json

    spec, solution = pipelines
    small = spec.box.min_memory_mb - 256
    out = tmp_path / "report.json"
    result = grade_in_box(spec, solution, small, 1.0, report=out)
    assert not result.full_marks
    checks = json.loads(out.read_text())["checks"]
    died = [c for c in checks if c["status"] != "passed"]
    assert died and all(c["status"] == "error" for c in died), died
    assert all(f"this autograder box has {small} MB" in c["message"] and
               f"needs at least {spec.box.min_memory_mb} MB" in c["message"] and "Autograder Settings" in c["message"]
               for c in died)
