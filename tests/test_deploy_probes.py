"""06's scoring probes (assignments/06-deploy/tasks.py), the parts that need no Spark: what counts as a sink's
data files, the rows a restart added, the order the service's valid rows are sent in."""

import pyarrow as pa
import pyarrow.parquet as pq

from autograder.harness.context import load_tasks_module
from autograder.registry import load_assignment

TASKS = load_tasks_module(load_assignment("06-deploy").path)


def _parquet(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"id": list(range(rows))}), path)


def test_sink_files_are_the_data_files_outside_spark_bookkeeping(tmp_path):
    _parquet(tmp_path / "part-0.parquet", 3)
    _parquet(tmp_path / "batch=1" / "part-1.parquet", 2)
    _parquet(tmp_path / "_spark_metadata" / "x.parquet", 1)
    _parquet(tmp_path / "_temporary" / "0" / "part-2.parquet", 1)
    _parquet(tmp_path / ".hidden.parquet", 1)
    (tmp_path / "_SUCCESS").write_text("")
    files = TASKS.sink_files(tmp_path)
    assert files == {"part-0.parquet", "batch=1/part-1.parquet"}
    assert TASKS.file_rows(tmp_path, files) == 5
    assert TASKS.sink_files(tmp_path / "missing") == frozenset()


def test_valid_rows_are_sent_in_a_seeded_order_that_is_not_the_ids(tmp_path):
    table = pa.table({"id": list(range(100)), "income": [None if i % 7 == 0 else 1.0 for i in range(100)]})
    first, again = TASKS.served_rows(table), TASKS.served_rows(table)
    ids = [r["id"] for r in first]
    assert ids == [r["id"] for r in again] and len(ids) == TASKS.SERVED_ROWS
    assert ids != sorted(ids)


def test_checkpoint_logs_name_each_checkpoint_under_the_folder_with_its_last_batch(tmp_path):
    for batch in ("0", "1", "2", ".2.tmp"):
        (tmp_path / "offsets").mkdir(exist_ok=True)
        (tmp_path / "offsets" / batch).write_text("v1")
    (tmp_path / "run-x" / "offsets").mkdir(parents=True)              # a second checkpoint, nothing written yet
    (tmp_path / "sources").mkdir()
    assert TASKS.checkpoint_logs(tmp_path) == {".": 2, "run-x": -1}
    assert TASKS.checkpoint_logs(tmp_path / "missing") == {}
