"""Judging the live checks: every check's verdict from the artifacts of the tasks run in the kernel, by
the same judges the autograder uses; a check whose task did not succeed fails with that task's message."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from autograder.checks import CHECK_KINDS, judge_check
from autograder.checks.context import JudgeContext
from autograder.data import PreparedData, held_out_columns
from autograder.live.fresh import Standbys, score_in_fresh_process, student_objects
from autograder.live.memo import ScoringMemo
from autograder.live.tasks import LiveRun, _student_names, task_label
from autograder.results import CheckResult
from autograder.runner import unique_requests
from autograder.spec import AssignmentSpec, CheckSpec


def held_out_stand_in(spec: AssignmentSpec, data: PreparedData, workdir: Path) -> Path:
    """A handout has no held-out rows: the public sample stands in, with the columns held-out features have
    (the label and what it is computed from left out), so a model that needs the label fails as it would."""
    import pyarrow.parquet as pq

    table = pq.read_table(data.sample)
    target = workdir / "held_out_stand_in.parquet"
    workdir.mkdir(parents=True, exist_ok=True)
    pq.write_table(table.select(held_out_columns(spec, table.column_names)), target)
    return target


def _task_problem(spec: AssignmentSpec, run: LiveRun, check: CheckSpec) -> CheckResult | None:
    """A failed verdict when a task the check needs did not succeed (the message names what to fix)."""
    for name in check.tasks:
        outcome = run.outcomes.get(name, {"status": "not run", "message": f"task '{name}' was not run"})
        status = outcome.get("status")
        if status == "ok":
            continue
        if status == "error":
            return CheckResult.error(outcome.get("message", ""))
        return CheckResult.failed(outcome.get("message", "") or f"{task_label(spec.task(name))} did not succeed")
    return None


def judge(spec: AssignmentSpec, checks: tuple[CheckSpec, ...], ctx: JudgeContext, run: LiveRun,
          namespace: dict, workdir: Path, standbys: Standbys | None = None,
          scoring: ScoringMemo | None = None) -> tuple[list[CheckResult], list[str]]:
    """Every check's verdict from the artifacts, by the same judges the autograder uses; the fresh process's
    outputs are reused from ``scoring`` when nothing it would score has changed."""
    notes: list[str] = []
    ready = [c for c in checks if not _task_problem(spec, run, c)]
    requests = unique_requests([r for c in ready if CHECK_KINDS[c.kind].score_requests
                                for r in CHECK_KINDS[c.kind].score_requests(ctx, c)])
    held_out = str(ctx.data.test_features)
    if not Path(held_out).exists() and any(r["data"] == held_out for r in requests):
        stand_in = str(held_out_stand_in(spec, ctx.data, workdir))
        requests = [{**r, "data": stand_in} if r["data"] == held_out else r for r in requests]
    key = scoring.key(requests, student_objects(namespace)[0]) if requests and scoring is not None else ""
    reused = scoring is not None and bool(key) and scoring.recall(key, requests)
    if requests and not reused:
        notes += score_in_fresh_process(requests, namespace, spec.data.id_col, workdir / "fresh",
                                        standby=standbys.take() if standbys is not None else None)
        if standbys is not None:
            standbys.start()            # the next check's, warming up while the student works
        if scoring is not None and key:
            scoring.keep(key, requests)
    results = []
    for check in checks:
        t0 = time.monotonic()
        problem = _task_problem(spec, run, check)
        own = problem is None
        verdict = problem or judge_check(ctx, check)
        scored = verdict.scored(check.name, check.points, check.question, check.visibility,
                                check.hint if own or _own_question(spec, run, check) else "")
        results.append(replace(scored, seconds=round(time.monotonic() - t0, 3)))
    return results, notes


def _own_question(spec: AssignmentSpec, run: LiveRun, check: CheckSpec) -> bool:
    """Whether the task that failed for ``check`` exercises its own question's functions (then the check's
    hint helps); no hint when another question's function failed first or the function is not written."""
    question = next((q for q in spec.questions if q.name == check.question), None)
    own = set(question.functions) if question else set()
    by_name = {t.name: t for t in spec.tasks}
    for name in check.tasks:
        outcome = run.outcomes.get(name, {})
        if outcome.get("status") in (None, "ok"):
            continue
        if "not written yet" in outcome.get("message", ""):
            return False
        culprits = [by_name[c] for c in outcome.get("culprits") or [name] if c in by_name]
        return any(n in own for t in culprits for n in _student_names(spec, t))
    return True
