"""The floor under a grading's time: the submission's own Spark work without the grader. Every task of the
assignment runs in order in one plain local process (one JVM, no sandbox, no sealing, no second process),
and nothing is saved, predicted or scored for grading. The JVM's start-up is timed apart; the tasks run
twice, and the second, warm run (JVM up, classes loaded, data read once) is the floor proper.
``sparkgrade bench`` runs it in a fresh interpreter beside the gradings, so warm grading / floor and cold
grading / (floor + start-up) are ratios of figures measured side by side.

``python -m autograder.floor <assignment> <submission>`` prints
``{"startup_s": ..., "first_s": ..., "warm_s": ..., "failed": [...]}``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.harness.child_runtime import handout_names
from autograder.harness.context import TaskContext, load_tasks_module
from autograder.harness.student import run_task
from autograder.harness.student_phase import copy_assignment
from autograder.registry import load_assignment
from autograder.runner import Grader, _task_plan
from autograder.spark import build_session, sized_options, stop_jvm
from autograder.submission import load_submission


class FloorContext(TaskContext):
    """A task's context that keeps results in memory only."""

    def save_stage(self, obj, name: str = "stage") -> None:
        pass

    def save_dataframe(self, df, name: str = "data", limit: int = 100_000) -> None:
        pass

    def save_value(self, value, name: str = "value") -> None:
        pass

    def save_sample_predictions(self, model, prepare=None) -> None:
        pass


def floor_seconds(slug: str, submission: Path, timeout_s: float = 1800) -> dict:
    """Run the floor in a fresh interpreter: its wall time (``seconds``, interpreter and JVM start-up
    included, as a cold grading's), the JVM start-up, the first and the warm run of the tasks, and the
    tasks that failed."""
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "autograder.floor", slug, str(submission)], capture_output=True,
                          text=True, timeout=timeout_s)
    seconds = time.monotonic() - started
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"the floor run of {submission} failed:\n{proc.stderr[-2000:]}")
    return {**json.loads(lines[-1]), "seconds": seconds}


def main(slug: str, submission: str) -> int:
    spec = load_assignment(slug)
    data = Grader().prepared(spec)
    stop_jvm()          # a JVM that preparing the data started would make the start-up below look free
    started = time.perf_counter()
    spark = build_session(sized_options())
    spark.range(1).count()                              # the JVM up and able to run a job
    startup = time.perf_counter() - started
    paths = {"train": str(data.train), "sample": str(data.sample)}
    loaded = load_submission(Path(submission), spec.module_name, handout_names(spark, paths["train"]))
    runs, failed = [], []
    with tempfile.TemporaryDirectory(prefix="sparkgrade-floor-") as tmp:
        assignment_dir = Path(tmp) / "assignment"         # as the student phase gives it to its child
        copy_assignment(spec.path, assignment_dir)
        tasks_module = load_tasks_module(assignment_dir) if (assignment_dir / "tasks.py").is_file() else None
        for attempt in ("first", "warm"):
            results: dict = {}
            failed = []
            started = time.perf_counter()
            for task in spec.tasks:
                ctx = FloorContext(spark=spark, submission=loaded, assignment_dir=assignment_dir,
                                   artifact_dir=Path(tmp) / attempt / task.name, data=paths,
                                   id_col=spec.data.id_col, results=results)
                try:
                    run_task(ctx, _task_plan(task), tasks_module)
                except Exception:  # noqa: BLE001 - a failing task costs what it cost; the bench reports it
                    failed.append(task.name)
            runs.append(time.perf_counter() - started)
    print(json.dumps({"startup_s": startup, "first_s": runs[0], "warm_s": runs[1], "failed": failed}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
