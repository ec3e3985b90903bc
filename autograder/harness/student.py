"""Student phase, child side: ``python -m autograder.harness.student <job.json>`` (the grader's driver is
:mod:`autograder.harness.student_phase`).

It loads the submission (its top-level code under a time limit), then runs the
tasks the grader orders, one at a time, each with its own time limit (see :mod:`autograder.harness.sealing`).
Before each task the Spark session is revived if the submission stopped it, and SQL settings the submission
changed are put back. The process ends with ``os._exit``. Nothing this side writes is a verdict: it runs in
the submission's interpreter, which the submission can rebind.
"""

from __future__ import annotations

import faulthandler
import os
import signal
import sys
import time
import traceback
from dataclasses import replace
from pathlib import Path

from autograder.harness.artifacts import read_json, write_json
from autograder.harness.context import TaskContext, TaskFailed, load_tasks_module
from autograder.harness.sealing import await_order, report_ready
from autograder.spark import SparkOptions, build_session, revived_session_url
from autograder.submission import load_submission

MAX_RESTARTS = 3
DRIVER_DIED = "the Spark driver (JVM) died during this task"
HARNESS = "_harness.json"
EXIT_OK = 0
_EXIT, _KILL, _GETPID, _GETPPID = os._exit, os.kill, os.getpid, os.getppid   # before any student code runs


class TaskTimeout(BaseException):
    """Raised by the alarm when a task exceeds its time limit (BaseException: student code can't swallow
    it with ``except Exception``; the alarm fires again every second in case it is swallowed anyway)."""


def _alarm(signum, frame):
    signal.setitimer(signal.ITIMER_REAL, 1.0)
    raise TaskTimeout("did not finish within its time limit")


def _arm(seconds: float) -> None:
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, max(float(seconds), 0.01))


def _disarm() -> None:
    signal.setitimer(signal.ITIMER_REAL, 0)


LARGE_DATA_ADVICE = "avoid collect() and toPandas() on large data"


def memory_message(python_mb: int, memory_mb: int) -> str:
    return (f"the submission ran out of memory (memory limit: {memory_mb} MB in all, {python_mb} MB for "
            f"Python objects); {LARGE_DATA_ADVICE} and do not build huge Python objects")


def _in_private_pid_namespace() -> bool:
    """Whether this process runs in the sandbox's private pid namespace: there it is always pid 2, the
    first child of the namespace's init (pid 1), whether it was exec-ed or forked from the fork server.
    Outside one its parent is the launcher, never pid 1. The functions were taken before any student
    code ran, so a submission cannot fake either."""
    return _GETPID() == 2 and _GETPPID() == 1


