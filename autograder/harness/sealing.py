"""Task outputs sealed out of the submission's reach as each task ends, and task verdicts the grader
gives itself.

The student phase runs the submission's tasks one at a time in a child process, but only when the grader
says so. The two sides talk through two small files:

``<control>/go.json``       grader -> child: ``{"seq": n, "task": name}`` (``task`` null: end now); the
                            control folder is read-only for the child
``<artifacts>/_ready.json`` child -> grader: ``{"seq": n}``: ready for order ``n`` (after loading the
                            submission: 0; after the task of order ``n - 1``: n)

When the child reports that order ``n``'s task has ended, the grader copies that task's folder into a
folder the child cannot reach (``sealed/<task>``), judges from the copy whether the task left what it had
to leave, and writes its own verdict there (``outcome.json``). Nothing the submission does later (later
tasks, threads, exit hooks) changes a sealed copy. What the child wrote about a task (its ``outcome.json``
claim) is only a source of messages: a claimed success without the task's declared outputs is a failure.
The grader also decides which task runs next: a task whose dependencies did not succeed is never ordered.
"""

from __future__ import annotations

import json
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from autograder.text import from_child
from autograder.walk import TreeTooLarge, remove_tree, walk

GO = "go.json"
READY = "_ready.json"
OUTCOME = "outcome.json"
GRACE_S = 5.0                       # after a task's time limit, how long before the grader stops the child
MAX_SEALED_BYTES = 512 * 2**20      # a task folder larger than this is not kept
POLL_S = 0.01

# The grader's causes of a task that did not succeed (values of autograder.results.Cause; kept as text here:
# the verdicts are plain JSON). Only the grader sets them, from what it observed.
STUDENT_ERROR, STUDENT_TIMEOUT, STUDENT_MEMORY = "student_error", "student_timeout", "student_memory"
GRADER_INFRASTRUCTURE = "grader_infrastructure"

# What a task of each save mode must leave in its folder for its claimed success to count.
REQUIRED_OUTPUTS = {"stage": ("stage/metadata",), "model": ("stage/metadata",), "dataframe": ("data",),
                    "value": ("value.json",), "none": ()}


# ------------------------------------------------------------------------------------------------------
# Child side (standard library only; runs in the submission's interpreter, so it decides nothing)


def _read(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def _write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


def report_ready(artifacts: Path, seq: int) -> None:
    """Tell the grader that the child is ready for order ``seq`` (and so that order ``seq - 1`` ended)."""
    _write(Path(artifacts) / READY, {"seq": seq})


def await_order(control: Path, seq: int, patience_s: float = 900.0) -> str | None:
    """Block until the grader gives order ``seq``; return its task name (None: stop now)."""
    deadline = time.monotonic() + patience_s
    path = Path(control) / GO
    while time.monotonic() < deadline:
        order = _read(path)
        if isinstance(order, dict) and order.get("seq") == seq:
            return order.get("task")
        time.sleep(POLL_S)
    return None


# ------------------------------------------------------------------------------------------------------
# Grader side


@dataclass(frozen=True)
class TaskPlan:
    """One task: what the sequencer needs to order and judge it, and what the student child needs to run
    it (``call`` with ``args``/``kwargs``, or the assignment's ``function``); crosses to the child as
    :meth:`to_dict` inside :class:`autograder.harness.jobs.StudentJob`."""

    name: str
    timeout_s: float
    save: str = "none"
    predict_sample: bool | str = False      # a name: the student function applied to the sample first
    needs: tuple[str, ...] = ()
    label: str = ""
    outputs: tuple[str, ...] = ()      # further outputs a claimed success must leave
    call: str | None = None            # a function of the submission, called with args and kwargs
    function: str | None = None        # or a function of the assignment's tasks.py, called with the context
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, task: Mapping[str, Any]) -> "TaskPlan":
        deps = set(task.get("needs", []))             # every dependency, resolved by the grader (TaskSpec.plan)
        label = task.get("label") or (f"{task['call']}()" if task.get("call") else f"task '{task['name']}'")
        return cls(name=task["name"], timeout_s=float(task["timeout_s"]), save=task.get("save") or "none",
                   predict_sample=task.get("predict_sample") or False, needs=tuple(sorted(deps)), label=label,
                   outputs=tuple(task.get("outputs", ())), call=task.get("call"), function=task.get("function"),
                   args=tuple(task.get("args", ())), kwargs=dict(task.get("kwargs", {})))

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "call": self.call, "function": self.function, "args": list(self.args),
                "kwargs": dict(self.kwargs), "save": self.save, "timeout_s": self.timeout_s,
                "predict_sample": self.predict_sample, "needs": list(self.needs), "label": self.label,
                "outputs": list(self.outputs)}

    def required(self) -> tuple[str, ...]:
        return (REQUIRED_OUTPUTS.get(self.save, ()) + (("sample_predictions",) if self.predict_sample else ())
                + self.outputs)


