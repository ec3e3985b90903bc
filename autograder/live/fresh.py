"""The student's code in a fresh process, for the live checks that need one (persistence: another process
loads the saved model): one plain subprocess receives the student's functions and classes by value
(cloudpickle; Spark objects and other JVM handles do not cross: a fresh process has none of them either)
and scores the saved models with the harness's own helpers (:mod:`autograder.harness.scorer`)."""

from __future__ import annotations

import io
import os
import pickle
import shutil
import subprocess
import sys
import types
from pathlib import Path

from autograder.harness.artifacts import write_json

SCORING_TIMEOUT_S = 300.0
ROOT = Path(__file__).resolve().parent.parent.parent     # the folder holding the autograder package


class _Handle:
    """What stands for a JVM-backed object in the fresh process: the session becomes that process's own
    session; any other JVM handle becomes None (a fresh process has none of them)."""


def dumps_by_value(obj, persistent_id) -> bytes:
    """``obj`` pickled with cloudpickle (functions and classes of ``__main__`` by value); ``persistent_id``
    names what stays behind (a value's stand-in), or returns None for what is pickled."""
    from pyspark import cloudpickle

    class Pickler(cloudpickle.Pickler):
        def persistent_id(self, value):
            return persistent_id(value)

    buffer = io.BytesIO()
    Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return buffer.getvalue()


def _left_behind(obj) -> str | None:
    """Spark's sessions ("spark": the fresh process's own), contexts, DataFrames and JVM handles ("none")."""
    kind = type(obj)
    module = getattr(kind, "__module__", "") or ""
    if module.startswith("py4j.") or kind.__name__ in ("SparkContext",):
        return "none"
    if module.startswith(("pyspark.sql.session", "pyspark.sql.connect.session")) and kind.__name__ == "SparkSession":
        return "spark"
    if module.startswith(("pyspark.sql.dataframe", "pyspark.sql.classic.dataframe", "pyspark.sql.connect.dataframe")):
        return "none"
    return None


def student_code(namespace: dict) -> dict:
    """The functions and classes the student defined in ``namespace``, by name; their module (when it is
    not ``__main__``) is registered with cloudpickle so that they are pickled by value, code included."""
    from pyspark import cloudpickle

    name = namespace.get("__name__", "__main__")
    if name != "__main__" and name in sys.modules:
        cloudpickle.register_pickle_by_value(sys.modules[name])
    return {k: v for k, v in sorted(namespace.items()) if not k.startswith("_")
            and isinstance(v, (type, types.FunctionType)) and getattr(v, "__module__", None) == name}


def student_objects(namespace: dict) -> tuple[bytes, list[str]]:
    """The functions and classes the student defined in ``namespace`` (and what they use), pickled by
    value; names that cannot be sent are left out with a note."""
    chosen = student_code(namespace)
    try:
        return dumps_by_value(chosen, _left_behind), []
    except Exception:  # noqa: BLE001 - one unpicklable object: send the others one by one
        pass
    kept, notes = {}, []
    for key, value in chosen.items():
        try:
            dumps_by_value({key: value}, _left_behind)
            kept[key] = value
        except Exception as exc:  # noqa: BLE001
            notes.append(f"`{key}` could not be sent to a fresh process ({type(exc).__name__}: {str(exc)[:200]})")
    return dumps_by_value(kept, _left_behind), notes


class Standby:
    """A fresh scoring process started ahead of need: Python, pyspark and a local SparkSession already up,
    nothing of the student's yet, waiting for one job on its standard input. It is as fresh as a process
    started on demand (it has seen nothing of the kernel), but the interpreter and JVM start-up (most of
    a persistence check's time) are over when the check comes. It scores one job, then exits; if the kernel
    goes away its input closes and it exits too."""

    def __init__(self, log: Path):
        log.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log, "wb")
        code = "from autograder.live.scoring_child import standby_main; standby_main()"
        self.process = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=self._log,
                                        stderr=subprocess.STDOUT, cwd=os.getcwd(), env=_child_env())

    def run(self, job: Path, timeout_s: float) -> str:
        """Hand it the job and wait: "done", "timeout" (it is killed) or "dead" (it had exited before)."""
        try:
            pipe = self.process.stdin
            if pipe is None or self.process.poll() is not None:
                return "dead"
            pipe.write(f"{job}\n".encode())
            pipe.close()
            self.process.wait(timeout=timeout_s)
            return "done"
        except OSError:
            return "dead"
        except subprocess.TimeoutExpired:
            return "timeout"
        finally:
            self.close()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log.close()


class Standbys:
    """Keeps one :class:`Standby` ready: ``take()`` hands out the ready one; ``start()`` starts the next once
    the check that took it is over (starting it at once would slow that check: both compete for the CPU)."""

    def __init__(self, folder: Path):
        self.folder, self._count = folder, 0
        self._ready: Standby | None = None

    def _new(self) -> Standby:
        self._count += 1
        return Standby(self.folder / f"standby-{self._count}.log")

    def start(self) -> None:
        """Start the standby process unless one is ready."""
        self._ready = self._ready or self._new()

    def take(self) -> Standby:
        taken, self._ready = self._ready or self._new(), None
        return taken

    def close(self) -> None:
        if self._ready is not None:
            self._ready.close()
            self._ready = None


def _child_env() -> dict:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


def score_in_fresh_process(requests: list[dict], namespace: dict, id_col: str, workdir: Path,
                           timeout_s: float = SCORING_TIMEOUT_S, standby: Standby | None = None) -> list[str]:
    """Score ``requests`` (as the checks ask: model folder, data, out folder, optional loader) in one
    plain subprocess that has the student's functions and classes but none of this kernel's state (a
    :class:`Standby` started ahead, if given and alive; else one started now)."""
    payload, notes = student_objects(namespace)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "objects.pkl").write_bytes(payload)
    jobs, copies = [], {}
    for i, r in enumerate(requests):
        model = Path(r["model"])
        # a path the student's code has never seen: its own for a request with the student's loader (which
        # may change the folder); one per saved folder for Spark's reader (the fresh process loads it once)
        key = (str(model), i if r.get("loader") else None)
        if key not in copies:
            copies[key] = workdir / "models" / f"{i}-{model.name}"
            if model.is_dir():
                shutil.copytree(model, copies[key], symlinks=False, dirs_exist_ok=True)
        jobs.append({**r, "model": str(copies[key] if model.is_dir() else model)})
    job = workdir / "score-job.json"
    write_json(job, {"objects": str(workdir / "objects.pkl"), "requests": jobs, "id_col": id_col})
    outcome = standby.run(job, timeout_s) if standby is not None else "dead"
    if outcome == "timeout":
        return notes + [f"the fresh scoring process did not finish within {timeout_s:g} s"]
    if outcome == "done":
        return notes
    log = workdir / "scorer.log"
    code = "import sys; from autograder.live.scoring_child import score_main; score_main(sys.argv[1])"
    env = _child_env()
    with open(log, "wb") as fh:
        try:
            subprocess.run([sys.executable, "-c", code, str(job)], stdout=fh, stderr=subprocess.STDOUT,
                           cwd=os.getcwd(), env=env, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired:
            notes.append(f"the fresh scoring process did not finish within {timeout_s:g} s")
    return notes
