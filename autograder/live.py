"""Public checks on the live objects of a notebook kernel (``grader.check("q2")``), in a second or two.

The questions' public tasks run in this process, on the functions and classes the student defined (the
kernel's namespace) and with the student's own Spark session, through the harness's own task code
(:class:`autograder.harness.context.TaskContext`, :func:`autograder.harness.student.run_task`); their
artifacts go to a temporary folder and the same check library (``CHECK_KINDS`` and
:class:`autograder.checks.context.JudgeContext`) judges them as the autograder judges a sealed copy. Checks
that need a fresh process (persistence: another process loads the saved model) get one plain subprocess,
which receives the student's functions and classes by value (cloudpickle; Spark objects and other JVM
handles do not cross: a fresh process has none of them either) and scores the saved models with the
harness's own helpers (:mod:`autograder.harness.scorer`).

Nothing here is a verdict of record: it runs in the student's own kernel, unsandboxed, to give quick
feedback. The autograder's verdicts come from ``sparkgrade check`` / the submission (fresh processes).
"""

from __future__ import annotations

import io
import linecache
import os
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import types
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from autograder.checks import CHECK_KINDS, judge_check
from autograder.checks.context import JudgeContext
from autograder.data import PreparedData
from autograder.harness.artifacts import read_json, write_json
from autograder.harness.sealing import TaskPlan
from autograder.results import CheckResult, GradeReport
from autograder.spec import AssignmentSpec, CheckSpec, TaskSpec
from autograder.submission import LoadedSubmission

NOT_WRITTEN = "raise NotImplementedError"
SCORING_TIMEOUT_S = 300.0


# ------------------------------------------------------------------------------------------------------
# Where student code is, as the student sees it


def cell_name(filename: str) -> str | None:
    """``In [7]`` for a file name IPython gave a cell of this kernel (None outside IPython or for a file)."""
    try:
        from IPython import get_ipython

        ip = get_ipython()
        if ip is not None:
            kind, name = ip.compile.format_code_name(filename) or (None, None)
            if kind == "Cell":
                return name.replace("In[", "In [")
    except Exception:  # noqa: BLE001 - any IPython version without it: fall back to the file name
        pass
    return None


def _is_student_file(filename: str) -> bool:
    """Whether a traceback frame is student code: a notebook cell, or a file outside Python's, pyspark's
    and this package's folders."""
    if cell_name(filename):
        return True
    if filename.startswith("<"):
        return not filename.startswith("<frozen")
    path = os.path.realpath(filename)
    ours = os.path.realpath(Path(__file__).resolve().parent)
    return not (path.startswith(ours) or "site-packages" in path or "dist-packages" in path
                or path.startswith(os.path.realpath(sys.prefix)) or path.startswith(os.path.realpath(sys.base_prefix)))


def location(exc: BaseException) -> str:
    """`` (in In [7], line 3: `return x / y`)`` for the innermost student frame of ``exc`` ("" if none)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if _is_student_file(f.filename)]
    if not frames:
        return ""
    f = frames[-1]
    where = cell_name(f.filename) or Path(f.filename).name
    line = (f.line or linecache.getline(f.filename, f.lineno) or "").strip()
    return f" (in {where}, line {f.lineno}" + (f": `{line[:120]}`)" if line else ")")


def first_line(exc: BaseException) -> str:
    try:
        text = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    except Exception:  # noqa: BLE001 - an exception whose __str__ raises
        text = []
    return f"{type(exc).__name__}: {text[0][:300]}" if text else type(exc).__name__


def not_written(obj: Any) -> bool:
    """Whether a student function or class still holds the stub's ``raise NotImplementedError``."""
    import inspect

    if isinstance(obj, type):           # a class's source is not found for notebook cells: its methods' is
        return any(not_written(m) for m in vars(obj).values() if isinstance(m, types.FunctionType))
    try:
        return NOT_WRITTEN in inspect.getsource(obj)
    except (OSError, TypeError):
        return False


# ------------------------------------------------------------------------------------------------------
# Running the tasks in this process


class _Timeout(BaseException):
    pass


class _alarm:
    """A task's time limit with SIGALRM when this is the main thread (a kernel's cells are); else none."""

    def __init__(self, seconds: float):
        self.seconds, self.armed = seconds, False

    def _fire(self, signum, frame):
        raise _Timeout()

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGALRM, self._fire)
            signal.setitimer(signal.ITIMER_REAL, max(float(self.seconds), 0.01))
            self.armed = True
        return self

    def __exit__(self, *exc):
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
        return False


def _task_dict(task: TaskSpec) -> dict:
    return {"name": task.name, "call": task.call, "function": task.function, "args": list(task.args),
            "kwargs": dict(task.kwargs), "save": task.save, "timeout_s": task.timeout_s,
            "predict_sample": task.predict_sample, "needs": list(task.needs)}