MAX_PATH_BYTES = 3800                # a sealed copy's paths stay under the kernel's PATH_MAX (4096)
COPY_CHUNK = 2**20


def copy_sanitized(source: Path, target: Path, limit: int = MAX_SEALED_BYTES) -> list[str]:
    """Copy the regular files and folders of ``source`` into ``target`` (never following links, without
    recursion; special files, links and hard links are left out). Returns notes about what was left out;
    raises :class:`~autograder.walk.TreeTooLarge` on folders nested too deep or too many entries
    (see :func:`~autograder.walk.walk`)."""
    notes: list[str] = []
    total = 0
    target.mkdir(parents=True, exist_ok=True)
    for entry in walk(source):
        rel, dest = entry.rel, target / entry.rel
        if entry.is_dir or entry.is_file:
            if len(os.fsencode(dest)) > MAX_PATH_BYTES:
                notes.append(f"{rel[:200]}... was not kept: its path is too long")
            elif entry.is_dir:
                dest.mkdir(exist_ok=True)
            elif entry.st.st_nlink > 1:
                notes.append(f"a link or special file was not kept: {rel}")
            else:
                try:
                    total += _copy_file(entry, dest, limit - total)
                except OSError as exc:
                    notes.append(f"{rel} could not be copied ({exc.strerror})")
                if total > limit:
                    remove_tree(target, ignore_errors=True)
                    target.mkdir(parents=True)
                    return notes + [f"the task's outputs exceed {limit // 2**20} MB and were not kept"]
        else:
            kind = "a symbolic link was not kept" if stat.S_ISLNK(entry.st.st_mode) else \
                "a link or special file was not kept"
            notes.append(f"{kind}: {rel}")
    return notes


def _copy_file(entry, dest: Path, room: int) -> int:
    """Copy one regular file (opened without following a link) into ``dest``, at most ``room`` + 1 bytes;
    the bytes copied."""
    fd = os.open(entry.name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=entry.dir_fd)
    copied = 0
    with os.fdopen(fd, "rb") as src:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_nlink > 1:
            raise OSError(0, "not a regular file")
        with open(dest, "wb") as out:
            while copied <= room and (chunk := src.read(min(COPY_CHUNK, room + 1 - copied))):
                out.write(chunk)
                copied += len(chunk)
    return copied


