"""The assignment spec's frozen dataclasses (what ``assignment.toml`` declares) and the values its keys
may take; :mod:`autograder.spec.parse` builds them from the TOML."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
SAVE_MODES = ("stage", "model", "dataframe", "value", "none")
OBSERVED = ("grader", "child")
HELDOUT_KINDS = ("fold", "synthetic")
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
    # "fold": the held-out rows are the dataset's own rows in the test fold (anyone with the public data set
    # can look up their labels). "synthetic": they are drawn fresh (autograder.heldout) with the secret seed in
    # hidden/heldout.toml; the test fold is then only left out of the training rows.
    heldout: str = "fold"
    heldout_rows: int = 0           # synthetic: how many rows to draw (0: as many as the test fold has)
    train_label: bool = True        # the grader adds the double `label` column to the training rows (false:
                                    # students build the label themselves; the held-out labels are the same)

    @property
    def synthetic(self) -> bool:
        """Whether the held-out rows are drawn fresh rather than taken from the public data set."""
        return self.heldout == "synthetic"

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
    predict_sample: bool | str      # True, or a student function f(df) -> df applied to the sample first
    needs: tuple[str, ...] = ()     # tasks whose results this one uses (besides its @ arguments)
    # What the task measures in the submission's own process besides the student's outputs (a job count, a
    # setting read back): a fact the submission could forge. Empty: it saves only what the student returned.
    measures: str = ""
    # The task reads the training rows through ``ctx.dataframe("watched")``: a copy that the grader watches
    # for the child's whole life (autograder.sandbox.reads), so a check can judge whether it was read.
    watched: bool = False

    def references(self) -> list[str]:
        """The earlier tasks whose results this one is called with: its ``@<task>`` arguments, positional
        then keyword (the one place that rule is read)."""
        values = [*self.args, *self.kwargs.values()]
        return [v[1:] for v in values if isinstance(v, str) and v.startswith("@")]

    def dependencies(self) -> set[str]:
        """Tasks that must have succeeded before this one may run: its ``@`` arguments and ``needs``."""
        return set(self.references()) | set(self.needs)

    def plan(self) -> dict[str, Any]:
        """The task as a child runs it (plain JSON): ``needs`` holds every dependency, resolved here."""
        return {"name": self.name, "call": self.call, "function": self.function, "args": list(self.args),
                "kwargs": dict(self.kwargs), "save": self.save, "timeout_s": self.timeout_s,
                "predict_sample": self.predict_sample, "needs": sorted(self.dependencies())}


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
    # Where the fact it judges is observed: "grader" (raw outputs, sockets, the kernel, a JVM the submission
    # cannot reach) or "child" (a measurement its task made in the submission's process). Declared only for
    # checks on a measuring task (``TaskSpec.measures``): empty (undeclared) means "grader".
    observed: str = ""

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
    # The largest share of points whose facts the submission's process measured (``CheckSpec.observed``)
    # that ``validate`` accepts: 10 %, raised in an assignment.toml only with the reason beside it.
    child_observed_max: float = 0.10

    @property
    def module_name(self) -> str:
        return Path(self.module).stem

    @property
    def total_points(self) -> float:
        return sum(c.points for c in self.checks)

    def task(self, name: str) -> TaskSpec:
        return next(t for t in self.tasks if t.name == name)

    def child_observed(self) -> tuple[CheckSpec, ...]:
        """The checks whose facts a task measured in the submission's own process."""
        return tuple(c for c in self.checks if c.observed == "child")

    @property
    def child_observed_share(self) -> float:
        """Their share of the assignment's points (0 to 1)."""
        return sum(c.points for c in self.child_observed()) / self.total_points if self.total_points else 0.0

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
