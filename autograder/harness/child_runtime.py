"""What both sandboxed children (:mod:`autograder.harness.student` and :mod:`autograder.harness.scorer`)
do the same way: time limits on student code (an alarm raising :class:`TaskTimeout`), a cap on Python's
memory, keeping the Spark session usable (:func:`alive`, :func:`revive`, :func:`stop_running_work`), the
names the handout defines for a submission, and ending the process (:func:`finish`). Runs in the
submission's interpreter: nothing here decides a verdict.
"""

from __future__ import annotations

import os
import signal
import sys
from dataclasses import replace

from autograder.harness import artifacts
from autograder.spark import SparkOptions, build_session, revived_session_url, stop_jvm

EXIT_OK = 0
_EXIT, _KILL, _GETPID, _GETPPID = os._exit, os.kill, os.getpid, os.getppid   # before any student code runs


class TaskTimeout(BaseException):
    """Raised by the alarm when a task exceeds its time limit (BaseException: student code can't swallow
    it with ``except Exception``; the alarm fires again every second in case it is swallowed anyway)."""


def _alarm(signum, frame):
    signal.setitimer(signal.ITIMER_REAL, 1.0)
    raise TaskTimeout("did not finish within its time limit")


def arm(seconds: float) -> None:
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, max(float(seconds), 0.01))


def disarm() -> None:
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


def jvm_broken(message: str) -> bool:
    """Whether a failure suggests the JVM is gone or unusable (it is then restarted before the next task)."""
    return any(s in message for s in ("OutOfMemoryError", "Py4JNetworkError", "Connection refused",
                                      "ConnectionRefusedError", "ConnectionResetError", "BrokenPipeError",
                                      "Answer from Java side is empty", "SparkContext was shut down",
                                      "Py4JError", "could not report its error"))


def alive(spark) -> bool:
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


class LazySession:
    """Stands for a local session that is not started yet: the first use starts it with ``options``. A probe
    gets one in a box of one JVM at a time (:func:`autograder.harness.processes.one_jvm_at_a_time`): its
    processes run with no JVM of the scorer's beside them, and what it reads with Spark after they ended
    starts one then."""

    def __init__(self, options: SparkOptions):
        self._options, self._session = options, None

    def __getattr__(self, name: str):
        if self._session is None:
            self._session = build_session(self._options)
        return getattr(self._session, name)


def revive(options: SparkOptions, attempt: int, fresh_jvm: bool = False):
    """A working session after the submission stopped (or broke) the previous one; over Spark Connect the
    ``attempt``-th restart opens the session id the grader expects for it (see ``revived_session_url``)."""
    if options.remote:
        options = replace(options, remote=revived_session_url(options.remote, attempt))
    if not fresh_jvm:
        try:
            spark = build_session(options)
            if alive(spark):
                return spark
        except Exception:  # noqa: BLE001 - the JVM itself is gone: launch a new one
            pass
    stop_jvm()
    return build_session(options)


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


def harness_error(exc: BaseException) -> bool:
    """Whether ``exc`` is a failure of the harness's own code (writing artifacts), not the student's."""
    kind = getattr(artifacts, "HarnessError", None)
    return kind is not None and isinstance(exc, kind)
