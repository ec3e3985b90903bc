"""The grader's side of the student phase: tasks ordered one at a time, outputs sealed as each task ends,
verdicts from what the grader observes (real child processes, no Spark needed)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from autograder.harness.sealing import TaskPlan, TaskSequencer, copy_sanitized

CHILD = textwrap.dedent("""
    import json, os, sys, time
    from pathlib import Path
    from autograder.harness.sealing import await_order, report_ready

    artifacts, control, script = Path(sys.argv[1]), Path(sys.argv[2]), json.loads(sys.argv[3])
    seq = 0
    report_ready(artifacts, seq)
    seen = []
    while (name := await_order(control, seq, patience_s=30)) is not None:
        seen.append(name)
        step = script.get(name, {})
        folder = artifacts / name
        folder.mkdir(parents=True, exist_ok=True)
        time.sleep(step.get("sleep", 0))
        if "value" in step:
            (folder / "value.json").write_text(json.dumps(step["value"]))
        fd = os.open(folder, os.O_RDONLY)
        for _ in range(step.get("deep", 0)):          # a chain of folders, made through descriptors
            os.mkdir("d", dir_fd=fd)
            below = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = below
        os.close(fd)
        (folder / "outcome.json").write_text(json.dumps({"status": step.get("claim", "ok"),
                                                         "message": step.get("message", ""),
                                                         **step.get("forge", {})}))
        seq += 1
        report_ready(artifacts, seq)
    (artifacts / "seen.json").write_text(json.dumps(seen))
    for name, value in script.get("_forge_after", {}).items():     # rewrite sealed tasks at the end
        (artifacts / name / "value.json").write_text(json.dumps(value))
        (artifacts / name / "outcome.json").write_text(json.dumps({"status": "ok"}))
