"""What one child writes in its working folder (its home, which the next child of the same grading shares)
is never imported by a later Python of the tree: not by a fresh child, a forked child or a Python worker
that Spark starts. A planted ``autograder`` package or ``json.py`` would otherwise replace the scorer."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from autograder import sandbox
from autograder.engine.prefork import ForkServer

PROBE = "tests.prefork_probe"
PLANTED = ("json.py", "autograder/__init__.py", "tests/__init__.py", "pyspark/__init__.py")


def plant(home: Path) -> Path:
    """Modules in ``home`` that, if imported, leave a mark there; returns the mark's path."""
    mark = home / "planted.txt"
    for name in PLANTED:
        path = home / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"print('PLANTED {name}', flush=True)\nopen({str(mark)!r}, 'a').write({name!r} + '\\n')\n",
                        encoding="utf-8")
    return mark


def run_planted(tmp_path: Path, code: str, starter=None, module: str = PROBE) -> tuple[sandbox.ChildRun, Path]:
    iso = sandbox.isolation()
    area = sandbox.ChildArea(tmp_path / "child", iso)
    area.create()
    area.open_for_child()
    mark = plant(area.home)
    program = area.input / "prog.py"
    program.write_text(textwrap.dedent(code), encoding="utf-8")
    jail = sandbox.Jail(iso, area, writable=(area.home, area.tmp))
    run = sandbox.run_child(module, program, area.home, 300, 4096, jail=jail, starter=starter)
    return run, mark


PROGRAM = """
    import json, os, sys
    print("path", json.dumps([p for p in sys.path if p in ("", ".", os.getcwd())]))
"""


def test_a_fresh_child_does_not_import_from_its_working_folder(tmp_path):
    """The student child started afresh, given a job that is not JSON: its own modules (and the standard
    library's json) run and fail on the job; nothing planted is imported."""
    run, mark = run_planted(tmp_path, "not a job", module="autograder.harness.student")
    out = run.output_head + run.output_tail
    assert "PLANTED" not in out and not mark.exists(), out
    assert run.returncode != 0 and "JSONDecodeError" in out, out


def test_a_forked_child_does_not_import_from_its_working_folder(tmp_path):
    with ForkServer(sandbox.child_env(), modules=(PROBE,)) as server:
        run, mark = run_planted(tmp_path, PROGRAM, starter=server)
    assert run.returncode == 0, run.output_head + run.output_tail
    assert 'path []' in run.output_head and "PLANTED" not in run.output_head + run.output_tail
    assert not mark.exists(), mark.read_text()


@pytest.mark.slow
def test_sparks_python_workers_do_not_import_from_the_working_folder(tmp_path):
    """A Python UDF runs in a worker that Spark's JVM starts in the child's working folder."""
    code = """
        from autograder.spark import SparkOptions, build_session
        from pyspark.sql import functions as F
        spark = build_session(SparkOptions(master="local[1]"))
        print("udf", spark.range(3).select(F.udf(lambda v: v + 1, "long")("id").alias("x")).collect()[-1].x)
    """
    with ForkServer(sandbox.child_env(), modules=(PROBE,)) as server:
        run, mark = run_planted(tmp_path, code, starter=server)
    out = run.output_head + run.output_tail
    assert run.returncode == 0 and "udf 3" in out and "PLANTED" not in out, out
    assert not mark.exists(), mark.read_text()
