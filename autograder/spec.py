"""Assignment specs: frozen dataclasses loaded from ``assignments/<slug>/assignment.toml``.

Every validation error is a :class:`SpecError` naming the file and the key, e.g.
``assignments/02-pipelines/assignment.toml: checks[3].points: must be a number >= 0, got 'two'``.
"""

from __future__ import annotations

import datetime
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Collection, Mapping

from autograder.errors import SpecError

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
SAVE_MODES = ("stage", "model", "dataframe", "value", "none")
TASK_ARGS = ("spark", "train", "sample", "fixture:", "path:", "@", "value:")


@dataclass(frozen=True)
class TargetView:
    """A further target the tasks derive from the same rows (04: ``log_amount = log10(amount)``).

    Its training rows and its held-out features lack ``sources``, the columns it is computed from; the
    grader reads them from the hidden labels file."""

    name: str
    target: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class DataSpec:
    """Which dataset an assignment uses and how the grader splits it.

    Held-out features never contain the label, ``label_sources`` (columns the label is computed from)
    or, for a target view, that view's sources."""

    dataset: str
    label: str | None = None
    positive: str | None = None
    id_col: str = "id"
    folds: int = 5
    test_fold: int = 0
    salt: int = 17
    sample_rows: int = 40
    label_sources: tuple[str, ...] = ()
    views: tuple[TargetView, ...] = ()

    @property
    def label_columns(self) -> tuple[str, ...]:
        """Columns of the prepared rows that hold or give away the label: never in held-out features."""
        if not self.label:
            return tuple(self.label_sources)
        names = ("label",) + ((self.label,) if self.label != "label" else ()) + tuple(self.label_sources)
        return tuple(dict.fromkeys(names))

    def view(self, name: str) -> TargetView:
        for v in self.views:
            if v.name == name:
                return v
        raise KeyError(f"no target view {name!r} in [data.views] (declared: "
                       f"{', '.join(v.name for v in self.views) or 'none'})")


@dataclass(frozen=True)
class TaskSpec:
    """One call into student code, made in the sandboxed child; its result is saved as an artifact."""

    name: str
    call: str | None
    function: str | None
    args: tuple[str, ...]
    kwargs: Mapping[str, Any]
    save: str
    timeout_s: float
    predict_sample: bool
    needs: tuple[str, ...] = ()     # tasks whose results this one uses (besides its @ arguments)

    def dependencies(self) -> set[str]:
        """Tasks that must have succeeded before this one may run: its ``@`` arguments and ``needs``."""
        deps = {a[1:] for a in self.args if a.startswith("@")}
        deps |= {v[1:] for v in self.kwargs.values() if isinstance(v, str) and v.startswith("@")}
        return deps | set(self.needs)


@dataclass(frozen=True)
class CheckSpec:
    """One graded check: judged by the grader from the artifacts of ``tasks``."""

    name: str
    question: str
    kind: str
    points: float
    visibility: str
    tasks: tuple[str, ...]
    params: Mapping[str, Any]
    description: str
    hint: str

    @property
    def hidden(self) -> bool:
        return self.visibility != "visible"


@dataclass(frozen=True)
class QuestionSpec:
    """A question of the assignment: prose plus the student functions it asks for."""

    name: str
    title: str
    prompt: str
    functions: tuple[str, ...]


@dataclass(frozen=True)
class BoxSpec:
    """The smallest grading box (memory, CPUs) in which the reference solution still scores full marks,
    as measured by ``sparkgrade measure``, with the grading time and the cgroup memory peak there."""

    min_memory_mb: int
    cpus: float
    seconds: float
    peak_mb: float
    measured_on: str                    # ISO date, YYYY-MM-DD
    tree_peak_mb: float | None = None   # the children's summed RSS there, as the sandbox counts it


