"""In-kernel checks (``grader.check`` on live objects): the same verdicts as the fresh-process grader, on
the 02 reference, stub and every mutant; messages a student can act on; results shown as a table."""

from __future__ import annotations

import linecache
import time
from pathlib import Path

import pytest

from autograder.live import TaskMemo, check_live, student_objects
from autograder.live.tracebacks import location, not_written
from autograder.mutants import load_mutants, write_mutant
from autograder.notebook import Notebook, Results
from autograder.registry import load_assignment
from autograder.results import CheckResult, GradeReport, Status


@pytest.fixture(scope="module")
def spec02():
    return load_assignment("02-pipelines")


def kernel(source: str, name: str) -> dict:
    """A namespace as a notebook kernel would hold it after running ``source`` (classes in ``__main__``)."""
    filename = f"<cell {name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"__name__": "__main__"}
    exec(compile(source, filename, "exec"), namespace)
    return namespace


def statuses(report: GradeReport) -> dict[str, str]:
    return {c.name: c.status.value for c in report.checks}


# ------------------------------------------------------------------------------------------------------
# Fast: messages, locations, display, what crosses into a fresh process


def test_stub_messages_say_not_written_and_name_the_function_to_fix(spec02, spark):
    ns = kernel((spec02.path / spec02.module).read_text(encoding="utf-8"), "stub")
    t0 = time.monotonic()
    report = check_live(spec02, ns, spark)
    assert time.monotonic() - t0 < 30
    by = report.by_name()
    assert all(c.status is Status.FAILED for c in report.checks), statuses(report)
    assert by["q1_ratio_values"].message.startswith("RatioTransformer is not written yet")
    assert by["q2_stages"].message.startswith("build_pipeline() is not written yet")
    assert by["q3_fitted"].message == "skipped: build_pipeline() did not succeed (fix that first)"
    assert by["q4_reload"].message == "skipped: build_pipeline() did not succeed (fix that first)"
    # hints only where the check's own cause failed: none for a function not written or a skip
    assert not by["q4_reload"].hint and not by["q3_fitted"].hint and not by["q1_ratio_values"].hint


def test_failure_points_at_the_student_line(spec02, spark, root):
    source = (root / "solutions" / spec02.slug / spec02.module).read_text(encoding="utf-8")
    source = source.replace("def build_pipeline():", "def build_pipeline():\n    1 / 0", 1)
    ns = kernel(source, "broken")
    report = check_live(spec02, ns, spark, ("q2",))
    message = report.by_name()["q2_stages"].message
    assert message.startswith("build_pipeline() failed: ZeroDivisionError: division by zero"), message
    assert "(in <cell broken>, line" in message and "`1 / 0`" in message, message
    assert report.by_name()["q2_stages"].hint          # its own function failed: the hint helps


def test_not_written_and_location_helpers():
    ns = kernel("def f():\n    raise NotImplementedError('todo')\n\nclass C:\n    def m(self):\n"
                "        raise NotImplementedError\n\ndef g():\n    return 1 / 0\n", "helpers")
    assert not_written(ns["f"]) and not_written(ns["C"]) and not not_written(ns["g"])
    try:
        ns["g"]()
    except ZeroDivisionError as exc:
        assert location(exc) == " (in <cell helpers>, line 9: `return 1 / 0`)"


def test_results_show_a_table_not_the_report_repr():
    report = GradeReport("02-pipelines", "kernel", (
        CheckResult("q2_stages", Status.FAILED, 0, 2, "stage 3 is <Imputer>", "use a StringIndexer", "q2"),
        CheckResult("q2_is_pipeline", Status.PASSED, 1, 1, "a Pipeline", "", "q2")), seconds=1.25)
    shown = Results(report)
    page = shown._repr_html_()
    assert "<table>" in page and "q2_stages" in page and "&lt;Imputer&gt;" in page and "hint: use a" in page
    assert "total: 1/3" in page
    text = repr(shown)
    assert "GradeReport(" not in text and "CheckResult(" not in text
    assert "q2_is_pipeline" in text and "total: 1/3" in text


def test_jvm_objects_do_not_cross_into_the_fresh_process(spark):
    import pickle

    df = spark.range(3)
    ns = kernel("CACHE = {}\ndef keep(x):\n    CACHE['x'] = x\n    return CACHE\n", "cache")
    ns["keep"](df)
    payload, notes = student_objects(ns)
    assert notes == []

    class Loader(pickle.Unpickler):
        def persistent_load(self, pid):
            return f"<{pid}>"

    import io

    objects = Loader(io.BytesIO(payload)).load()
    assert set(objects) == {"keep"}
    assert objects["keep"].__globals__["CACHE"] == {"x": "<none>"}     # the DataFrame stayed behind


