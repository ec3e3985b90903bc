"""``assignment.toml`` -> :class:`~autograder.spec.model.AssignmentSpec`: each table read and validated
(:class:`~autograder.spec.reader.TableReader`), cross-references checked (unique names, known tasks, kinds and
questions)."""

from __future__ import annotations

import datetime
import tomllib
from pathlib import Path
from typing import Any, Collection, Mapping

from autograder.errors import SpecError
from autograder.master_source import living_master, refresh_module, with_master_questions
from autograder.single_source import refresh_stub
from autograder.spec.model import (HELDOUT_KINDS, OBSERVED, SAVE_MODES, TASK_ARGS, VISIBILITIES, AssignmentSpec, BoxSpec,
                                   CheckSpec, DataSpec, QuestionSpec, TargetView, TaskSpec)
from autograder.spec.reader import TableReader, frozen
from autograder.spec.kinds import KINDS
from autograder.spec.params import check_params, resolve_params


def _data(path: Path, raw: Mapping[str, Any]) -> DataSpec:
    r = TableReader(path, "data", raw)
    r.reject_unknown({"dataset", "label", "positive", "id_col", "folds", "test_fold", "salt", "sample_rows",
                      "label_sources", "views", "heldout", "heldout_rows", "train_label"})
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
    heldout = r.choice("heldout", HELDOUT_KINDS, "fold")
    if heldout == "synthetic" and not label:
        r.fail("heldout", "\"synthetic\" draws rows per label value or with the target: it needs a label")
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
        heldout=heldout,
        heldout_rows=int(r.number("heldout_rows", 0, minimum=0)),
        train_label=r.get("train_label", bool, True),
    )


def _views(path: Path, raw: Mapping[str, Any], id_col: str) -> tuple[TargetView, ...]:
    """``[data.views.<name>]`` tables: ``target`` (the derived column) and ``sources`` (non-empty)."""
    views = []
    for name, table in raw.items():
        r = TableReader(path, f"data.views.{name}", table)
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
    r = TableReader(path, "box", raw)
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
    r = TableReader(path, f"tasks[{i}]", raw)
    r.reject_unknown({"name", "call", "function", "args", "kwargs", "save", "timeout_s", "predict_sample", "needs",
                      "measures", "watched"})
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
        kwargs=frozen(r.get("kwargs", dict, {})),
        save=r.choice("save", SAVE_MODES, "none"),
        timeout_s=r.number("timeout_s", 120.0, minimum=1.0),
        predict_sample=r.get("predict_sample", (bool, str), False),
        needs=r.strings("needs"),
        measures=r.get("measures", str, ""),
        watched=r.get("watched", bool, False),
    )


def _check(path: Path, i: int, raw: Mapping[str, Any], kinds: Collection[str]) -> CheckSpec:
    """One ``[[checks]]`` table; with ``kinds`` a mapping of kind declarations (:data:`autograder.spec.kinds.KINDS`),
    its ``params`` are held to what that kind declares, and the declared defaults filled in."""
    r = TableReader(path, f"checks[{i}]", raw)
    r.reject_unknown({"name", "question", "kind", "points", "visibility", "tasks", "params", "description", "hint",
                      "observed"})
    kind = r.get("kind", str)
    if kinds and kind not in kinds:
        r.fail("kind", f"unknown check kind {kind!r}; known kinds: {', '.join(sorted(kinds))}")
    name = r.get("name", str)
    params = r.get("params", dict, {})
    if isinstance(kinds, Mapping):
        declared = kinds[kind]
        check_params(path, r.key("params"), name, kind, declared.params, params, declared.open_params,
                     declared.one_of)
        params = resolve_params(declared.params, params)
    return CheckSpec(
        name=name,
        question=r.get("question", str),
        kind=kind,
        points=r.number("points"),
        visibility=r.choice("visibility", VISIBILITIES, "visible"),
        tasks=r.strings("tasks"),
        params=frozen(params),
        description=r.get("description", str, ""),
        hint=r.get("hint", str, ""),
        observed=r.choice("observed", OBSERVED) if "observed" in raw else "",
    )


def _question(path: Path, i: int, raw: Mapping[str, Any]) -> QuestionSpec:
    r = TableReader(path, f"questions[{i}]", raw)
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


def parse_spec(path: Path, raw: Mapping[str, Any], check_kinds: Collection[str] | None = None) -> AssignmentSpec:
    """Build an AssignmentSpec from parsed TOML, validating every key and cross-reference.

    ``check_kinds`` defaults to the built-in kinds (:data:`autograder.spec.kinds.KINDS`), whose declarations
    also check each check's ``params`` and fill in their defaults; a plain set of names checks the kind names
    only."""
    if check_kinds is None:
        check_kinds = KINDS
    r = TableReader(path, "", raw)
    r.reject_unknown({"slug", "title", "module", "summary", "time_limit_s", "memory_mb", "data",
                      "questions", "tasks", "checks", "spark_connect", "packages", "box", "child_observed_max",
                      "master"})
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
        for ref in t.references():
            if ref not in earlier:
                raise SpecError(path, f"tasks[{i}].args", f"'@{ref}' must name an earlier task")
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
        child_observed_max=r.number("child_observed_max", 0.10, minimum=0.0),
    )


def _packages(r: "TableReader") -> tuple[str, ...]:
    names = r.get("packages", list, [])
    for name in names:
        if not isinstance(name, str) or not name.strip():
            r.fail("packages", f"must be a list of package names, got {name!r}")
    return tuple(names)


def load_spec(path: Path, check_kinds: Collection[str] | None = None) -> AssignmentSpec:
    """Read and validate one assignment.toml (and derive its stub from its single source, if it has one)."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError(path, "<file>", "does not exist; every assignment folder needs an assignment.toml")
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(path, "<syntax>", f"is not valid TOML ({exc})")
    master = living_master(path, raw)
    if master is not None:                    # the master notebook is the source: questions' text and module
        raw = with_master_questions(raw, master[1])
    spec = parse_spec(path, raw, check_kinds)
    if master is not None:
        refresh_module(spec.path, spec.module, spec.title, master[1])
    refresh_stub(spec.path, spec.module)      # a single-source assignment's stub follows its source
    return spec