@dataclass(frozen=True)
class AssignmentSpec:
    """A whole assignment, as declared in its assignment.toml."""

    slug: str
    title: str
    path: Path
    module: str
    summary: str
    time_limit_s: float
    memory_mb: int
    data: DataSpec
    questions: tuple[QuestionSpec, ...]
    tasks: tuple[TaskSpec, ...]
    checks: tuple[CheckSpec, ...]
    spark_connect: bool = True
    packages: tuple[str, ...] = ()      # extra runtime packages (distribution names), pinned in handouts
    box: BoxSpec | None = None          # measured minimum grading box ([box]); None until measured

    @property
    def module_name(self) -> str:
        return Path(self.module).stem

    @property
    def total_points(self) -> float:
        return sum(c.points for c in self.checks)

    def task(self, name: str) -> TaskSpec:
        return next(t for t in self.tasks if t.name == name)

    def public_checks(self) -> tuple[CheckSpec, ...]:
        return tuple(c for c in self.checks if not c.hidden)

    def tasks_for(self, checks: tuple[CheckSpec, ...]) -> tuple[TaskSpec, ...]:
        """Tasks the given checks need, with their ``@`` dependencies, in declaration order."""
        wanted = {t for c in checks for t in c.tasks}
        changed = True
        while changed:
            changed = False
            for t in self.tasks:
                if t.name in wanted:
                    deps = t.dependencies()
                    if not deps <= wanted:
                        wanted |= deps
                        changed = True
        return tuple(t for t in self.tasks if t.name in wanted)


