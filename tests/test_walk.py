"""Walking and deleting trees a child may leave: deeper than the recursion limit and than PATH_MAX, wide,
with links (no Spark)."""

import os
import sys

import pytest

from autograder.walk import DIR_FLAGS, TreeTooLarge, remove_tree, walk


def chain(root, depth: int, name: str = "d", leaf: str = "f.txt") -> None:
    """``root/name/name/...`` ``depth`` folders deep (made through folder descriptors: the path may be
    longer than PATH_MAX), a file in the deepest one."""
    fd = os.open(root, DIR_FLAGS)
    try:
        for _ in range(depth):
            os.mkdir(name, dir_fd=fd)
            below = os.open(name, DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = below
        os.close(os.open(leaf, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
    finally:
        os.close(fd)


def test_a_tree_deeper_than_the_recursion_limit_and_path_max_is_deleted(deep_tmp_path):
    depth = max(1500, sys.getrecursionlimit() + 500)
    (deep_tmp_path / "out").mkdir()
    chain(deep_tmp_path / "out", depth, name="n" * 100)           # 150,000 characters of path
    remove_tree(deep_tmp_path / "out")
    assert not (deep_tmp_path / "out").exists()


def test_a_wide_tree_with_links_is_deleted_and_link_targets_are_kept(tmp_path):
    keep = tmp_path / "keep"
    keep.mkdir()
    (keep / "precious.txt").write_text("x")
    out = tmp_path / "out"
    for i in range(30):
        (out / f"a{i}" / "b").mkdir(parents=True)
        (out / f"a{i}" / "b" / "f").write_text("y")
        (out / f"a{i}" / "g").write_text("z")
    (out / "link").symlink_to(keep)
    (out / "a3" / "b" / "link").symlink_to(keep / "precious.txt")
    os.mkfifo(out / "fifo")
    (out / "a5").chmod(0o500)
    remove_tree(out)
    assert not out.exists()
    assert (keep / "precious.txt").read_text() == "x"


def test_remove_tree_of_a_file_a_link_or_nothing(tmp_path):
    (tmp_path / "f").write_text("x")
    (tmp_path / "l").symlink_to(tmp_path / "f")
    remove_tree(tmp_path / "l")
    assert (tmp_path / "f").exists() and not (tmp_path / "l").is_symlink()
    remove_tree(tmp_path / "f")
    remove_tree(tmp_path / "missing")
    assert not (tmp_path / "f").exists()


def test_walk_is_top_down_in_name_order_and_never_follows_links(tmp_path):
    (tmp_path / "t" / "b" / "c").mkdir(parents=True)
    (tmp_path / "t" / "a.txt").write_text("1")
    (tmp_path / "t" / "b" / "c" / "d.txt").write_text("2")
    (tmp_path / "t" / "z").symlink_to(tmp_path / "t" / "b")
    seen = [(e.rel, e.depth, e.is_dir) for e in walk(tmp_path / "t")]
    assert seen == [("a.txt", 1, False), ("b", 1, True), ("z", 1, False), ("b/c", 2, True), ("b/c/d.txt", 3, False)]
    assert [e.rel for e in walk(tmp_path / "t", skip=lambda e: e.name == "b")] == ["a.txt", "b", "z"]


def test_walk_refuses_a_deep_tree_without_recursion(deep_tmp_path):
    (deep_tmp_path / "t").mkdir()
    chain(deep_tmp_path / "t", 1500)
    with pytest.raises(TreeTooLarge, match="nested more than 64 levels deep") as info:
        list(walk(deep_tmp_path / "t"))
    assert info.value.rel.count("/") == 64
    assert len(list(walk(deep_tmp_path / "t", max_depth=2000))) == 1501
    remove_tree(deep_tmp_path / "t")


def test_walk_refuses_too_many_entries_before_listing_them_all(tmp_path):
    (tmp_path / "t").mkdir()
    for i in range(30):
        (tmp_path / "t" / str(i)).write_text("")
    with pytest.raises(TreeTooLarge, match="more than 20 files and folders"):
        list(walk(tmp_path / "t", max_entries=20))
    assert len(list(walk(tmp_path / "t", max_entries=30))) == 30


def test_walk_closes_its_folders(tmp_path):
    (tmp_path / "t").mkdir()
    chain(tmp_path / "t", 50)
    before = len(os.listdir("/proc/self/fd"))
    for _ in walk(tmp_path / "t"):
        break
    list(walk(tmp_path / "t"))
    with pytest.raises(TreeTooLarge):
        list(walk(tmp_path / "t", max_depth=10))
    assert len(os.listdir("/proc/self/fd")) == before
