"""Student phase, child side: ``python -m autograder.harness.student <job.json>`` (the grader's driver is
:mod:`autograder.harness.student_phase`).

It loads the submission (its top-level code under a time limit), then runs the
tasks the grader orders, one at a time, each with its own time limit (see :mod:`autograder.harness.sealing`).
The job file names the late tasks (those only hidden checks need) only once the grader has given their
hidden inputs; an order for a task the job did not name makes the child read its job file again.
Before each task the Spark session is revived if the submission stopped it, and SQL settings the submission
changed are put back. The process ends with ``os._exit``. Nothing this side writes is a verdict: it runs in
the submission's interpreter, which the submission can rebind.
"""

from __future__ import annotations

import faulthandler
import sys
import time
import traceback
from pathlib import Path

from autograder.harness.artifacts import read_json, write_json
from autograder.harness.child_runtime import (EXIT_OK, LARGE_DATA_ADVICE, TaskTimeout, alive, arm, disarm, finish,
                                              handout_names, harness_error, jvm_broken, limit_python_memory,
                                              memory_message, pickle_by_value, revive, stop_running_work)
from autograder.harness.context import TaskContext, TaskFailed, load_tasks_module
from autograder.harness.jobs import HARNESS, StudentJob
from autograder.harness.sealing import TaskPlan, await_order, report_ready
from autograder.spark import build_session
from autograder.submission import load_submission

DRIVER_DIED = "the Spark driver (JVM) died during this task"
UNREADABLE_JAVA_ERROR = "The Spark driver (JVM) could not report its error"
# Signs in a Spark error that the driver could not hold what was asked of it, and what they mean.
LARGE_DATA_SIGNS = (
    ("OutOfMemoryError", "the Spark driver ran out of its memory limit"),
    ("maxResultSize", "the result sent to the driver grew past its size limit"),
    ("SparkContext was shut down", "the Spark driver stopped during this task, most likely out of memory"),
    ("SparkContext has been shutdown", "the Spark driver stopped during this task, most likely out of memory"),
    (UNREADABLE_JAVA_ERROR, "which happens when it runs out of memory"),
)


def _worker_error(lines: list[str]) -> str:
    """The error line of a Python worker's traceback inside a PythonException's text (its last line
    naming an exception type; the text may end with a SQLSTATE or a JVM stack trace)."""
    import re

    return next((line for line in reversed(lines[1:]) if re.match(r"^[\w.]*(Error|Exception)\b", line)), lines[-1])


def _student_frames(exc: BaseException, submission: str) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(submission)]
    where = f" (at {frames[-1].filename} line {frames[-1].lineno}: {(frames[-1].line or '').strip()})" if frames else ""
    try:
        text = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    except Exception:  # noqa: BLE001 - a rigged exception whose __str__ raises
        text = []
    first = text[0][:400] if text else ""
    if not first and type(exc).__name__ == "Py4JJavaError":   # its text is fetched from the JVM, which
        call = str(getattr(exc, "errmsg", "") or "").strip()    # may be too short of memory to answer
        first = f"{call} {UNREADABLE_JAVA_ERROR}".strip()
    java = next((line[2:] for line in text[1:] if line.startswith(": ")), "")
    if java:                                      # Py4JJavaError: the Java exception is on the next line
        first = f"{first} {java[:300]}"
    elif len(text) > 1 and (first.endswith(":") or "Python worker" in first):   # PythonException: the
        first = f"{first} {_worker_error(text)[:300]}"                             # worker's own error
    cause = next((cause for sign, cause in LARGE_DATA_SIGNS if sign in first), None)
    if cause:
        first += f" ({cause}; {LARGE_DATA_ADVICE})"
    return f"{type(exc).__name__}: {first}{where}"


def _store(ctx: TaskContext, task: TaskPlan, result) -> None:
    mode = task.save
    if mode in ("stage", "model"):
        ctx.save_stage(result)
    elif mode == "dataframe":
        ctx.save_dataframe(result)
    elif mode == "value":
        ctx.save_value(result)
    if task.predict_sample:
        prepare = task.predict_sample if isinstance(task.predict_sample, str) else None
        ctx.save_sample_predictions(result, ctx.student(prepare) if prepare else None)


def run_task(ctx: TaskContext, task: TaskPlan, tasks_module) -> None:
    """Run one task; its return value is kept in memory for later tasks and saved as declared."""
    if task.call:
        fn = ctx.student(task.call)
        if not callable(fn):
            raise TaskFailed(f"`{task.call}` should be a function or class, got {type(fn).__name__}")
        args = [ctx.resolve(a) for a in task.args]
        kwargs = {k: ctx.resolve(v) for k, v in task.kwargs.items()}
        result = fn(*args, **kwargs)
    else:
        result = getattr(tasks_module, task.function.split(":", 1)[-1])(ctx)
    ctx.results[task.name] = result
    _store(ctx, task, result)