@dataclass
class TaskSequencer:
    """Gives the child its tasks one by one, seals each task's folder as it ends and records the grader's
    own verdict. Called by the sandbox while the child runs (as its ``watch``); returns a reason to stop
    the child when a task (or loading the submission) ignores its time limit."""

    artifacts: Path                     # the child's writable artifact folder
    control: Path                       # read-only for the child: where orders are written
    sealed: Path                        # out of the child's reach: sealed copies and verdicts
    order: list[TaskPlan]               # tasks to run in this child, in order
    rerun: frozenset[str] = frozenset()     # tasks run again only for their in-memory results: not sealed
    load_timeout_s: float = 120.0
    grace_s: float = GRACE_S
    notes: list[str] = field(default_factory=list)
    seq: int = -1                       # the order last given (-1: none yet)
    current: TaskPlan | None = None
    since: float = field(default_factory=time.monotonic)
    stopped: str | None = None          # name of the task stopped for its time limit ("" for loading)
    loaded: bool = False
    load_seconds: list[float] = field(default_factory=list)    # per child: from its start to its first report
    verdicts: dict[str, dict] = field(default_factory=dict)     # the grader's own, kept in memory
    labels: dict[str, str] = field(default_factory=dict)        # task name -> how messages name it
    memory_events: Callable[[], int] = lambda: 0    # the box's kernel OOM kills so far (autograder.box.oom_kills)
    abort: Callable[[], str | None] | None = None   # the grader's reason to stop the child (e.g. its server died)
    aborted: str | None = None                      # that reason, once it stopped the child
    oom_base: int = 0                               # memory_events() when the current order was given

    def start(self, order: list[TaskPlan] | None = None, rerun: frozenset[str] = frozenset()) -> None:
        """Prepare for a (new) child: ``order`` replaces the tasks to run; verdicts are kept."""
        if order is not None:
            self.order, self.rerun = list(order), rerun
        self.labels.update({p.name: p.label for p in self.order})
        self.seq, self.current, self.stopped, self.loaded = -1, None, None, False
        self.control.mkdir(parents=True, exist_ok=True)
        self.sealed.mkdir(parents=True, exist_ok=True)
        (self.control / GO).unlink(missing_ok=True)
        (self.artifacts / READY).unlink(missing_ok=True)
        self.since = time.monotonic()

    def __call__(self) -> str | None:
        if self.abort is not None and (reason := self.abort()):
            self.aborted = reason
            return reason
        ready = _read(self.artifacts / READY)
        if isinstance(ready, dict) and ready.get("seq") == self.seq + 1:
            if self.current is not None:
                self._seal(self.current, time.monotonic() - self.since)
            else:
                self.loaded = True
                self.load_seconds.append(time.monotonic() - self.since)
            self._next()
        now = time.monotonic()
        if self.current is None:
            if not self.loaded and now - self.since > self.load_timeout_s + self.grace_s:
                self.stopped = ""
                return f"loading the submission took longer than {self.load_timeout_s:g} s"
            return None
        limit = self.current.timeout_s
        if now - self.since > limit + max(self.grace_s, 0.1 * limit):
            self.stopped = self.current.name
            return f"it ignored its time limit of {limit:g} s"
        return None

    def settle(self) -> None:
        """After the child is gone: seal the task it reported as ended just before it went."""
        ready = _read(self.artifacts / READY)
        if self.current is not None and isinstance(ready, dict) and ready.get("seq") == self.seq + 1:
            self._seal(self.current, time.monotonic() - self.since)
            self.current = None

    def _next(self) -> None:
        """Order the next task whose dependencies succeeded; a task that cannot run gets its verdict now."""
        self.current = None
        while self.order:
            plan = self.order.pop(0)
            missing = [self.labels.get(d, f"task '{d}'") for d in plan.needs if self.verdict(d).get("status") != "ok"]
            if missing:
                self.record(plan, "skipped", f"not run: it needs the result of {', '.join(missing)}, which did "
                                             "not succeed")
                continue
            task_dir = self.artifacts / plan.name
            if (task_dir.exists() or task_dir.is_symlink()) and plan.name not in self.rerun:
                remove_tree(task_dir, ignore_errors=True)       # only this order's writes count
            self.current = plan
            break
        self.seq += 1
        self.since = time.monotonic()
        self.oom_base = self.memory_events()
        _write(self.control / GO, {"seq": self.seq, "task": self.current.name if self.current else None})

    def _seal(self, plan: TaskPlan, seconds: float) -> None:
        if plan.name in self.rerun:
            return
        target = self.sealed / plan.name
        remove_tree(target, ignore_errors=True)
        source = self.artifacts / plan.name
        refused = None
        if source.is_dir() and not source.is_symlink():
            try:
                self.notes += [from_child(f"task '{plan.name}': {n}", 500) for n in copy_sanitized(source, target)]
            except TreeTooLarge as exc:
                remove_tree(target, ignore_errors=True)
                target.mkdir(parents=True)
                refused = (f"it left {exc.what} in its output folder, so nothing it wrote was kept; write only "
                           "what the task asks for")
        else:
            target.mkdir(parents=True)
        claim = _read(target / OUTCOME)
        claim = claim if isinstance(claim, dict) else {}
        status, message = str(claim.get("status", "")), from_child(claim.get("message", ""), 2000)
        if refused:
            status, message = "raised", refused
        elif status == "ok":
            missing = [p for p in plan.required() if not (target / p).exists()]
            if missing:
                status, message = "raised", (f"{plan.label} ended without leaving its result "
                                             f"({', '.join(missing)} is missing)")
        elif status not in ("raised", "timeout"):
            # Whatever the child says went wrong (its own "error", an unknown status, none) is the
            # submission's: the child's interpreter runs the student's code and can claim anything.
            status, message = "raised", message or f"{plan.label} ended without reporting how it went"
        cause = None if status == "ok" else STUDENT_TIMEOUT if status == "timeout" else STUDENT_ERROR
        self.record(plan, status, message, seconds, cause)

    def record(self, plan: TaskPlan, status: str, message: str, seconds: float | None = None,
               cause: str | None = STUDENT_ERROR) -> None:
        """Write the grader's verdict on ``plan`` (only once: a sealed verdict is final), with the cause the
        grader observed and the kernel's OOM kills in the box while it ran."""
        if plan.name in self.rerun or plan.name in self.verdicts:
            return
        verdict = {"status": status, "message": message, "cause": None if status == "ok" else cause,
                   "oom_kills": max(0, self.memory_events() - self.oom_base)}
        if seconds is not None:
            verdict["seconds"] = round(seconds, 3)
        self.verdicts[plan.name] = verdict
        _write(self.sealed / plan.name / OUTCOME, verdict)      # replaces the child's claim in the copy

    def verdict(self, name: str) -> dict:
        return self.verdicts.get(name, {})

    def interrupted(self, describe: str, cause: str = STUDENT_ERROR) -> TaskPlan | None:
        """After the child ended: the task it was running (if any) gets a verdict from how it ended, as
        the grader observed it (``cause``); returns that task."""
        plan = self.current
        if plan is None:
            return None
        if self.aborted:
            self.record(plan, "started", f"{self.aborted} while {plan.label} was running", cause=GRADER_INFRASTRUCTURE)
        elif self.stopped == plan.name:
            self.record(plan, "timeout", f"did not finish within its time limit of {plan.timeout_s:g} s and "
                                         "was stopped", cause=STUDENT_TIMEOUT)
        else:
            self.record(plan, "raised", f"{describe} while {plan.label} was running", cause=cause)
        self.current = None
        return plan