class _Reader:
    """Typed access to one TOML table, raising SpecError that names file and key."""

    def __init__(self, path: Path, prefix: str, table: Mapping[str, Any]):
        self.path, self.prefix, self.table = path, prefix, table
        if not isinstance(table, Mapping):
            raise SpecError(path, prefix, f"must be a table, got {type(table).__name__}")

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def fail(self, name: str, problem: str):
        raise SpecError(self.path, self.key(name), problem)

    def get(self, name: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        if name not in self.table:
            if default is ...:
                self.fail(name, "is required but missing")
            return default
        value = self.table[name]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            self.fail(name, f"must be {names}, got {value!r}")
        return value

    def number(self, name: str, default: Any = ..., minimum: float = 0.0) -> float:
        value = self.get(name, float, default)
        if value is not None and value < minimum:
            self.fail(name, f"must be a number >= {minimum:g}, got {value!r}")
        return value

    def strings(self, name: str, default: Any = ()) -> tuple[str, ...]:
        value = self.get(name, list, list(default))
        if not all(isinstance(v, str) for v in value):
            self.fail(name, f"must be a list of strings, got {value!r}")
        return tuple(value)

    def choice(self, name: str, choices: tuple[str, ...], default: Any = ...) -> str:
        value = self.get(name, str, default)
        if value not in choices:
            self.fail(name, f"must be one of {', '.join(choices)}; got {value!r}")
        return value

    def reject_unknown(self, allowed: set[str]) -> None:
        for name in self.table:
            if name not in allowed:
                self.fail(name, f"unknown key; allowed keys are {', '.join(sorted(allowed))}")


def _frozen(value: Any) -> Any:
    if isinstance(value, Mapping):
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


def _data(path: Path, raw: Mapping[str, Any]) -> DataSpec:
    r = _Reader(path, "data", raw)
    r.reject_unknown({"dataset", "label", "positive", "id_col", "folds", "test_fold", "salt", "sample_rows",
                      "label_sources", "views"})
    folds = int(r.number("folds", 5, minimum=2))
    test_fold = int(r.number("test_fold", 0))
    if test_fold >= folds:
        r.fail("test_fold", f"must be below folds ({folds}), got {test_fold}")
    label = r.get("label", str, None)
    id_col = r.get("id_col", str, "id")
    label_sources = r.strings("label_sources")
    if label_sources and not label:
        r.fail("label_sources", "needs a label: these are the columns the label is computed from")
    if id_col in label_sources:
        r.fail("label_sources", f"must not name the id column {id_col!r}")
    return DataSpec(
        dataset=r.get("dataset", str),
        label=label,
        positive=r.get("positive", str, None),
        id_col=id_col,
        folds=folds,
        test_fold=test_fold,
        salt=int(r.number("salt", 17)),
        sample_rows=int(r.number("sample_rows", 40, minimum=1)),
        label_sources=label_sources,
        views=_views(path, r.get("views", dict, {}), id_col),
    )


def _views(path: Path, raw: Mapping[str, Any], id_col: str) -> tuple[TargetView, ...]:
    """``[data.views.<name>]`` tables: ``target`` (the derived column) and ``sources`` (non-empty)."""
    views = []
    for name, table in raw.items():
        r = _Reader(path, f"data.views.{name}", table)
        r.reject_unknown({"target", "sources"})
        if not name.isidentifier():
            raise SpecError(path, f"data.views.{name}", "a view name must be a plain identifier (letters, digits, _)")
        sources = r.strings("sources")
        if not sources:
            r.fail("sources", "must name at least one column the target is computed from")
        if id_col in sources:
            r.fail("sources", f"must not name the id column {id_col!r}")
        views.append(TargetView(name=name, target=r.get("target", str), sources=sources))
    return tuple(views)


def _box(path: Path, raw: Mapping[str, Any]) -> BoxSpec:
    r = _Reader(path, "box", raw)
    r.reject_unknown({"min_memory_mb", "cpus", "seconds", "peak_mb", "measured_on", "tree_peak_mb"})
    cpus = r.number("cpus")
    if cpus <= 0:
        r.fail("cpus", f"must be a number > 0 (0.5 is half a core), got {cpus!r}")
    day = r.get("measured_on", (str, datetime.date))
    try:
        day = day if isinstance(day, datetime.date) else datetime.date.fromisoformat(day)
    except ValueError:
        r.fail("measured_on", f"must be a date YYYY-MM-DD, got {day!r}")
    return BoxSpec(
        min_memory_mb=int(r.number("min_memory_mb", minimum=256)),
        cpus=cpus,
        seconds=r.number("seconds"),
        peak_mb=r.number("peak_mb"),
        measured_on=day.isoformat(),
        tree_peak_mb=r.number("tree_peak_mb", None),
    )


def _task(path: Path, i: int, raw: Mapping[str, Any]) -> TaskSpec:
    r = _Reader(path, f"tasks[{i}]", raw)
    r.reject_unknown({"name", "call", "function", "args", "kwargs", "save", "timeout_s", "predict_sample", "needs"})
    call, function = r.get("call", str, None), r.get("function", str, None)
    if (call is None) == (function is None):
        r.fail("call", "give exactly one of 'call' (a student function) or 'function' (tasks.py:<name>)")
    if function is not None:
        module, colon, name = function.partition(":")
        if module != "tasks" or not colon or not name.isidentifier():
            r.fail("function", f"must be 'tasks:<function>', a function of the assignment's tasks.py (the only "
                               f"module a task may name); got {function!r}")
    args = r.strings("args")
    for a in args:
        if not a.startswith(TASK_ARGS):
            r.fail("args", f"unknown argument {a!r}; use spark, train, sample, fixture:<name>, path:<name>, @<task>")
    return TaskSpec(
        name=r.get("name", str),
        call=call,
        function=function,
        args=args,
        kwargs=_frozen(r.get("kwargs", dict, {})),
        save=r.choice("save", SAVE_MODES, "none"),
        timeout_s=r.number("timeout_s", 120.0, minimum=1.0),
        predict_sample=r.get("predict_sample", bool, False),
        needs=r.strings("needs"),
    )


def _check(path: Path, i: int, raw: Mapping[str, Any], kinds: Collection[str]) -> CheckSpec:
    """One ``[[checks]]`` table; with ``kinds`` a mapping of check kinds (``autograder.checks.CHECK_KINDS``),
    its ``params`` are held to what that kind declares."""
    r = _Reader(path, f"checks[{i}]", raw)
    r.reject_unknown({"name", "question", "kind", "points", "visibility", "tasks", "params", "description", "hint"})
    kind = r.get("kind", str)
    if kinds and kind not in kinds:
        r.fail("kind", f"unknown check kind {kind!r}; known kinds: {', '.join(sorted(kinds))}")
    name = r.get("name", str)
    params = r.get("params", dict, {})
    if isinstance(kinds, Mapping):
        kinds[kind].check_params(path, r.key("params"), name, kind, params)
    return CheckSpec(
        name=name,
        question=r.get("question", str),
        kind=kind,
        points=r.number("points"),
        visibility=r.choice("visibility", VISIBILITIES, "visible"),
        tasks=r.strings("tasks"),
        params=_frozen(params),
        description=r.get("description", str, ""),
        hint=r.get("hint", str, ""),
    )


def _question(path: Path, i: int, raw: Mapping[str, Any]) -> QuestionSpec:
    r = _Reader(path, f"questions[{i}]", raw)
    r.reject_unknown({"name", "title", "prompt", "functions"})
    return QuestionSpec(
        name=r.get("name", str),
        title=r.get("title", str),
        prompt=r.get("prompt", str, ""),
        functions=r.strings("functions"),
    )


def _unique(path: Path, key: str, names: list[str]) -> None:
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise SpecError(path, key, f"name {n!r} is used twice; names must be unique")
        seen.add(n)


def _registry() -> Mapping[str, Any]:
    from autograder.checks import CHECK_KINDS      # here: the check kinds import this module

    return CHECK_KINDS


def parse_spec(path: Path, raw: Mapping[str, Any], check_kinds: Collection[str] | None = None) -> AssignmentSpec:
    """Build an AssignmentSpec from parsed TOML, validating every key and cross-reference.

    ``check_kinds`` defaults to the registry (``autograder.checks.CHECK_KINDS``), whose kinds also check
    each check's ``params``; a plain set of names checks the kind names only."""
    if check_kinds is None:
        check_kinds = _registry()
    r = _Reader(path, "", raw)
    r.reject_unknown({"slug", "title", "module", "summary", "time_limit_s", "memory_mb", "data",
                      "questions", "tasks", "checks", "spark_connect", "packages", "box"})
    folder = path.parent
    slug = r.get("slug", str)
    if slug != folder.name:
        r.fail("slug", f"must equal the folder name {folder.name!r}, got {slug!r}")
    questions = tuple(_question(path, i, q) for i, q in enumerate(r.get("questions", list)))
    tasks = tuple(_task(path, i, t) for i, t in enumerate(r.get("tasks", list)))
    checks = tuple(_check(path, i, c, check_kinds) for i, c in enumerate(r.get("checks", list)))
    _unique(path, "questions", [q.name for q in questions])
    _unique(path, "tasks", [t.name for t in tasks])
    _unique(path, "checks", [c.name for c in checks])
    task_names = {t.name for t in tasks}
    question_names = {q.name for q in questions}
    for i, t in enumerate(tasks):
        earlier = {x.name for x in tasks[:i]}
        refs = [a for a in t.args if a.startswith("@")]
        refs += [v for v in t.kwargs.values() if isinstance(v, str) and v.startswith("@")]
        for ref in refs:
            if ref[1:] not in earlier:
                raise SpecError(path, f"tasks[{i}].args", f"{ref!r} must name an earlier task")
        for need in t.needs:
            if need not in earlier:
                raise SpecError(path, f"tasks[{i}].needs", f"{need!r} must name an earlier task")
    for i, c in enumerate(checks):
        if c.question not in question_names:
            raise SpecError(path, f"checks[{i}].question", f"unknown question {c.question!r}; "
                            f"declared: {', '.join(sorted(question_names))}")
        for t in c.tasks:
            if t not in task_names:
                raise SpecError(path, f"checks[{i}].tasks", f"unknown task {t!r}; declared: "
                                f"{', '.join(sorted(task_names))}")
    module = r.get("module", str)
    if not module.endswith(".py") or "/" in module:
        r.fail("module", f"must be a plain file name ending in .py, got {module!r}")
    return AssignmentSpec(
        slug=slug,
        title=r.get("title", str),
        path=folder,
        module=module,
        summary=r.get("summary", str, ""),
        time_limit_s=r.number("time_limit_s", 600.0, minimum=10.0),
        memory_mb=int(r.number("memory_mb", 2048, minimum=256)),
        data=_data(path, r.get("data", dict)),
        questions=questions,
        tasks=tasks,
        checks=checks,
        spark_connect=r.get("spark_connect", bool, True),
        packages=_packages(r),
        box=_box(path, raw["box"]) if "box" in raw else None,
    )


def _packages(r: "_Reader") -> tuple[str, ...]:
    names = r.get("packages", list, [])
    for name in names:
        if not isinstance(name, str) or not name.strip():
            r.fail("packages", f"must be a list of package names, got {name!r}")
    return tuple(names)


def load_spec(path: Path, check_kinds: Collection[str] | None = None) -> AssignmentSpec:
    """Read and validate one assignment.toml."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError(path, "<file>", "does not exist; every assignment folder needs an assignment.toml")
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(path, "<syntax>", f"is not valid TOML ({exc})")
    return parse_spec(path, raw, check_kinds)