def test_missing_notebook_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="nosuch.ipynb: no such file"):
        Notebook("02-pipelines", tmp_path / "nosuch.ipynb").check_all(fresh=True)


# ------------------------------------------------------------------------------------------------------
# Slow: the in-kernel verdicts equal the fresh-process verdicts


FRESH = ("reference", "stub", "label_leak", "cached_loader")     # also graded in fresh processes


def _submissions(spec, root: Path, tmp: Path) -> dict[str, Path]:
    files = {"reference": root / "solutions" / spec.slug / spec.module, "stub": spec.path / spec.module}
    for mutant in load_mutants(spec):
        files[mutant.name] = write_mutant(spec, mutant, root, tmp / mutant.name)
    return files


@pytest.mark.slow
@pytest.mark.long
@pytest.mark.parametrize("shared_memo", [False, True], ids=["each-alone", "one-memo-for-all"])
def test_in_kernel_verdicts_equal_fresh_process_verdicts(spec02, spark, grader, root, tmp_path, shared_memo):
    """Also with one task memo for every submission, as if one student had typed each in turn: a task is
    reused only where its code and inputs are the same, so every verdict is still the submission's own."""
    memo = TaskMemo(tmp_path / "memo") if shared_memo else None
    public = [c.name for c in spec02.public_checks()]
    assert not set(FRESH) - {"reference", "stub", *(m.name for m in load_mutants(spec02))}
    lost = {m.name: set(m.lost) for m in load_mutants(spec02)}
    assert len(lost) >= 6
    seconds = {}
    for name, path in _submissions(spec02, root, tmp_path).items():
        t0 = time.monotonic()
        live = statuses(check_live(spec02, kernel(path.read_text(encoding="utf-8"), name), spark, memo=memo))
        seconds[name] = round(time.monotonic() - t0, 1)
        if name in FRESH:
            expected = statuses(grader.grade(spec02, path, public_only=True))
        elif name == "reference":
            expected = {c: "passed" for c in public}
        elif name == "stub":
            expected = {c: "failed" for c in public}
        else:           # what the fresh-process grader gives a mutant: mutants.toml, checked by verify
            expected = {c: "failed" if c in lost[name] else "passed" for c in public}
        assert live == expected, (name, live, expected)
    print("in-kernel seconds per submission:", seconds)


def test_a_function_not_run_yet_says_run_its_cell(spec02, spark):
    ns = kernel("x = 1\n", "empty")
    report = check_live(spec02, ns, spark, ("q2",))
    assert report.by_name()["q2_stages"].message == ("build_pipeline is not defined in this notebook's kernel: "
                                                     "run the cell that defines it (keep exactly this name)")


def test_check_finds_the_handout_of_a_file_from_any_folder(tmp_path, monkeypatch, spec02):
    from autograder.cli import main
    from autograder.errors import SparkgradeError
    from autograder.notebook import locate_check

    handout = tmp_path / "handout"
    inner = handout / ".sparkgrade" / "assignments" / spec02.slug
    inner.mkdir(parents=True)
    (inner / "assignment.toml").write_text((spec02.path / "assignment.toml").read_text(encoding="utf-8"))
    (handout / "work").mkdir()
    notebook = handout / "work" / "pipelines.ipynb"
    notebook.write_text("{}")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert locate_check(str(notebook), None) == (spec02.slug, str(notebook), handout / ".sparkgrade")
    assert locate_check("02", str(notebook)) == ("02", str(notebook), handout / ".sparkgrade")
    with pytest.raises(SparkgradeError, match="^nosuch.ipynb: no such file$"):
        locate_check("nosuch.ipynb", None)
    stray = elsewhere / "x.py"
    stray.write_text("")
    with pytest.raises(SparkgradeError, match="name the assignment too"):
        locate_check(str(stray), None)
    monkeypatch.setenv("SPARKGRADE_ROOT", str(elsewhere))      # cmd_check keeps an explicit root
    assert main(["check", "nosuch.ipynb"]) == 2


def test_fresh_process_errors_name_the_cell_as_jupyter_shows_it(tmp_path):
    import nbformat
    from nbformat import v4

    from autograder.submission import load_submission

    nb = v4.new_notebook(cells=[v4.new_code_cell("x = 1", execution_count=3),
                                v4.new_code_cell("def f():\n    return 1 / 0\n\nf()", execution_count=7)])
    path = tmp_path / "sub.ipynb"
    nbformat.write(nb, str(path))
    loaded = load_submission(path, "nb_counts")
    assert loaded.errors == ["ZeroDivisionError at sub.ipynb (code cell 2, In [7]) line 2: division by zero"]