def task_label(task: TaskSpec) -> str:
    return f"{task.call}()" if task.call else f"task '{task.name}'"


@dataclass
class LiveRun:
    """Outcomes of the tasks run in this process: ``{task: {"status", "message", "culprits"}}``."""

    spec: AssignmentSpec
    artifacts: Path
    outcomes: dict[str, dict] = field(default_factory=dict)

    def record(self, task: str, status: str, message: str = "", culprits: tuple[str, ...] = (),
               seconds: float = 0.0) -> None:
        verdict = {"status": status, "message": message, "culprits": list(culprits), "seconds": round(seconds, 3)}
        self.outcomes[task] = verdict
        write_json(self.artifacts / task / "outcome.json", verdict)


def _student_names(spec: AssignmentSpec, task: TaskSpec) -> list[str]:
    """The student functions and classes a task exercises: its ``call``, else those of the questions
    whose checks use it."""
    if task.call:
        return [task.call]
    questions = {c.question for c in spec.checks if task.name in c.tasks}
    return [n for q in spec.questions if q.name in questions for n in q.functions]


def _failure(spec: AssignmentSpec, task: TaskSpec, exc: BaseException, namespace: dict) -> str:
    from autograder.harness.context import TaskFailed

    names = _student_names(spec, task)
    undefined = [n for n in names if n not in namespace]
    if undefined:
        return (f"{', '.join(undefined)} {'is' if len(undefined) == 1 else 'are'} not defined in this notebook's "
                "kernel: run the cell that defines it (keep exactly this name)")
    unwritten = [n for n in names if not_written(namespace.get(n))]
    if unwritten:
        named = ", ".join(n if isinstance(namespace.get(n), type) else f"{n}()" for n in unwritten)
        return (f"{named} {'is' if len(unwritten) == 1 else 'are'} not written yet (the cell still "
                f"raises NotImplementedError: replace it with your code and run the cell)")
    label = task_label(task)
    if isinstance(exc, TaskFailed):
        return f"{label}: {exc}"
    if isinstance(exc, NameError) or (isinstance(exc, AttributeError) and "is not defined" in str(exc)):
        return f"{label} failed: {first_line(exc)}{location(exc)}; run the cell that defines it first"
    return f"{label} failed: {first_line(exc)}{location(exc)}"


def run_tasks(spec: AssignmentSpec, tasks: tuple[TaskSpec, ...], namespace: dict, spark, data: PreparedData,
              artifacts: Path) -> LiveRun:
    """Run ``tasks`` in order on the live ``namespace``; a task whose dependencies failed is skipped."""
    from autograder.harness.context import TaskContext, load_tasks_module
    from autograder.harness.child_runtime import stop_running_work
    from autograder.harness.student import run_task

    module = types.ModuleType(str(namespace.get("__name__", "__main__")))
    module.__dict__.update(namespace)
    submission = LoadedSubmission(module)
    tasks_module = load_tasks_module(spec.path) if (spec.path / "tasks.py").is_file() else None
    run = LiveRun(spec, artifacts)
    results: dict = {}
    by_name = {t.name: t for t in tasks}
    for task in tasks:
        failed = [d for d in sorted(task.dependencies()) if run.outcomes.get(d, {}).get("status") != "ok"]
        if failed:
            culprits = tuple(dict.fromkeys(c for d in failed for c in run.outcomes.get(d, {}).get("culprits", [d])))
            labels = ", ".join(task_label(by_name[c]) if c in by_name else c for c in culprits)
            run.record(task.name, "skipped", f"skipped: {labels} did not succeed (fix that first)", culprits)
            continue
        plan = TaskPlan.from_dict(_task_dict(task))
        ctx = TaskContext(spark=spark, submission=submission, assignment_dir=spec.path,
                          artifact_dir=artifacts / task.name, data={"train": str(data.train), "sample": str(data.sample)},
                          id_col=spec.data.id_col, results=results)
        ctx.artifact_dir.mkdir(parents=True, exist_ok=True)
        t0 = time.monotonic()
        try:
            with _alarm(task.timeout_s):
                run_task(ctx, plan, tasks_module)
        except _Timeout:
            stop_running_work(spark)
            run.record(task.name, "timeout", f"{task_label(task)} did not finish within {task.timeout_s:g} s; look "
                       "for an endless loop or an action on a very large DataFrame", (task.name,), time.monotonic() - t0)
            continue
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - the student's failure becomes the task's outcome
            results.pop(task.name, None)
            run.record(task.name, "raised", _failure(spec, task, exc, namespace), (task.name,), time.monotonic() - t0)
            continue
        missing = [p for p in plan.required() if not (ctx.artifact_dir / p).exists()]
        if missing:
            run.record(task.name, "raised", f"{plan.label} ended without leaving its result ({', '.join(missing)} "
                       "is missing)", (task.name,), time.monotonic() - t0)
        else:
            run.record(task.name, "ok", seconds=time.monotonic() - t0)
    return run


