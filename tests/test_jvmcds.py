"""The warm server's class-data-sharing archive: one server records it as it stops, later servers map it,
and a changed JDK, class path or option set asks for a new one."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from autograder.engine.cds import DUMP_NAME, ServerArchive, archive_key
from autograder.engine.javac import java_binary

OPTIONS = "-XX:CompileThresholdScaling=3"


@pytest.fixture
def class_path(tmp_path) -> list[Path]:
    jars = [tmp_path / "a.jar", tmp_path / "b.jar"]
    for jar in jars:
        jar.write_bytes(b"PK")
    return jars


def test_the_key_changes_with_a_jar_or_the_options(class_path):
    java = java_binary()
    assert java is not None, "the tests need the JDK Spark runs with"
    key = archive_key(java, class_path, OPTIONS)
    assert archive_key(java, class_path, OPTIONS) == key
    assert archive_key(java, class_path, OPTIONS + " -Xmx1g") != key
    class_path[1].write_bytes(b"PK changed")
    assert archive_key(java, class_path, OPTIONS) != key


def test_one_server_records_the_others_wait_for_its_archive(tmp_path, class_path):
    home = tmp_path / "home"
    first, second = ServerArchive(tmp_path / "jvm", class_path, OPTIONS), ServerArchive(tmp_path / "jvm", class_path, OPTIONS)
    assert first.options(home) == f"-XX:ArchiveClassesAtExit={home / DUMP_NAME} -Xlog:cds*=error"
    assert first.recording
    assert second.options(home) == "" and not second.recording      # the lock is taken
    home.mkdir()
    (home / DUMP_NAME).write_bytes(b"archive")
    stale = [tmp_path / "jvm" / "server-0123456789abcdef.jsa", tmp_path / "jvm" / "server-0123456789abcdef.lock"]
    for path in stale:
        path.write_bytes(b"old")
    assert first.keep(home)
    assert not any(path.exists() for path in stale)     # an upgrade's archive replaces the old one
    assert first.path.read_bytes() == b"archive" and stat.S_IMODE(first.path.stat().st_mode) == 0o444
    assert second.options(home) == f"-XX:SharedArchiveFile={first.path} -Xlog:cds*=error"


def test_a_recording_that_left_nothing_is_not_tried_again(tmp_path, class_path):
    archive = ServerArchive(tmp_path / "jvm", class_path, OPTIONS)
    assert archive.options(tmp_path).startswith("-XX:ArchiveClassesAtExit=")
    assert not archive.keep(tmp_path)
    assert archive.failed_marker.exists()
    assert ServerArchive(tmp_path / "jvm", class_path, OPTIONS).options(tmp_path) == ""


def test_a_released_recording_can_be_taken_up_by_the_next_server(tmp_path, class_path):
    archive = ServerArchive(tmp_path / "jvm", class_path, OPTIONS)
    archive.options(tmp_path)
    archive.release()
    assert not archive.failed_marker.exists()
    assert ServerArchive(tmp_path / "jvm", class_path, OPTIONS).options(tmp_path).startswith("-XX:ArchiveClassesAtExit=")


def mapped_files(pid: int) -> set[str]:
    with open(f"/proc/{pid}/maps") as fh:
        return {line.split(maxsplit=5)[5].strip() for line in fh if len(line.split(maxsplit=5)) == 6}


@pytest.mark.slow
def test_a_real_server_records_its_archive_and_the_next_one_maps_it(tmp_path):
    from autograder.engine.server import ConnectServer

    with ConnectServer(cache_dir=tmp_path) as first:
        assert first.archive.recording
    assert first.archive.path.is_file(), (tmp_path / "jvm").iterdir()
    with ConnectServer(cache_dir=tmp_path) as second:
        assert not second.archive.recording
        java = second.java_pid()
        assert java is not None, "the server's JVM is not running"
        assert str(first.archive.path) in mapped_files(java)
