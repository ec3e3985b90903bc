"""Student phase: ``python -m autograder.harness.student <job.json>``.

Loads the submission, then runs each task with its own time limit, leaving one ``outcome.json`` per task
(written as ``started`` before the task runs, so a task that kills the process is still identified).
"""

from __future__ import annotations

import signal
import sys
import time
import traceback
from pathlib import Path

from autograder.harness.artifacts import read_json, write_json
from autograder.harness.context import TaskContext, TaskFailed, load_tasks_module
from autograder.spark import SparkOptions, build_session
from autograder.submission import load_submission


class TaskTimeout(BaseException):
    """Raised by the alarm when a task exceeds its time limit (BaseException: student code can't swallow
    it with ``except Exception``)."""


def _alarm(signum, frame):
    raise TaskTimeout()


def _student_frames(exc: BaseException, submission: str) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(submission)]
    where = f" (at {frames[-1].filename} line {frames[-1].lineno}: {(frames[-1].line or '').strip()})" if frames else ""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:400] if text else ''}{where}"


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


def main(job_path: str) -> int:
    job = read_json(Path(job_path))
    artifacts = Path(job["artifacts"])
    started = time.monotonic()
    spark = build_session(SparkOptions.from_dict(job["spark"]))
    submission = load_submission(Path(job["submission"]), job["module_name"], {"spark": spark})
    write_json(artifacts / "_load.json", {"problems": submission.problems[:20],
                                          "seconds": time.monotonic() - started})
    assignment_dir = Path(job["assignment_dir"])
    tasks_module = load_tasks_module(assignment_dir) if (assignment_dir / "tasks.py").is_file() else None
    results: dict = {}
    signal.signal(signal.SIGALRM, _alarm)
    for task in job["tasks"]:
        task_dir = artifacts / task["name"]
        outcome = task_dir / "outcome.json"
        write_json(outcome, {"status": "started"})
        ctx = TaskContext(spark=spark, submission=submission, assignment_dir=assignment_dir,
                          artifact_dir=task_dir, data=job["data"], id_col=job["id_col"], results=results)
        t0 = time.monotonic()
        status, message = "ok", ""
        try:
            signal.setitimer(signal.ITIMER_REAL, float(task["timeout_s"]))
            run_task(ctx, task, tasks_module)
        except TaskTimeout:
            status, message = "timeout", f"did not finish within its time limit of {task['timeout_s']:g} s"
        except TaskFailed as exc:
            status, message = "raised", str(exc)
        except BaseException as exc:  # noqa: BLE001 - any student failure becomes a recorded outcome
            status, message = "raised", _student_frames(exc, Path(job["submission"]).name)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if status == "timeout":
            try:
                spark.sparkContext.cancelAllJobs()
            except Exception:
                pass
        write_json(outcome, {"status": status, "message": message, "seconds": round(time.monotonic() - t0, 3)})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
