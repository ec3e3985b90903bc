"""Cleaning what a child wrote (no Spark): trees deeper than the recursion limit are handled without it."""

import os

from autograder.sandbox import ChildArea, Isolation, sanitize
from autograder.walk import MAX_DEPTH


def chain(folder, depth: int) -> None:
    folder.mkdir(parents=True)
    fd = os.open(folder, os.O_RDONLY)
    for _ in range(depth):
        os.mkdir("d", dir_fd=fd)
        below = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = below
    os.close(fd)


def test_sanitize_removes_only_the_entry_holding_a_too_deep_tree(deep_tmp_path):
    folder = deep_tmp_path / "artifacts"
    chain(folder / "deep" / "out", 1500)
    (folder / "kept").mkdir()
    (folder / "kept" / "value.json").write_text("42")
    (folder / "_load.json").write_text("{}")
    notes = sanitize(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["_load.json", "kept"]
    assert notes == [f"removed deep: it holds folders nested more than {MAX_DEPTH} levels deep"]


def test_home_and_tmp_holding_a_deep_tree_are_emptied_for_the_next_child(deep_tmp_path):
    area = ChildArea(deep_tmp_path / "child", Isolation())
    area.create()
    chain(area.home / "x", 1500)
    chain(area.tmp / "y", 1500)
    area.open_for_child()
    assert list(area.home.iterdir()) == [] and list(area.tmp.iterdir()) == []


def test_seal_makes_a_sanitized_folder_read_only(tmp_path):
    area = ChildArea(tmp_path / "child", Isolation())
    area.create()
    out = area.output("artifacts")
    chain(out / "task", 10)
    (out / "task" / "v.json").write_text("1")
    (out / "task" / "v.json").chmod(0o600)
    assert area.seal(out) == []
    assert (out / "task" / "v.json").stat().st_mode & 0o777 == 0o644
    assert (out / "task" / "d").stat().st_mode & 0o777 == 0o755