def finish(code: int = EXIT_OK) -> None:
    """End the child now: flush, kill every other process of the private pid namespace (background
    processes of the submission cannot outlive the last outcome), and exit without running atexit hooks,
    finalizers or threads of the submission."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001
            pass
    if _in_private_pid_namespace():
        try:
            _KILL(-1, signal.SIGKILL)
        except OSError:
            pass
    _EXIT(code)


def limit_python_memory(memory_mb: int) -> int:
    """Cap this process's data segment (the JVM, started before, is not affected; Spark's own memory is
    capped by spark.driver.memory and the whole tree by the grader). Returns the cap in MB."""
    import resource

    try:
        with open("/proc/self/status") as fh:
            vmdata_kb = next(int(line.split()[1]) for line in fh if line.startswith("VmData:"))
    except (OSError, StopIteration, ValueError):
        vmdata_kb = 0
    limit = max(memory_mb * 3 // 4 * 2**20, vmdata_kb * 1024 + 1024 * 2**20)   # room for threads' stacks
    try:
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    except (ValueError, OSError):
        return 0
    return limit // 2**20


def pickle_by_value(module) -> None:
    """Python UDFs defined in the submission are shipped to Spark's Python workers by value: the workers
    cannot import the submission module by name."""
    try:
        from pyspark import cloudpickle

        cloudpickle.register_pickle_by_value(module)
    except Exception:  # noqa: BLE001 - older cloudpickle: UDFs then fail with a clear ModuleNotFoundError
        pass


# Signs in a Spark error that the driver could not hold what was asked of it, and what they mean.
LARGE_DATA_SIGNS = (
    ("OutOfMemoryError", "the Spark driver ran out of its memory limit"),
    ("maxResultSize", "the result sent to the driver grew past its size limit"),
    ("SparkContext was shut down", "the Spark driver stopped during this task, most likely out of memory"),
    ("SparkContext has been shutdown", "the Spark driver stopped during this task, most likely out of memory"),
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
    java = next((line[2:] for line in text[1:] if line.startswith(": ")), "")
    if java:                                      # Py4JJavaError: the Java exception is on the next line
        first = f"{first} {java[:300]}"
    elif len(text) > 1 and (first.endswith(":") or "Python worker" in first):   # PythonException: the
        first = f"{first} {_worker_error(text)[:300]}"                             # worker's own error
    cause = next((cause for sign, cause in LARGE_DATA_SIGNS if sign in first), None)
    if cause:
        first += f" ({cause}; {LARGE_DATA_ADVICE})"
    return f"{type(exc).__name__}: {first}{where}"


def jvm_broken(message: str) -> bool:
    """Whether a failure suggests the JVM is gone or unusable (it is then restarted before the next task)."""
    return any(s in message for s in ("OutOfMemoryError", "Py4JNetworkError", "Connection refused",
                                      "ConnectionRefusedError", "ConnectionResetError", "BrokenPipeError",
                                      "Answer from Java side is empty", "SparkContext was shut down",
                                      "Py4JError"))


def _store(ctx: TaskContext, task: dict, result) -> None:
    mode = task["save"]
    if mode in ("stage", "model"):
        ctx.save_stage(result)
    elif mode == "dataframe":
        ctx.save_dataframe(result)
    elif mode == "value":
        ctx.save_value(result)
    if task.get("predict_sample"):
        ctx.save_sample_predictions(result)


def run_task(ctx: TaskContext, task: dict, tasks_module) -> None:
    """Run one task; its return value is kept in memory for later tasks and saved as declared."""
    if task.get("call"):
        fn = ctx.student(task["call"])
        if not callable(fn):
            raise TaskFailed(f"`{task['call']}` should be a function or class, got {type(fn).__name__}")
        args = [ctx.resolve(a) for a in task["args"]]
        kwargs = {k: ctx.resolve(v) for k, v in task["kwargs"].items()}
        result = fn(*args, **kwargs)
    else:
        result = getattr(tasks_module, task["function"].split(":", 1)[-1])(ctx)
    ctx.results[task["name"]] = result
    _store(ctx, task, result)


# ------------------------------------------------------------------------------------------------------
# Keeping the student's Spark session usable between tasks


def _alive(spark) -> bool:
    """Whether the session still works: not stopped, and (local Spark) its JVM not gone."""
    try:
        if type(spark).__module__.startswith("pyspark.sql.connect"):
            return not spark.is_stopped                 # a Spark Connect session has no JVM of its own
        jsc = spark.sparkContext._jsc
        return jsc is not None and not jsc.sc().isStopped()
    except Exception:  # noqa: BLE001 - a dead gateway raises anything
        return False


def stop_running_work(spark) -> None:
    """Cancel what a timed-out task left running, so that it does not compete with the next task (over
    Spark Connect it would otherwise run on in the shared server)."""
    try:
        if type(spark).__module__.startswith("pyspark.sql.connect"):
            spark.interruptAll()
        else:
            spark.sparkContext.cancelAllJobs()
    except Exception:  # noqa: BLE001 - a dead session has nothing left to cancel
        pass


def _new_jvm() -> None:
    """Kill the current JVM (if any) and forget it, so that the next session launches a fresh one."""
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    proc = getattr(SparkContext._gateway, "proc", None)
    if proc is not None:
        try:
            proc.kill()
            proc.wait(timeout=30)
        except Exception:  # noqa: BLE001
            pass
    try:
        SparkContext._gateway.shutdown()
    except Exception:  # noqa: BLE001
        pass
    SparkContext._gateway = SparkContext._jvm = SparkContext._active_spark_context = None
    SparkSession._instantiatedSession = SparkSession._activeSession = None
    try:
        SparkSession._defaultSession = None
    except Exception:  # noqa: BLE001
        pass


def _revive(options: SparkOptions, attempt: int, fresh_jvm: bool = False):
    """A working session after the submission stopped (or broke) the previous one; over Spark Connect the
    ``attempt``-th restart opens the session id the grader expects for it (see ``revived_session_url``)."""
    if options.remote:
        options = replace(options, remote=revived_session_url(options.remote, attempt))
    if not fresh_jvm:
        try:
            spark = build_session(options)
            if _alive(spark):
                return spark
        except Exception:  # noqa: BLE001 - the JVM itself is gone: launch a new one
            pass
    _new_jvm()
    return build_session(options)


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


class HandoutGrader:
    """Stands in for the handout notebook's ``grader`` (its set-up cell is skipped when grading): a
    ``grader.check("q1")`` cell left in the submission does nothing."""

    def __getattr__(self, name: str):
        return lambda *args, **kwargs: None


def handout_names(spark, train: str | None) -> dict:
    """The names the handout's set-up cell defines (``spark``, ``train_df``, ``grader``), for a submission
    that uses them as it would in Jupyter; ``train_df`` is the public training data."""
    names = {"spark": spark, "grader": HandoutGrader()}
    if train:
        try:
            names["train_df"] = spark.read.parquet(train)
        except Exception:  # noqa: BLE001 - the tasks report a broken session themselves
            pass
    return names


def _harness_error(exc: BaseException) -> bool:
    """Whether ``exc`` is a failure of the harness's own code (writing artifacts), not the student's."""
    from autograder.harness import artifacts

    kind = getattr(artifacts, "HarnessError", None)
    return kind is not None and isinstance(exc, kind)


def main(job_path: str) -> int:
    faulthandler.enable()                       # a crash leaves a Python traceback in the child's log
    job = read_json(Path(job_path))
    artifacts, control = Path(job["artifacts"]), Path(job["control"])
    started = time.monotonic()
    options = SparkOptions.from_dict(job["spark"])
    spark = build_session(options)
    baseline = _conf(spark)
    python_mb = limit_python_memory(int(job.get("memory_mb", 2048)))
    events: dict = {"spark_restarted": 0, "conf_restored": 0}
    _arm(float(job.get("load_timeout_s", 120)))
    try:
        submission = load_submission(Path(job["submission"]), job["module_name"],
                                     handout_names(spark, job["data"].get("train")))
    finally:
        _disarm()
    pickle_by_value(submission.module)
    write_json(artifacts / "_load.json", {"problems": submission.problems[:20],
                                          "seconds": time.monotonic() - started})
    assignment_dir = Path(job["assignment_dir"])
    tasks_module = load_tasks_module(assignment_dir) if (assignment_dir / "tasks.py").is_file() else None
    tasks = {t["name"]: t for t in job["tasks"]}
    results: dict = {}
    broken = False
    seq = 0
    report_ready(artifacts, seq)
    while (name := await_order(control, seq)) in tasks:          # the grader decides what runs next
        task = tasks[name]
        task_dir = artifacts / name
        outcome = task_dir / "outcome.json"
        if broken or not _alive(spark):
            events["spark_restarted"] += 1
            spark = _revive(options, events["spark_restarted"], fresh_jvm=broken)
            submission.module.__dict__["spark"] = spark
        elif _restore_conf(spark, baseline):
            events["conf_restored"] += 1
        results.pop(name, None)
        write_json(outcome, {"status": "started"})
        ctx = TaskContext(spark=spark, submission=submission, assignment_dir=assignment_dir,
                          artifact_dir=task_dir, data=job["data"], id_col=job["id_col"], results=results)
        t0 = time.monotonic()
        status, message = "ok", ""
        try:
            _arm(float(task["timeout_s"]))
            run_task(ctx, task, tasks_module)
        except TaskTimeout:
            status, message = "timeout", f"did not finish within its time limit of {task['timeout_s']:g} s"
        except TaskFailed as exc:
            status, message = "raised", str(exc)
        except MemoryError:
            status, message = "raised", f"MemoryError: {memory_message(python_mb, int(job.get('memory_mb', 2048)))}"
        except BaseException as exc:  # noqa: BLE001 - any student failure becomes a recorded outcome
            if _harness_error(exc):
                status, message = "error", str(exc)[:1000]
            else:
                status, message = "raised", _student_frames(exc, Path(job["submission"]).name)
        finally:
            _disarm()
        if status != "ok":
            results.pop(name, None)
        if status == "timeout":
            stop_running_work(spark)
        broken = status == "raised" and jvm_broken(message)
        if broken and options.remote is None and "OutOfMemoryError" not in message and not _alive(spark):
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
