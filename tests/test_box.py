"""The grading box: the [box] table of assignment.toml, reading cgroup v1/v2 limits from fake trees, the
sizing rules and the decision whether a JVM death is the student's or the box's fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.errors import SpecError
from autograder.spec import load_spec

MINIMAL = '''
slug = "01-x"
title = "t"
module = "m.py"
[data]
dataset = "credit"
[[questions]]
name = "q1"
title = "Q"
[[tasks]]
name = "t1"
call = "f"
[[checks]]
name = "c1"
question = "q1"
kind = "task_ok"
points = 1
tasks = ["t1"]
'''


def spec_with(tmp_path: Path, box: str):
    folder = tmp_path / "01-x"
    folder.mkdir()
    (folder / "assignment.toml").write_text(MINIMAL + box)
    return load_spec(folder / "assignment.toml")


def test_box_table_is_read(tmp_path):
    spec = spec_with(tmp_path, "[box]\nmin_memory_mb = 768\ncpus = 0.5\nseconds = 212.4\npeak_mb = 701\n"
                               "measured_on = 2026-11-30\n")
    assert (spec.box.min_memory_mb, spec.box.cpus, spec.box.seconds, spec.box.peak_mb) == (768, 0.5, 212.4, 701.0)
    assert spec.box.measured_on == "2026-11-30"


def test_box_table_is_optional(tmp_path):
    assert spec_with(tmp_path, "").box is None


@pytest.mark.parametrize("body, key", [
    ("min_memory_mb = 100\ncpus = 0.5\nseconds = 1\npeak_mb = 1\nmeasured_on = 2026-11-30", "box.min_memory_mb"),
    ("min_memory_mb = 768\ncpus = 0\nseconds = 1\npeak_mb = 1\nmeasured_on = 2026-11-30", "box.cpus"),
    ("min_memory_mb = 768\ncpus = 1\nseconds = 1\npeak_mb = 1\nmeasured_on = 'yesterday'", "box.measured_on"),
    ("min_memory_mb = 768\ncpus = 1\nseconds = 1\nmeasured_on = 2026-11-30", "box.peak_mb"),
    ("min_memory_mb = 768\ncpus = 1\nseconds = 1\npeak_mb = 1\nmeasured_on = 2026-11-30\nram = 3", "box.ram"),
])
def test_box_table_errors_name_the_key(tmp_path, body, key):
    with pytest.raises(SpecError, match=key.replace(".", r"\.")):
        spec_with(tmp_path, "[box]\n" + body + "\n")
