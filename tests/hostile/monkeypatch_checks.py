"""Hostile: monkeypatches the check library, the result type, unittest and the harness (the otter-style
attack: tests run in the student's process there). Its answers are wrong."""

import sys
import unittest

import autograder.checks as checks
import autograder.harness.student as harness
from autograder.checks import basic, dataframe, metrics, persistence, pipeline
from autograder.results import CheckResult


def _always(*args, **kwargs):
    return CheckResult.passed("patched")


for _name in list(checks.CHECK_KINDS):
    checks.CHECK_KINDS[_name] = checks.CheckKind(_always, None)
basic.judge_value = basic.judge_task_ok = dataframe.judge_schema = dataframe.judge_values = _always
metrics.judge = persistence.judge = pipeline.judge = _always
dataframe.close_enough = lambda *a, **k: True
CheckResult.failed = classmethod(lambda cls, *a, **k: CheckResult.passed("patched"))
CheckResult.error = classmethod(lambda cls, *a, **k: CheckResult.passed("patched"))
for _assert in [n for n in dir(unittest.TestCase) if n.startswith("assert")]:
    setattr(unittest.TestCase, _assert, lambda *a, **k: None)
# every task "succeeds" without doing anything: in the imported harness module and in the running one
harness.run_task = lambda ctx, task, tasks_module: None
if hasattr(sys.modules["__main__"], "run_task"):
    sys.modules["__main__"].run_task = harness.run_task


def double(x):
    return x