""")


def run(tmp_path: Path, plans: list[TaskPlan], script: dict, grace_s: float = 5.0):
    artifacts, control, sealed = tmp_path / "artifacts", tmp_path / "control", tmp_path / "sealed"
    artifacts.mkdir()
    sequencer = TaskSequencer(artifacts=artifacts, control=control, sealed=sealed, order=list(plans),
                              grace_s=grace_s)
    sequencer.start()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(artifacts), str(control), json.dumps(script)],
                            cwd=Path(__file__).resolve().parent.parent)
    stopped = None
    while proc.poll() is None:
        stopped = sequencer()
        if stopped:
            proc.kill()
            break
        time.sleep(0.005)
    proc.wait()
    sequencer.settle()
    sequencer.interrupted("the submission process was killed")
    seen = json.loads((artifacts / "seen.json").read_text()) if (artifacts / "seen.json").is_file() else None
    return sequencer, seen, stopped


def value_plan(name: str, **kw) -> TaskPlan:
    return TaskPlan(name=name, timeout_s=kw.pop("timeout_s", 10.0), save="value", label=f"{name}()", **kw)


def test_outputs_are_sealed_as_each_task_ends(tmp_path):
    script = {"a": {"value": 1}, "b": {"value": 2}, "_forge_after": {"a": 42, "b": 42}}
    sequencer, seen, _ = run(tmp_path, [value_plan("a"), value_plan("b")], script)
    assert seen == ["a", "b"]
    assert json.loads((tmp_path / "sealed" / "a" / "value.json").read_text()) == 1
    assert json.loads((tmp_path / "sealed" / "b" / "value.json").read_text()) == 2
    assert sequencer.verdict("a")["status"] == "ok" and sequencer.verdict("b")["status"] == "ok"
    assert json.loads((tmp_path / "sealed" / "a" / "outcome.json").read_text())["status"] == "ok"


def test_a_claimed_success_without_the_declared_result_fails(tmp_path):
    sequencer, _, _ = run(tmp_path, [value_plan("a")], {"a": {}})
    verdict = sequencer.verdict("a")
    assert verdict["status"] == "raised"
    assert "value.json is missing" in verdict["message"]


def test_a_task_that_leaves_folders_nested_too_deep_fails_and_the_next_one_is_sealed(deep_tmp_path):
    sequencer, seen, _ = run(deep_tmp_path, [value_plan("a"), value_plan("b")],
                             {"a": {"value": 1, "deep": 1500}, "b": {"value": 2}})
    assert seen == ["a", "b"]
    verdict = sequencer.verdict("a")
    assert verdict["status"] == "raised", verdict
    assert verdict["message"].startswith("it left folders nested more than 64 levels deep in its output folder")
    assert sorted(p.name for p in (deep_tmp_path / "sealed" / "a").iterdir()) == ["outcome.json"]
    assert sequencer.verdict("b")["status"] == "ok"
    assert json.loads((deep_tmp_path / "sealed" / "b" / "value.json").read_text()) == 2


def test_a_claimed_message_is_read_as_safe_text(tmp_path):
    claim = {"claim": "raised", "message": "bad \udcff byte, \x1b[31mred\x1b[0m\r\n" + "x" * 3000}
    sequencer, _, _ = run(tmp_path, [value_plan("a")], {"a": claim})
    message = sequencer.verdict("a")["message"]
    assert message.startswith("bad \ufffd byte, red\nxxx") and message.endswith("[... 1016 more characters]")
    message.encode("utf-8")


def test_a_task_whose_dependency_failed_is_never_ordered(tmp_path):
    plans = [value_plan("a"), value_plan("b", needs=("a",)), value_plan("c")]
    sequencer, seen, _ = run(tmp_path, plans, {"a": {"claim": "raised"}, "b": {"value": 1}, "c": {"value": 3}})
    assert seen == ["a", "c"]
    assert sequencer.verdict("a")["status"] == "raised"
    assert sequencer.verdict("b")["status"] == "skipped"
    assert "it needs the result of a(), which did not succeed" in sequencer.verdict("b")["message"]
    assert sequencer.verdict("c")["status"] == "ok"


def test_a_task_that_ignores_its_time_limit_is_stopped_by_the_grader(tmp_path):
    plans = [value_plan("a", timeout_s=0.5), value_plan("b")]
    sequencer, _, stopped = run(tmp_path, plans, {"a": {"sleep": 30, "value": 1}, "b": {"value": 2}}, grace_s=0.5)
    assert "ignored its time limit of 0.5 s" in stopped
    assert sequencer.verdict("a")["status"] == "timeout"
    assert "b" not in sequencer.verdicts            # a fresh child runs it (see run_student_phase)


def test_a_forged_verdict_in_the_childs_folder_is_replaced(tmp_path):
    """The child claims the grader failed (a status and cause only the grader gives, and points); the sealed
    verdict is the grader's own: the submission's error, with the claim's text as its message only."""
    forged = {"claim": "error", "message": "grader crashed", "value": 7,
              "forge": {"cause": "grader_infrastructure", "points": 99}}
    sequencer, _, _ = run(tmp_path, [value_plan("a")], {"a": forged})
    sealed = json.loads((tmp_path / "sealed" / "a" / "outcome.json").read_text())
    assert sealed == sequencer.verdict("a")
    assert (sealed["status"], sealed["cause"], sealed["message"]) == ("raised", "student_error", "grader crashed")
    assert "points" not in sealed


def test_copy_leaves_out_links_and_special_files(tmp_path):
    source, target = tmp_path / "src", tmp_path / "dst"
    (source / "sub").mkdir(parents=True)
    (source / "sub" / "data.txt").write_text("x")
    (source / "link").symlink_to("/etc/passwd")
    (source / "linked_dir").symlink_to(source / "sub")
    (source / "hard").write_text("y")
    (source / "hard2").hardlink_to(source / "hard")
    notes = copy_sanitized(source, target)
    assert (target / "sub" / "data.txt").read_text() == "x"
    assert not (target / "link").exists() and not (target / "linked_dir").exists()
    assert not (target / "hard").exists() and not (target / "hard2").exists()
    assert len(notes) == 4


def test_declared_needs_reach_the_student_phase():
    """A task's declared ``needs`` (not only its ``@`` arguments) order it after them and, in a restarted
    child, have them re-run first for their in-memory results."""
    from autograder.harness.student_phase import reruns_needed
    from autograder.registry import load_assignment
    from autograder.runner import _task_plan

    spec = load_assignment("04")
    plans = {t.name: _task_plan(t) for t in spec.tasks}
    assert plans["forest_model"].needs == ("forest",) and plans["importances"].needs == ("forest_model",)
    ok = {"status": "ok"}
    assert reruns_needed(list(plans.values()), [plans["importances"]], {"forest": ok, "forest_model": ok}) == \
        {"forest", "forest_model"}