# ------------------------------------------------------------------------------------------------------
# The student's code in a fresh process (scoring)


class _Handle:
    """What stands for a JVM-backed object in the fresh process: the session becomes that process's own
    session; any other JVM handle becomes None (a fresh process has none of them)."""


class _Pickler:
    """cloudpickle with Spark's sessions, contexts, DataFrames and JVM handles left behind."""

    @staticmethod
    def dumps(objects: dict) -> bytes:
        from pyspark import cloudpickle

        class Pickler(cloudpickle.Pickler):
            def persistent_id(self, obj):
                kind = type(obj)
                module = getattr(kind, "__module__", "") or ""
                if module.startswith("py4j.") or kind.__name__ in ("SparkContext",):
                    return "none"
                if module.startswith(("pyspark.sql.session", "pyspark.sql.connect.session")) and \
                        kind.__name__ == "SparkSession":
                    return "spark"
                if module.startswith(("pyspark.sql.dataframe", "pyspark.sql.classic.dataframe",
                                      "pyspark.sql.connect.dataframe")):
                    return "none"
                return None

        buffer = io.BytesIO()
        Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(objects)
        return buffer.getvalue()


def student_objects(namespace: dict) -> tuple[bytes, list[str]]:
    """The functions and classes the student defined in ``namespace`` (and what they use), pickled by
    value; names that cannot be sent are left out with a note."""
    from pyspark import cloudpickle

    name = namespace.get("__name__", "__main__")
    chosen = {k: v for k, v in namespace.items() if not k.startswith("_") and isinstance(v, (type, types.FunctionType))
              and getattr(v, "__module__", None) == name}
    if name != "__main__":
        cloudpickle.register_pickle_by_value(sys.modules[name]) if name in sys.modules else None
    try:
        return _Pickler.dumps(chosen), []
    except Exception:  # noqa: BLE001 - one unpicklable object: send the others one by one
        pass
    kept, notes = {}, []
    for key, value in chosen.items():
        try:
            _Pickler.dumps({key: value})
            kept[key] = value
        except Exception as exc:  # noqa: BLE001
            notes.append(f"`{key}` could not be sent to a fresh process ({type(exc).__name__}: {str(exc)[:200]})")
    return _Pickler.dumps(kept), notes


