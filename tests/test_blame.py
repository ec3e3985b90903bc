"""Whose fault it is (autograder.blame): decided from what the grader observed."""

import dataclasses

from autograder.blame import below_minimum
from autograder.box import HARDWARE_SETTING, Box
from autograder.registry import load_assignment
from autograder.results import Cause, CheckResult, Status
from autograder.runner import attach


def test_in_a_box_below_the_measured_minimum_nothing_that_did_not_pass_is_the_student_s_failure(root):
    """The 06 reference in a box below its measured minimum: the streaming JVM died of the box's memory
    without a sign the grader could tell from a failure of the submission's own; every check that did not
    pass there is the grader's (the box's) error, passes stand, and in a big enough box nothing changes."""

    spec = load_assignment("06")
    assert spec.box is not None
    passed, failed = spec.checks[0], spec.checks[1]
    results = [attach(CheckResult.passed("ok"), passed),
               attach(CheckResult.failed("start_stream() stopped by itself (exit code 1)"), failed)]
    small = below_minimum(spec, Box(spec.box.min_memory_mb - 256, 0.5), results)
    assert small[0] == results[0]
    assert small[1].status is Status.ERROR and small[1].cause is Cause.GRADER_INFRASTRUCTURE
    assert f"needs at least {spec.box.min_memory_mb} MB" in small[1].message and HARDWARE_SETTING in small[1].message
    assert below_minimum(spec, Box(spec.box.min_memory_mb, 1), results) == results
    assert below_minimum(dataclasses.replace(spec, box=None), Box(512, 0.5), results) == results
