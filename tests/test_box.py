"""The grading box: the [box] table of assignment.toml, reading cgroup v1/v2 limits from fake trees, the
sizing rules and the decision whether a JVM death is the student's or the box's fault."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from autograder.errors import SpecError
from autograder.spec import load_spec
from tests.test_spec import MINIMAL as SPEC_TEMPLATE

MINIMAL = SPEC_TEMPLATE.format(slug="01-x")


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


# ------------------------------------------------------------------------------------------ reading a box

from autograder.box import (Box, HARDWARE_SETTING, MIN_HEAP_MB, MemoryEvidence, box_fault, oom_kills,  # noqa: E402
                            read_box, size)

MEMINFO = "MemTotal:       24683520 kB\nMemFree:        1000 kB\n"


def fake_root(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "root"
    for name, text in {"proc/meminfo": MEMINFO, **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_cgroup_v2_limits_of_the_own_group(tmp_path):
    root = fake_root(tmp_path, {
        "proc/self/cgroup": "0::/autograder/job\n",
        "sys/fs/cgroup/cgroup.controllers": "cpu memory\n",
        "sys/fs/cgroup/autograder/job/memory.max": f"{768 * 2**20}\n",
        "sys/fs/cgroup/autograder/job/cpu.max": "50000 100000\n",
    })
    assert read_box(root, cpus_online=8) == Box(768, 0.5, "cgroup v2")


def test_cgroup_v2_parent_limit_holds_when_the_group_has_none(tmp_path):
    root = fake_root(tmp_path, {
        "proc/self/cgroup": "0::/autograder/job\n",
        "sys/fs/cgroup/cgroup.controllers": "cpu memory\n",
        "sys/fs/cgroup/autograder/memory.max": f"{1536 * 2**20}\n",
        "sys/fs/cgroup/autograder/job/memory.max": "max\n",
        "sys/fs/cgroup/autograder/job/cpu.max": "max 100000\n",
    })
    assert read_box(root, cpus_online=4) == Box(1536, 4, "cgroup v2")


def test_cgroup_v1_memory_and_cfs_quota(tmp_path):
    root = fake_root(tmp_path, {
        "proc/self/cgroup": "12:memory:/docker/abc\n11:cpu,cpuacct:/docker/abc\n0::/\n",
        "sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes": f"{1024 * 2**20}\n",
        "sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n",
        "sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "150000\n",
        "sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000\n",
    })
    assert read_box(root, cpus_online=2) == Box(1024, 1.5, "cgroup v1")


def test_cgroup_v1_in_a_container_sees_its_group_as_the_mount_root(tmp_path):
    root = fake_root(tmp_path, {
        "proc/self/cgroup": "4:memory:/docker/abc\n1:cpu:/docker/abc\n",
        "sys/fs/cgroup/memory/memory.limit_in_bytes": f"{768 * 2**20}\n",
        "sys/fs/cgroup/cpu/cpu.cfs_quota_us": "-1\n",
        "sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n",
    })
    assert read_box(root, cpus_online=2) == Box(768, 2, "cgroup v1")


def test_no_cgroup_limits_fall_back_to_the_machine_and_affinity(tmp_path):
    root = fake_root(tmp_path, {"proc/self/cgroup": "0::/\n", "sys/fs/cgroup/cgroup.controllers": "",
                                "sys/fs/cgroup/memory.max": "max\n", "sys/fs/cgroup/cpu.max": "max 100000\n"})
    assert read_box(root, cpus_online=3) == Box(24105, 3, "machine")


def test_a_limit_above_the_machine_is_the_machine(tmp_path):
    root = fake_root(tmp_path, {"proc/self/cgroup": "4:memory:/\n",
                                "sys/fs/cgroup/memory/memory.limit_in_bytes": f"{64 * 2**30}\n"})
    assert read_box(root, cpus_online=1).memory_mb == 24105


def test_this_machine_has_a_box():
    """The real /proc and /sys are read: the box is at most the machine (MemTotal, the CPUs this process
    may run on) and, without cgroup limits, exactly the machine."""
    mem_total_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                        if line.startswith("MemTotal:"))
    machine_mb, allowed = mem_total_kb // 1024, len(os.sched_getaffinity(0))
    box = read_box()
    assert box.source in ("machine", "cgroup v1", "cgroup v2"), box
    assert 256 < box.memory_mb <= machine_mb and 0 < box.cpus <= allowed, (box, machine_mb, allowed)
    if box.source == "machine":
        assert (box.memory_mb, box.cpus) == (machine_mb, allowed), (box, machine_mb, allowed)


# ------------------------------------------------------------------------------------------ sizing


def test_gradescope_default_box_is_sized_down():
    sizing = size(Box(768, 0.5), spec_memory_mb=2560)
    assert sizing.master == "local[1]"
    assert sizing.driver_memory_mb == MIN_HEAP_MB
    assert "-XX:MaxMetaspaceSize" in sizing.java_options
    assert sizing.max_jvms == 1
    assert sizing.tree_limit_mb < 2560


def test_big_box_keeps_the_historical_defaults():
    sizing = size(Box(16384, 8), spec_memory_mb=2560)
    assert (sizing.master, sizing.driver_memory, sizing.java_options) == ("local[2]", "1024m", "")
    assert sizing.tree_limit_mb == 2560 and sizing.max_jvms >= 3


@pytest.mark.parametrize("memory_mb, cpus", [(512, 0.25), (768, 0.5), (1536, 1), (3072, 2), (6144, 4), (24000, 2)])
def test_sizing_rules_hold_for_every_box(memory_mb, cpus):
    sizing = size(Box(memory_mb, cpus), spec_memory_mb=4608)
    assert int(sizing.master[6:-1]) >= 1
    assert MIN_HEAP_MB <= sizing.driver_memory_mb <= 1024
    assert sizing.secondary_driver_memory_mb <= sizing.driver_memory_mb
    assert 1 <= sizing.max_jvms
    assert sizing.tree_limit_mb <= 4608
    bigger = size(Box(memory_mb * 2, cpus), spec_memory_mb=4608)
    assert bigger.driver_memory_mb >= sizing.driver_memory_mb and bigger.max_jvms >= sizing.max_jvms


# ------------------------------------------------------------------------------------------ whose fault

DIED = MemoryEvidence(kernel_kills=1)          # the kernel killed a process of the box for lack of memory
LIMIT = MemoryEvidence(tree_limit=True)        # the sandbox stopped the tree at its memory limit


def test_a_box_below_the_minimum_is_an_instructor_error():
    text = box_fault(DIED, Box(768, 0.5), "06-deploy", 2048, 1900.0, 500.0)
    assert "768 MB" in text and "06-deploy needs at least 2048 MB" in text and HARDWARE_SETTING in text
    assert "the kernel killed 1 process" in text


def test_a_full_box_at_the_reference_s_level_is_the_box_s_fault():
    text = box_fault(DIED, Box(768, 0.5), "02-pipelines", 768, 700.0, 700.0)
    assert text and "no more than the reference" in text and "1280 MB" in text


def test_a_submission_using_much_more_than_the_reference_is_its_own_fault():
    assert box_fault(DIED, Box(768, 0.5), "02-pipelines", 768, 500.0, 900.0) is None


def test_a_death_in_a_box_with_room_to_spare_is_the_submission_s_fault():
    assert box_fault(DIED, Box(8192, 2), "02-pipelines", 768, 700.0, 650.0) is None


def test_without_an_observed_memory_death_nothing_is_the_box_s_fault():
    """Whatever the child wrote (a message naming a dead driver, an OOM text) is no evidence: only what the
    grader observed counts."""
    assert box_fault(MemoryEvidence(), Box(512, 0.5), "02-pipelines", 768, 700.0, 600.0) is None
    assert box_fault(DIED, Box(512, 0.5), "02-pipelines", None, None, 600.0) is None


def test_the_sandbox_memory_limit_counts_as_a_memory_death():
    assert box_fault(LIMIT, Box(768, 0.5), "02-pipelines", 1024, 900.0, 1290.0)


@pytest.mark.parametrize("v2", [True, False])
def test_the_box_s_kernel_oom_kills_are_read_where_a_limit_is_set(tmp_path, v2):
    if v2:
        files = {"proc/self/cgroup": "0::/box/inner\n", "sys/fs/cgroup/cgroup.controllers": "memory",
                 "sys/fs/cgroup/box/memory.max": str(768 * 2**20), "sys/fs/cgroup/box/memory.events": "low 0\noom 3\noom_kill 2\n",
                 "sys/fs/cgroup/box/inner/memory.max": "max", "sys/fs/cgroup/box/inner/memory.events": "oom_kill 9\n"}
    else:
        files = {"proc/self/cgroup": "4:memory:/box\n", "sys/fs/cgroup/memory/box/memory.limit_in_bytes": str(768 * 2**20),
                 "sys/fs/cgroup/memory/box/memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n",
                 "sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712",
                 "sys/fs/cgroup/memory/memory.oom_control": "oom_kill 40\n"}
    assert oom_kills(fake_root(tmp_path, files)) == 2       # the unlimited groups' counts are not the box's
    assert oom_kills(fake_root(tmp_path / "none", {})) == 0


# ------------------------------------------------------------------------------------------ secondary JVMs


def test_a_task_s_spark_submit_is_sized_like_its_own_jvm(spark):
    from autograder.harness import processes

    conf = processes.secondary_conf()
    assert conf["spark.master"] == spark.sparkContext.master
    assert conf["spark.driver.extraJavaOptions"] == spark.sparkContext.getConf().get("spark.driver.extraJavaOptions")
    assert conf["spark.driver.memory"] == "512m"          # the session has 1g: a second JVM gets at most 512m
    command = processes.spark_submit_command("job.py", [])
    assert command[command.index("--driver-memory") + 1] == "512m"
    options = processes.secondary_options("stream")
    assert options.driver_memory == "512m" and options.master == spark.sparkContext.master


def test_a_small_driver_keeps_spark_s_reserve_in_proportion():
    from autograder.spark import memory_mb, sized_options

    options = sized_options(Box(768, 0.5))
    assert options.master == "local[1]" and memory_mb(options.driver_memory) == MIN_HEAP_MB
    assert int(options.conf["spark.testing.reservedMemory"]) == MIN_HEAP_MB // 4 * 2**20
    assert "spark.testing.reservedMemory" not in sized_options(Box(16384, 4)).conf
    assert sized_options(Box(768, 0.5), driver_memory="2g", master="local[3]").driver_memory == "2g"


# ------------------------------------------------------------------------------------------ the grader's JVM

GRADER_JVM_PROBE = """
import sys
from pathlib import Path
from pyspark import SparkContext
from autograder.box import Box
from autograder.registry import load_assignment
from autograder.runner import Grader
grader = Grader(box=Box(int(sys.argv[2]), 0.5), cache_dir=Path(sys.argv[1]))
data = grader.prepared(load_assignment("02"))
print(data.exists(), SparkContext._gateway is None)
"""


@pytest.mark.slow
@pytest.mark.parametrize("memory_mb, jvm_left", [(768, False), (8192, True)])
def test_in_a_small_box_the_grader_ends_the_jvm_it_started_to_prepare_data(tmp_path, memory_mb, jvm_left):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", GRADER_JVM_PROBE, str(tmp_path), str(memory_mb)],
                         capture_output=True, text=True, timeout=300)
    assert out.stdout.split() == ["True", str(not jvm_left)], out.stderr[-2000:]


def test_a_task_skipped_for_a_dead_jvm_upstream_finds_that_death(tmp_path):
    from autograder.box import upstream_failure

    tasks = ('[[tasks]]\nname = "fit"\ncall = "fit"\n[[tasks]]\nname = "save"\ncall = "save"\nargs = ["@fit"]\n'
             '[[tasks]]\nname = "load"\ncall = "load"\nkwargs = { model = "@save" }\n')
    spec = spec_with(tmp_path, tasks)
    died = {"status": "raised", "message": "exit", "cause": "student_memory", "oom_kills": 1}
    outcomes = {"fit": died, "save": {"status": "skipped"}, "load": {"status": "skipped"}, "t1": {"status": "ok"}}
    assert upstream_failure(spec, "load", outcomes.get) == died
    assert upstream_failure(spec, "fit", outcomes.get) == {}
    outcomes["fit"] = {"status": "ok"}
    assert upstream_failure(spec, "load", outcomes.get) == {}


def test_time_limits_stretch_with_the_machine_s_load_and_only_then():
    from autograder.box import MAX_SLOWDOWN, machine_slowdown

    assert machine_slowdown(load=0.3, cpus=2) == 1.0 and machine_slowdown(load=2.0, cpus=2) == 1.0
    assert machine_slowdown(load=10.0, cpus=2) == 5.0
    assert machine_slowdown(load=100.0, cpus=2) == MAX_SLOWDOWN


def test_a_spec_slowed_down_multiplies_every_time_limit(root):
    from autograder.registry import load_assignment
    from autograder.runner import slowed

    spec = load_assignment("02")
    slow = slowed(spec, 2.5)
    assert slow.time_limit_s == spec.time_limit_s * 2.5
    assert [t.timeout_s for t in slow.tasks] == [t.timeout_s * 2.5 for t in spec.tasks]
