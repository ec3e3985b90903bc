"""The grading JVMs' class-data archive: recorded once per JDK and Spark, mapped by every local driver the
grader sizes (the grader's own and the children's), and really accepted by the JVM."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from autograder.engine.driver_archive import archive_options, archive_path, driver_conf, local_fs, record, spark_jars
from autograder.spark import sized_options

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def archive() -> Path:
    """The installation's archive (``sparkgrade prepare``; recorded here if setup did not)."""
    path = record()
    assert path is not None and path.is_file(), "the tests need Java"
    return path


def test_no_archive_no_options(tmp_path):
    assert archive_options(tmp_path) == ""
    path = archive_path(tmp_path)
    path.write_bytes(b"x")
    assert archive_options(tmp_path).startswith(f"-XX:SharedArchiveFile={path} ")


def test_the_name_follows_the_jdk_and_spark(tmp_path):
    jars = spark_jars()
    assert [j.name for j in jars].count("conf") == 1 and sum(j.suffix == ".jar" for j in jars) > 100, \
        "pyspark's conf folder and jars are the driver's class path"
    fs = local_fs()
    assert fs is None or jars[0] == fs, "the prepared file system comes first, as spark.driver.extraClassPath"
    assert archive_path(tmp_path) == archive_path(tmp_path) and archive_path(tmp_path).parent == tmp_path


def test_grading_jvms_map_it(archive):
    """Every sized session maps the archive; with -Xshare:on a JVM that cannot map it refuses to start,
    so a session that answers proves the archive matches this JDK and class path, also with the small
    box's memory options."""
    from autograder.box import Box

    for box in (None, Box(memory_mb=768, cpus=0.5)):
        options = sized_options(box=box)
        assert f"-XX:SharedArchiveFile={archive}" in options.java_options
        code = ("import sys; from dataclasses import replace; from autograder.spark import SparkOptions, build_session;"
                "o = SparkOptions.from_dict(eval(sys.argv[1])); s = build_session(replace(o, java_options=o.java_options"
                " + ' -Xshare:on')); print(s.range(5).count())")
        proc = subprocess.run([sys.executable, "-c", code, repr(options.to_dict())], capture_output=True, text=True,
                              timeout=300, cwd=Path(__file__).resolve().parent.parent)
        assert proc.returncode == 0 and proc.stdout.strip().endswith("5"), proc.stdout[-2000:] + proc.stderr[-2000:]


def test_local_drivers_use_the_prepared_file_system(archive):
    """``sparkgrade prepare`` compiled the file system (this machine has a JDK): local drivers use it; a
    Spark Connect client and a cluster driver do not get local settings."""
    assert local_fs() is not None and driver_conf()["spark.hadoop.fs.file.impl"] == "sparkgrade.NioLocalFileSystem"
    assert sized_options().conf["spark.driver.extraClassPath"] == str(local_fs())
    assert "spark.driver.extraClassPath" not in sized_options(remote="sc://127.0.0.1:15002").conf
    assert "spark.driver.extraClassPath" not in sized_options(master="spark://host:7077").conf


def test_graders_can_run_unprepared_to_compare(archive, monkeypatch):
    """``SPARKGRADE_UNPREPARED=1`` (``sparkgrade bench --cold-path`` sets it for one side): no archive, no
    file system, as on a machine where ``sparkgrade prepare`` never ran."""
    monkeypatch.setenv("SPARKGRADE_UNPREPARED", "1")
    assert archive_options() == "" and driver_conf() == {}
    assert "SharedArchiveFile" not in sized_options().java_options


def test_a_jvm_a_task_starts_maps_it_too(archive, tmp_path):
    """A spark-submit a task starts beside the grading JVM (06's batch and streaming drivers) gets the
    grading JVM's class path and options, so the archive maps there too (-Xshare:on: or it would not start)."""
    script = tmp_path / "job.py"
    script.write_text("from pyspark.sql import SparkSession\n"
                      "print('rows', SparkSession.builder.getOrCreate().range(3).count())\n", encoding="utf-8")
    code = ("import subprocess, sys; from autograder.spark import build_session, sized_options;"
            "from autograder.harness import processes; build_session(sized_options());"
            "conf = processes.secondary_conf();"
            "cmd = processes.spark_submit_command(sys.argv[1], [], conf={'spark.driver.extraJavaOptions':"
            " conf['spark.driver.extraJavaOptions'] + ' -Xshare:on'});"
            "done = subprocess.run(cmd, capture_output=True, text=True, env=processes.process_env());"
            "print(done.stdout[-500:], done.stderr[-1500:])")
    proc = subprocess.run([sys.executable, "-c", code, str(script)], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parent.parent)
    assert "rows 3" in proc.stdout, proc.stdout[-2000:] + proc.stderr[-2000:]