def score_in_fresh_process(requests: list[dict], namespace: dict, id_col: str, workdir: Path,
                           timeout_s: float = SCORING_TIMEOUT_S) -> list[str]:
    """Score ``requests`` (as the checks ask: model folder, data, out folder, optional loader) in one
    plain subprocess that has the student's functions and classes but none of this kernel's state."""
    payload, notes = student_objects(namespace)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "objects.pkl").write_bytes(payload)
    jobs = []
    for i, r in enumerate(requests):
        model = Path(r["model"])
        copy = workdir / "models" / f"{i}-{model.name}"     # a path the student's code has never seen
        if model.is_dir():
            shutil.copytree(model, copy, symlinks=False, dirs_exist_ok=True)
        jobs.append({**r, "model": str(copy if model.is_dir() else model)})
    job = workdir / "score-job.json"
    write_json(job, {"objects": str(workdir / "objects.pkl"), "requests": jobs, "id_col": id_col})
    log = workdir / "scorer.log"
    code = "import sys; from autograder.live import _score_main; _score_main(sys.argv[1])"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).resolve().parent.parent),
                                                                     os.environ.get("PYTHONPATH")]))}
    with open(log, "wb") as fh:
        try:
            subprocess.run([sys.executable, "-c", code, str(job)], stdout=fh, stderr=subprocess.STDOUT,
                           cwd=os.getcwd(), env=env, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired:
            notes.append(f"the fresh scoring process did not finish within {timeout_s:g} s")
    return notes


def _score_main(job_path: str) -> None:
    """Child side: the student's objects into ``__main__`` (where the saved metadata names their classes),
    then each request: load the model (Spark's reader or the student's loader), predict, write Parquet."""
    from autograder.harness.artifacts import write_predictions
    from autograder.harness.scorer import load_model, model_facts, student_loaded_model
    from autograder.spark import SparkOptions, build_session

    job = read_json(Path(job_path))
    spark = build_session(SparkOptions(app_name="sparkgrade-fresh-process"))
    main = sys.modules["__main__"]
    main.__dict__["spark"] = spark

    class Unpickler(pickle.Unpickler):
        def persistent_load(self, pid):
            return spark if pid == "spark" else None

    problem = ""
    try:
        with open(job["objects"], "rb") as fh:
            main.__dict__.update(Unpickler(fh).load())
    except Exception as exc:  # noqa: BLE001 - reported per request
        problem = f"your code could not be recreated in a fresh process ({first_line(exc)})"
    loaded = LoadedSubmission(main)
    for request in job["requests"]:
        out = Path(request["out"])
        out.mkdir(parents=True, exist_ok=True)
        t0 = time.monotonic()
        try:
            if problem:
                raise RuntimeError(problem)
            if request.get("loader"):
                model = student_loaded_model(loaded, request["loader"], Path(request["model"]))
            else:
                model = load_model(Path(request["model"]))
            write_json(out / "model.json", model_facts(model))
            write_predictions(model.transform(spark.read.parquet(request["data"])), out / "predictions", job["id_col"])
            status, message = "ok", ""
        except BaseException as exc:  # noqa: BLE001 - recorded for the judge
            status, message = "raised", first_line(exc)
        write_json(out / "outcome.json", {"status": status, "message": message,
                                          "seconds": round(time.monotonic() - t0, 3)})
    sys.stdout.flush()
    os._exit(0)


# ------------------------------------------------------------------------------------------------------
# Judging


def held_out_stand_in(spec: AssignmentSpec, data: PreparedData, workdir: Path) -> Path:
    """A handout has no held-out rows: the public sample stands in, with the columns held-out features have
    (the label and what it is computed from left out), so a model that needs the label fails as it would."""
    import pyarrow.parquet as pq

    from autograder.data import held_out_columns

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
          namespace: dict, workdir: Path) -> tuple[list[CheckResult], list[str]]:
    """Every check's verdict from the artifacts, by the same judges the autograder uses."""
    from autograder.runner import unique_requests

    notes: list[str] = []
    ready = [c for c in checks if not _task_problem(spec, run, c)]
    requests = unique_requests([r for c in ready if CHECK_KINDS[c.kind].score_requests
                                for r in CHECK_KINDS[c.kind].score_requests(ctx, c)])
    held_out = str(ctx.data.test_features)
    if not Path(held_out).exists() and any(r["data"] == held_out for r in requests):
        stand_in = str(held_out_stand_in(spec, ctx.data, workdir))
        requests = [{**r, "data": stand_in} if r["data"] == held_out else r for r in requests]
    if requests:
        notes += score_in_fresh_process(requests, namespace, spec.data.id_col, workdir / "fresh")
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


def live_data(spec: AssignmentSpec, spark) -> PreparedData:
    """The prepared public data: shipped with a handout (``.sparkgrade/prepared``), else the cache."""
    from autograder.data import prepare
    from autograder.registry import project_root

    shipped = project_root() / "prepared" / spec.slug
    if shipped.is_dir():
        return PreparedData(shipped)
    return prepare(spec, lambda: spark, project_root() / ".cache")


def check_live(spec: AssignmentSpec, namespace: dict, spark, questions: tuple[str, ...] = (),
               keep: Path | None = None) -> GradeReport:
    """The public checks of ``questions`` (all when empty) on the objects in ``namespace``, with ``spark``."""
    started = time.monotonic()
    checks = tuple(c for c in spec.public_checks() if not questions or c.question in questions)
    unknown = set(questions) - {q.name for q in spec.questions}
    if unknown:
        from autograder.errors import SubmissionError

        raise SubmissionError(f"unknown question {', '.join(sorted(unknown))}; {spec.slug} has "
                              f"{', '.join(q.name for q in spec.questions)}")
    module_name = str(namespace.get("__name__", "__main__"))
    live_spec = replace(spec, module=f"{module_name}.py")   # the student's classes live in this module
    workdir = Path(tempfile.mkdtemp(prefix="sparkgrade-live-"))
    try:
        data = live_data(spec, spark)
        run = run_tasks(live_spec, spec.tasks_for(checks), namespace, spark, data, workdir / "artifacts")
        ctx = JudgeContext(spec=live_spec, artifacts=workdir / "artifacts", scores=workdir / "scores", data=data,
                           spark_factory=lambda: spark)
        results, notes = judge(live_spec, checks, ctx, run, namespace, workdir)
    finally:
        if keep is not None:
            shutil.copytree(workdir, keep, dirs_exist_ok=True)
        shutil.rmtree(workdir, ignore_errors=True)
    return GradeReport(assignment=spec.slug, submission="this notebook's kernel", checks=tuple(results),
                       seconds=time.monotonic() - started, notes=tuple(notes))


__all__ = ["check_live", "run_tasks", "score_in_fresh_process", "student_objects"]
