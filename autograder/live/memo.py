"""Tasks the kernel has run already, kept between ``grader.check`` calls: a task whose inputs are the same
as last time (the student's code it runs, the tasks it depends on, the data, the session) is not run
again; its artifacts are copied back and its result reused. Re-checking the persistence question after
editing ``save_model`` then runs ``save_model`` and not the fit before it.

The key of a task is a hash of its declaration, the keys of the tasks it depends on, the data files, the
session, and the student's code it can reach, pickled by value the way the fresh process receives it
(:mod:`autograder.live.fresh`): the called function with every function, class and value it refers to, or,
for a task of the assignment's ``tasks.py``, everything the student defined. Spark objects (a session, a
DataFrame, a model) enter the key as the object itself, so a rebuilt DataFrame is a new key. Code that
cannot be pickled is never remembered. Nothing here is a verdict of record (see :mod:`autograder.live`)."""

from __future__ import annotations

import hashlib
import json
import shutil
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.live.fresh import dumps_by_value, student_code
from autograder.spec import TaskSpec


def _by_identity(value) -> str | None:
    """Every JVM-backed object (session, context, DataFrame, column, model handle) stands for itself: the
    same object gives the same key, another object another key."""
    module = getattr(type(value), "__module__", "") or ""
    if module.startswith(("py4j.", "pyspark.sql", "pyspark.core", "pyspark.context")) and \
            not isinstance(value, (type, types.FunctionType, types.ModuleType)):
        return f"{type(value).__qualname__}@{id(value)}"
    return None


def _files(paths: list[Path]) -> list:
    facts = []
    for path in paths:
        try:
            stat = path.stat()
            facts.append([str(path), stat.st_mtime_ns, stat.st_size])
        except OSError:
            facts.append([str(path), None, None])
    return facts


@dataclass
class _Kept:
    folder: Path
    outcome: dict
    result: Any


class TaskMemo:
    """What the kernel's tasks left, by key, under ``folder`` (one per notebook)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._kept: dict[str, _Kept] = {}
        self._latest: dict[str, str] = {}
        self.scoring = ScoringMemo(folder / ".scoring")      # the fresh process's last outputs

    def key(self, task: TaskSpec, namespace: dict, spark, dependency_keys: list[str | None],
            data: list[Path]) -> str | None:
        """The task's key, or None when it cannot be remembered (code that cannot be pickled, or a task
        that depends on one that was not remembered)."""
        if any(k is None for k in dependency_keys):
            return None
        defined = student_code(namespace)
        for value in defined.values():
            if isinstance(value, type):
                getattr(value, "__annotations__", None)   # created on first access: pickled the same before and after
        code = namespace.get(task.call) if task.call else defined
        try:
            pickled = dumps_by_value({"code": code, "spark": spark}, _by_identity)
        except Exception:  # noqa: BLE001 - cannot be pickled: never remembered
            return None
        declared = json.dumps([task.name, task.call, task.function, list(task.args), dict(task.kwargs),
                               task.save, task.predict_sample, list(task.needs), dependency_keys, _files(data)],
                              sort_keys=True, default=str)
        return hashlib.sha256(declared.encode() + pickled).hexdigest()

    def recall(self, key: str | None, artifact_dir: Path) -> tuple[dict, Any] | None:
        """(outcome, result) of a task remembered under ``key``, its artifacts copied to ``artifact_dir``."""
        kept = self._kept.get(key) if key else None
        if kept is None:
            return None
        if artifact_dir.exists():
            shutil.rmtree(artifact_dir)
        shutil.copytree(kept.folder, artifact_dir, symlinks=True)
        return kept.outcome, kept.result

    def keep(self, task: str, key: str | None, artifact_dir: Path, outcome: dict, result: Any) -> None:
        """Remember a task that succeeded (a copy of its artifacts, its outcome and its result) in place of
        what was kept for it before."""
        if key is None or outcome.get("status") != "ok":
            return
        previous = self._latest.pop(task, None)
        if previous is not None and previous != key:
            shutil.rmtree(self._kept.pop(previous).folder, ignore_errors=True)
        target = self.folder / key
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(artifact_dir, target, symlinks=True)
        self._kept[key] = _Kept(target, dict(outcome), result)
        self._latest[task] = key


def _tree_digest(folder: Path) -> str:
    """A hash of every file under ``folder``: relative paths and bytes (a saved model: a few MB)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


class ScoringMemo:
    """What the fresh scoring process wrote for the last scoring job, by key: the same student objects
    (pickled by value, as the process receives them), the same saved model files and the same requests
    score the same, so an immediate re-check (no code, no model changed) reuses the outputs instead of
    waiting for the next fresh process to start. Only the latest job is kept."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._latest: str | None = None

    def key(self, requests: list[dict], payload: bytes) -> str:
        digest = hashlib.sha256(payload)
        for request in requests:
            model = Path(request["model"])
            shape = {k: v for k, v in request.items() if k not in ("model", "out")}
            digest.update(json.dumps([shape, _tree_digest(model) if model.is_dir() else str(model),
                                      _files([Path(request["data"])]) if request.get("data") else None],
                                     sort_keys=True, default=str).encode())
        return digest.hexdigest()

    def recall(self, key: str, requests: list[dict]) -> bool:
        """Copy the outputs kept under ``key`` to each request's ``out`` folder; False if none are kept."""
        if key != self._latest:
            return False
        for i, request in enumerate(requests):
            out = Path(request["out"])
            if out.exists():
                shutil.rmtree(out)
            shutil.copytree(self.folder / key / str(i), out, symlinks=True)
        return True

    def keep(self, key: str, requests: list[dict]) -> None:
        """Keep each request's outputs under ``key`` in place of the job kept before."""
        if self.folder.exists():
            shutil.rmtree(self.folder)
        for i, request in enumerate(requests):
            out = Path(request["out"])
            if out.is_dir():
                shutil.copytree(out, self.folder / key / str(i), symlinks=True)
            else:
                return              # an output is missing: nothing worth remembering
        self._latest = key