# ------------------------------------------------------------------------------------------------------
# Keeping the student's Spark session usable between tasks


def _conf(spark) -> dict:
    try:
        return dict(spark.conf.getAll)
    except Exception:  # noqa: BLE001
        return {}


def _restore_conf(spark, baseline: dict) -> bool:
    """Put back the SQL settings the submission changed; True if anything had changed."""
    current = _conf(spark)
    changed = False

    def modifiable(key: str) -> bool:
        try:
            return bool(spark.conf.isModifiable(key))
        except Exception:  # noqa: BLE001
            return False

    for key in set(current) - set(baseline):
        if modifiable(key):
            try:
                spark.conf.unset(key)
                changed = True
            except Exception:  # noqa: BLE001
                pass
    for key, value in baseline.items():
        if current.get(key) != value and modifiable(key):
            try:
                spark.conf.set(key, value)
                changed = True
            except Exception:  # noqa: BLE001
                pass
    try:
        spark.sparkContext.setLogLevel("ERROR")
    except Exception:  # noqa: BLE001
        pass
    return changed


def main(job_path: str) -> int:
    faulthandler.enable()                       # a crash leaves a Python traceback in the child's log
    job = StudentJob.from_dict(read_json(Path(job_path)))
    artifacts, control = job.artifacts, job.control
    started = time.monotonic()
    options = job.spark
    spark = build_session(options)
    session_s = time.monotonic() - started
    baseline = _conf(spark)
    python_mb = limit_python_memory(job.memory_mb)
    events: dict = {"spark_restarted": 0, "conf_restored": 0}
    arm(job.load_timeout_s)
    try:
        submission = load_submission(job.submission, job.module_name, handout_names(spark, job.data.get("train")))
    finally:
        disarm()
    pickle_by_value(submission.module)
    write_json(artifacts / "_load.json", {"problems": submission.problems[:20], "session_s": session_s,
                                          "seconds": time.monotonic() - started})
    assignment_dir = job.assignment_dir
    tasks_module = load_tasks_module(assignment_dir) if (assignment_dir / "tasks.py").is_file() else None
    tasks = {t.name: t for t in job.tasks}
    results: dict = {}
    broken = False
    seq = 0
    report_ready(artifacts, seq)
    while (name := await_order(control, seq)) is not None:      # the grader decides what runs next
        if name not in tasks:       # a late task: the grader declares it in the job file when it reveals it
            tasks.update((t.name, t) for t in StudentJob.from_dict(read_json(Path(job_path))).tasks)
        if name not in tasks:
            break
        task = tasks[name]
        task_dir = artifacts / name
        outcome = task_dir / "outcome.json"
        if broken or not alive(spark):
            events["spark_restarted"] += 1
            spark = revive(options, events["spark_restarted"], fresh_jvm=broken)
            submission.module.__dict__["spark"] = spark
        elif _restore_conf(spark, baseline):
            events["conf_restored"] += 1
        results.pop(name, None)
        write_json(outcome, {"status": "started"})
        ctx = TaskContext(spark=spark, submission=submission, assignment_dir=assignment_dir,
                          artifact_dir=task_dir, data=dict(job.data), id_col=job.id_col, results=results,
                          spark_options=options)
        t0 = time.monotonic()
        status, message = "ok", ""
        try:
            arm(task.timeout_s)
            run_task(ctx, task, tasks_module)
        except TaskTimeout:
            status, message = "timeout", f"did not finish within its time limit of {task.timeout_s:g} s"
        except TaskFailed as exc:
            status, message = "raised", str(exc)
        except MemoryError:
            status, message = "raised", f"MemoryError: {memory_message(python_mb, job.memory_mb)}"
        except BaseException as exc:  # noqa: BLE001 - any student failure becomes a recorded outcome
            if harness_error(exc):
                status, message = "error", str(exc)[:1000]
            else:
                status, message = "raised", _student_frames(exc, job.submission.name)
        finally:
            disarm()
        spark = ctx.spark       # a task that ran a process alone started a new session (TaskContext.run_process)
        if status != "ok":
            results.pop(name, None)
        if status == "timeout":
            stop_running_work(spark)
        broken = status == "raised" and jvm_broken(message)
        if broken and options.remote is None and "OutOfMemoryError" not in message and not alive(spark):
            advice = "" if LARGE_DATA_ADVICE in message else f"; {LARGE_DATA_ADVICE}"
            message = (f"{DRIVER_DIED}, most likely out of memory (its memory "
                       f"limit is spark.driver.memory={options.driver_memory}){advice}. The error was: {message}")
        write_json(outcome, {"status": status, "message": message, "seconds": round(time.monotonic() - t0, 3)})
        write_json(artifacts / HARNESS, events)
        seq += 1
        report_ready(artifacts, seq)
    finish(EXIT_OK)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
