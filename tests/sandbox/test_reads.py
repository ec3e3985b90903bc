"""ReadWatch (autograder/sandbox/reads.py): the kernel's open and read events on the watched files, from
any process; looking at a file without opening it is not a read."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from autograder.sandbox.reads import ReadWatch, WatchUnavailable

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify is Linux's")


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "watched.parquet"
    folder.mkdir()
    for name in ("part-0.parquet", "part-1.parquet"):
        (folder / name).write_bytes(b"x" * 1000)
    return folder


def run(code: str) -> None:
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_read_by_another_process_is_counted_and_looking_is_not(data):
    with ReadWatch(data) as watch:
        run(f"import os; os.stat({str(data / 'part-0.parquet')!r}); os.listdir({str(data)!r})")
        time.sleep(0.3)
        assert watch.total == 0
        run(f"open({str(data / 'part-1.parquet')!r}, 'rb').read()")
    assert watch.reads.get("part-1.parquet", 0) >= 2 and "part-0.parquet" not in watch.reads


def test_a_single_file_and_events_queued_before_stop_are_counted(data):
    target = data / "part-0.parquet"
    watch = ReadWatch(target).start()
    with open(target, "rb") as f:
        f.read()
    assert watch.stop() == {"part-0.parquet": 2}            # read to the last event, without waiting


def test_the_same_file_reached_by_another_path_is_counted(data, tmp_path):
    copy = tmp_path / "copy"
    os.link(data / "part-0.parquet", copy)                  # the same inode: watched wherever it is reached
    with ReadWatch(data) as watch:
        run(f"open({str(copy)!r}, 'rb').read()")
    assert watch.total >= 1


def test_nothing_to_watch_is_said():
    with pytest.raises(WatchUnavailable, match="nothing to watch"):
        ReadWatch(__import__("pathlib").Path("/nonexistent/folder")).start()


@pytest.mark.parametrize("change", [
    "os.rename(f'{d}/part-0.parquet', f'{d}/moved')",
    "os.remove(f'{d}/part-0.parquet')",
    "open(f'{d}/new.parquet', 'wb').close()",
    "os.chmod(f'{d}/part-1.parquet', 0o600)",
])
def test_other_data_swapped_in_under_the_watched_name_is_counted(data, change):
    """Replacing the watched file (a new inode under its name would be read unseen) counts as reading it."""
    with ReadWatch(data) as watch:
        run(f"import os; d = {str(data)!r}; {change}")
    assert watch.total >= 1, watch.reads
