"""Tasks remembered between in-kernel checks: the key follows the student's code, the session and the
data; a re-check runs only the tasks whose inputs changed, and gives the verdicts of a first check."""

from __future__ import annotations

import linecache
import threading

import pytest

from autograder.live import check_live
from autograder.live.memo import TaskMemo
from autograder.registry import load_assignment
from autograder.spec import TaskSpec


def kernel(source: str, name: str, namespace: dict | None = None) -> dict:
    """Run ``source`` as a notebook cell would (in ``__main__``), in ``namespace`` if given."""
    filename = f"<cell {name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = namespace if namespace is not None else {"__name__": "__main__"}
    exec(compile(source, filename, "exec"), namespace)
    return namespace


def task(call: str, args: tuple = ("train",)) -> TaskSpec:
    return TaskSpec(name="t", call=call, function="", args=args, kwargs={}, save="", timeout_s=60,
                    predict_sample=False)


TASK = task("outer")
CODE = """
class Scaler:
    factor = 2
def inner(x):
    return x * Scaler.factor
def outer(df):
    return inner(df)
"""


def key(memo: TaskMemo, ns: dict, spark, which: TaskSpec = TASK, deps=()) -> str | None:
    return memo.key(which, ns, spark, list(deps), [])


def test_the_key_follows_the_code_the_task_can_reach(tmp_path, spark):
    memo = TaskMemo(tmp_path)
    ns = kernel(CODE, "a")
    first = key(memo, ns, spark)
    assert first is not None and key(memo, ns, spark) == first
    ns["Scaler"].__annotations__           # created on first access (Spark's params do it): same key
    assert key(memo, ns, spark) == first
    kernel("def inner(x):\n    return x * 3\n", "b", ns)          # a function the called one uses changed
    assert key(memo, ns, spark) != first
    kernel("def unrelated():\n    return 1\n", "c", ns)
    edited = key(memo, ns, spark)
    assert key(memo, ns, spark) == edited                         # another function: same key for `outer`
    assert key(memo, ns, spark, task("outer", ("sample",))) != edited


def test_spark_objects_are_keyed_by_identity(tmp_path, spark):
    memo = TaskMemo(tmp_path)
    ns = kernel("def f(df):\n    return df.union(EXTRA)\n", "a")
    ns["EXTRA"] = spark.range(3)
    f_task = task("f")
    first = key(memo, ns, spark, f_task)
    assert first is not None and key(memo, ns, spark, f_task) == first
    ns["EXTRA"] = spark.range(3)                                  # the same query, rebuilt: another object
    assert key(memo, ns, spark, f_task) != first


def test_what_cannot_be_pickled_or_depends_on_the_unremembered_is_never_remembered(tmp_path, spark):
    memo = TaskMemo(tmp_path)
    ns = kernel("def f(df):\n    with LOCK:\n        return df\n", "a")
    ns["LOCK"] = threading.Lock()
    assert key(memo, ns, spark, task("f")) is None
    assert key(memo, kernel(CODE, "b"), spark, deps=[None]) is None


def test_only_a_success_is_kept_and_one_entry_per_task(tmp_path, spark):
    memo = TaskMemo(tmp_path / "memo")
    art = tmp_path / "art"
    art.mkdir()
    (art / "out.txt").write_text("one")
    memo.keep("t", "k1", art, {"status": "raised"}, None)
    assert memo.recall("k1", tmp_path / "back") is None
    memo.keep("t", "k1", art, {"status": "ok", "seconds": 2.5}, "result")
    (art / "out.txt").write_text("two")
    outcome, result = memo.recall("k1", tmp_path / "back")
    assert (outcome["seconds"], result, (tmp_path / "back" / "out.txt").read_text()) == (2.5, "result", "one")
    memo.keep("t", "k2", art, {"status": "ok"}, None)
    assert memo.recall("k1", tmp_path / "again") is None and not (tmp_path / "memo" / "k1").exists()


COUNTED = """
import os as _os
_fit = fit_pipeline
def fit_pipeline(pipeline, df):
    with open(_os.environ["SPARKGRADE_TEST_FITS"], "a") as fh:
        fh.write("fit\\n")
    return _fit(pipeline, df)
"""


@pytest.mark.slow
def test_a_recheck_runs_only_what_changed_with_the_verdicts_of_a_first_check(root, spark, tmp_path, monkeypatch):
    spec = load_assignment("02-pipelines")
    fits = tmp_path / "fits.txt"
    monkeypatch.setenv("SPARKGRADE_TEST_FITS", str(fits))
    ns = kernel((root / "solutions" / spec.slug / spec.module).read_text(encoding="utf-8"), "reference")
    kernel(COUNTED, "counted", ns)
    memo = TaskMemo(tmp_path / "memo")

    def check(question: str) -> dict[str, str]:
        return {c.name: c.status.value for c in check_live(spec, ns, spark, (question,), memo=memo).checks}

    assert check("q3") == {"q3_fitted": "passed"}
    kernel("def save_model(model, path):\n    model.stages[-1].write().overwrite().save(path)\n", "edit", ns)
    assert check("q4")["q4_reload"] == "failed"               # the edited save_model ran, on the kept model
    assert fits.read_text().count("fit") == 1                 # q4 fitted nothing: q3's model was kept


@pytest.mark.slow
def test_an_unchanged_recheck_reuses_the_fresh_process_outputs(root, spark, tmp_path, monkeypatch):
    """Checking q4 again with nothing changed reuses what the fresh process wrote (no process waited for);
    an edit to the code it receives scores again, with the verdict the edit earns."""
    import autograder.live.judging as judging

    spec = load_assignment("02-pipelines")
    ns = kernel((root / "solutions" / spec.slug / spec.module).read_text(encoding="utf-8"), "reference")
    memo = TaskMemo(tmp_path / "memo")
    runs = []
    real = judging.score_in_fresh_process
    monkeypatch.setattr(judging, "score_in_fresh_process", lambda *a, **k: runs.append(1) or real(*a, **k))

    def check() -> dict[str, str]:
        return {c.name: c.status.value for c in check_live(spec, ns, spark, ("q4",), memo=memo).checks}

    first = check()
    assert set(first.values()) == {"passed"} and len(runs) == 1, first
    assert check() == first and len(runs) == 1               # nothing changed: the outputs are reused
    kernel("def save_model(model, path):\n    model.stages[-1].write().overwrite().save(path)\n", "edit", ns)
    assert check()["q4_reload"] == "failed" and len(runs) == 2
