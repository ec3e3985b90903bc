"""Hidden inputs in the student phase: the hidden fixtures and the late tasks' declarations reach the child
only when the first task that only hidden checks need is ordered; what the grader records from then on is
tainted and withheld from students (no Spark: the child's side is played here, file by file)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from autograder.harness.artifacts import write_json
from autograder.harness.sealing import GO, READY, TaskPlan
from autograder.harness.student_phase import (GatedSequencer, HiddenInputs, copy_assignment, late_tasks,
                                              withhold_tainted)
from autograder.registry import load_assignment
from autograder.results import CheckResult, Status
from autograder.spec import CheckSpec

SECRET_ROW = "[107, 9.0, -3.0, \"negative denominator\"]"


def check(name: str, visibility: str, *tasks: str) -> CheckSpec:
    return CheckSpec(name=name, question="q1", kind="custom", points=1, visibility=visibility, tasks=tasks,
                     params={}, description="", hint="")


def test_late_tasks_are_those_no_visible_check_needs():
    plans = [TaskPlan("fit", 60), TaskPlan("probe", 60, needs=("fit",)), TaskPlan("secret", 60, needs=("fit",)),
             TaskPlan("after", 60, needs=("secret",))]
    checks = [check("a", "visible", "probe"), check("b", "hidden", "secret", "fit"),
              check("c", "after_due_date", "after")]
    assert late_tasks(plans, checks) == {"secret", "after"}
    assert late_tasks(plans, [check("a", "visible", "after")]) == {"probe"}     # "after" needs "secret"
    spec = load_assignment("02-pipelines")
    plans = [TaskPlan.from_dict(t.plan()) for t in spec.tasks]
    assert late_tasks(plans, spec.checks) == {"ratio_hidden"}


def assignment(tmp_path: Path) -> Path:
    folder = tmp_path / "assignment"
    (folder / "fixtures").mkdir(parents=True)
    (folder / "hidden" / "fixtures").mkdir(parents=True)
    (folder / "tasks.py").write_text("def t(ctx):\n    pass\n")
    (folder / "fixtures" / "cases.json").write_text('{"schema": "id long", "rows": [[0]]}')
    (folder / "hidden" / "fixtures" / "cases_hidden.json").write_text(
        '{"schema": "id long, num double, den double, note string", "rows": [%s]}' % SECRET_ROW)
    return folder


def readable(folder: Path) -> str:
    """Everything a submission could read under its input folder, as one text."""
    return "\n".join(p.read_text(errors="replace") for p in sorted(folder.rglob("*")) if p.is_file())


def test_hidden_inputs_arrive_with_the_first_late_task_and_taint_what_follows(tmp_path):
    source = assignment(tmp_path)
    inp, artifacts, sealed = tmp_path / "input", tmp_path / "artifacts", tmp_path / "sealed"
    copy_assignment(source, inp / "assignment", hidden_fixtures=False)
    artifacts.mkdir()
    plans = [TaskPlan("visible_a", 60), TaskPlan("secret", 60), TaskPlan("visible_b", 60),
             TaskPlan("after", 60, needs=("secret",))]
    checks = [check("a", "visible", "visible_a"), check("s", "hidden", "secret"), check("b", "visible", "visible_b"),
              check("c", "after_due_date", "after")]
    late = late_tasks(plans, checks)
    plans = [p for p in plans if p.name not in late] + [p for p in plans if p.name in late]
    job = inp / "student-job-0.json"
    write_json(job, {"tasks": [p.to_dict() for p in plans if p.name not in late]})
    hidden = HiddenInputs(source=source / "hidden" / "fixtures", target=inp / "assignment" / "fixtures",
                          load=artifacts / "_load.json",
                          job=lambda: write_json(job, {"tasks": [p.to_dict() for p in plans]}))
    sequencer = GatedSequencer(artifacts=artifacts, control=inp / "control", sealed=sealed, order=list(plans),
                               late=late, hidden=hidden)
    sequencer.start()
    write_json(artifacts / "_load.json", {"problems": ["NameError: before"]})
    write_json(artifacts / READY, {"seq": 0})
    seen: dict[str, str] = {}
    for seq in range(1, 10):                             # the child: run what is ordered, raise what it reads
        sequencer()
        order = json.loads((inp / "control" / GO).read_text())
        if order["task"] is None:
            break
        seen[order["task"]] = text = readable(inp)
        folder = artifacts / order["task"]
        folder.mkdir()
        status = "ok" if order["task"] == "secret" else "raised"          # "after" needs it
        write_json(folder / "outcome.json", {"status": status, "message": text[:2000]})
        os.symlink("/etc/passwd", folder / "link")
        if SECRET_ROW in text:                          # a thread waiting for the hidden fixture rewrites it
            write_json(artifacts / "_load.json", {"problems": [f"NameError: {text[:200]}"]})
        write_json(artifacts / READY, {"seq": seq})
    assert list(seen) == ["visible_a", "visible_b", "secret", "after"]
    for name in ("visible_a", "visible_b"):
        assert SECRET_ROW not in seen[name] and '"secret"' not in seen[name], name
    assert SECRET_ROW in seen["secret"] and '"after"' in seen["secret"]
    assert sequencer.tainted == {"secret", "after"}
    notes = sequencer.tainted_notes()
    assert [n.startswith("instructor: task 'secret'") or n.startswith("instructor: task 'after'")
            for n in notes] == [False, False, True, True], notes
    later = hidden.withdraw()
    assert not (inp / "assignment" / "fixtures" / "cases_hidden.json").exists()
    assert (inp / "assignment" / "fixtures" / "cases.json").exists()
    load = json.loads((artifacts / "_load.json").read_text())
    assert load["problems"] == ["NameError: before"]              # the load report made before the reveal
    assert later and all(n.startswith("instructor: ") for n in later)


def test_without_late_tasks_the_hidden_fixtures_never_arrive(tmp_path):
    source = assignment(tmp_path)
    inp, artifacts = tmp_path / "input", tmp_path / "artifacts"
    copy_assignment(source, inp / "assignment", hidden_fixtures=False)
    artifacts.mkdir()
    hidden = HiddenInputs(source=source / "hidden" / "fixtures", target=inp / "assignment" / "fixtures",
                          load=artifacts / "_load.json")
    sequencer = GatedSequencer(artifacts=artifacts, control=inp / "control", sealed=tmp_path / "sealed",
                               order=[TaskPlan("a", 60)], hidden=hidden)
    sequencer.start()
    write_json(artifacts / READY, {"seq": 0})
    sequencer()
    write_json(artifacts / READY, {"seq": 1})
    sequencer()
    assert SECRET_ROW not in readable(inp) and sequencer.tainted == frozenset() and not hidden.revealed


def test_checks_of_tainted_tasks_are_withheld():
    checks = [check("a", "visible", "visible_a"), check("s", "hidden", "secret"),
              check("both", "after_due_date", "visible_a", "after")]
    results = [CheckResult(c.name, Status.FAILED, 0, 1, "raised: " + SECRET_ROW) for c in checks]
    marked = withhold_tainted(results, checks, frozenset({"secret", "after"}))
    assert [r.withheld for r in marked] == [False, True, True]
    assert [r.message for r in marked] == [r.message for r in results]          # the instructor keeps the text
