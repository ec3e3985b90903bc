"""Pipeline structure, read from the metadata Spark saved (no student code is loaded to judge it):
stage types by fully qualified class name, order, unique stage instances, column wiring input -> output,
key params, and label leakage by lineage (``autograder.checks.lineage``).

A stage name in a check's params ("Imputer", "StringIndexerModel") means the pyspark.ml class of that
name, saved as ``org.apache.spark.ml.feature.Imputer`` or ``pyspark.ml.feature.Imputer``; any other name
("RatioTransformer") means the class the submission defines, saved as ``<submission module>.<name>``.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from autograder.checks.context import JudgeContext
from autograder.checks.lineage import FIT_ONLY_PARAMS, OUTPUT_PARAMS, SqlProblem, Trace, column_params, flows, output_type, sql_step
from autograder.checks.param_rules import describe_rule, param_ok
from autograder.harness.artifacts import stage_metadata
from autograder.harness.saved_models import stage_folders
from autograder.results import CheckResult
from autograder.spec import CheckSpec
from autograder.spec.kinds import PIPELINE_PARAMS
from autograder.spec.params import resolve_params

__all__ = ["StageInfo", "flatten", "leaves", "tuned_dir", "spark_ml_classes", "is_stage", "structure_problems",
           "wiring_problems", "unused_outputs", "read_stages", "judge", "judge_structure", "OUTPUT_PARAMS"]

# The public pyspark.ml modules whose classes a check may name.
SPARK_ML_MODULES = ("pyspark.ml.pipeline", "pyspark.ml.feature", "pyspark.ml.classification",
                    "pyspark.ml.regression", "pyspark.ml.clustering", "pyspark.ml.recommendation",
                    "pyspark.ml.fpm", "pyspark.ml.evaluation", "pyspark.ml.tuning")
PIPELINES = ("Pipeline", "PipelineModel")
# Where a tuner keeps the stage it tunes (saved folder name) -- CrossValidator(Model), TrainValidationSplit(Model).
TUNED = {"CrossValidator": "estimator", "TrainValidationSplit": "estimator",
         "CrossValidatorModel": "bestModel", "TrainValidationSplitModel": "bestModel"}


@functools.lru_cache(maxsize=1)
def spark_ml_classes() -> dict[str, frozenset[str]]:
    """Short class name -> the class names Spark may save for that pyspark.ml class (its JVM class,
    e.g. ``org.apache.spark.ml.feature.Imputer``, and the Python one, ``pyspark.ml.feature.Imputer``)."""
    import importlib
    import inspect

    from pyspark.ml.param import Params
    from pyspark.ml.util import JavaMLReader

    found: dict[str, set[str]] = {}
    for module_name in SPARK_ML_MODULES:
        module = importlib.import_module(module_name)
        for name, cls in vars(module).items():
            if inspect.isclass(cls) and cls.__module__ == module_name and not name.startswith("_") \
                    and issubclass(cls, Params):
                found.setdefault(name, set()).update({f"{module_name}.{name}", JavaMLReader._java_loader_class(cls)})
    return {name: frozenset(fqns) for name, fqns in found.items()}


def python_name(short: str) -> str:
    """``pyspark.ml.feature.Imputer`` for ``Imputer`` (for messages)."""
    return min((n for n in spark_ml_classes().get(short, ()) if n.startswith("pyspark.")), default=short)


@dataclass(frozen=True)
class StageInfo:
    """One stage of a saved pipeline: its class, uid and effective params (defaults, then user-set)."""

    cls: str
    uid: str
    params: dict[str, Any]

    @property
    def name(self) -> str:
        """The short class name (for messages and patterns; identity is ``cls``)."""
        return self.cls.rsplit(".", 1)[-1]

    @property
    def is_spark(self) -> bool:
        """True if the class is pyspark.ml's own class of that name (by fully qualified name)."""
        return self.cls in spark_ml_classes().get(self.name, ())

    def columns(self, output: bool) -> list[str]:
        return column_params(self.params, output)


def is_stage(stage: StageInfo, want: str, module: str | None = None) -> bool:
    """Whether ``stage`` is the class ``want`` names: pyspark.ml's class of that name, or for any other name
    the class of that name defined in the submission module ``module`` (any module when None)."""
    if stage.name != want:
        return False
    allowed = spark_ml_classes().get(want)
    if allowed is not None:
        return stage.cls in allowed
    return module is None or stage.cls == f"{module}.{want}"


def _matches(stage: StageInfo, pattern: str, module: str | None) -> bool:
    return any(is_stage(stage, want, module) for want in pattern.split("|"))


def impostor(stage: StageInfo, module: str | None) -> str | None:
    """Why a stage whose short name is a wanted class is not that class (None if it is)."""
    allowed = spark_ml_classes().get(stage.name)
    if allowed is not None and stage.cls not in allowed:
        where = "defined in your code" if module and stage.cls == f"{module}.{stage.name}" else f"({stage.cls})"
        return f"a class named {stage.name} {where}, not {python_name(stage.name)}: use Spark's own stage"
    if allowed is None and module is not None and stage.cls != f"{module}.{stage.name}":
        return f"{stage.cls}, not the {stage.name} class defined in your submission"
    return None


def _info(meta: dict[str, Any]) -> StageInfo:
    params = {**meta.get("defaultParamMap", {}), **meta.get("paramMap", {})}
    return StageInfo(cls=str(meta.get("class", "?")), uid=str(meta.get("uid", "?")), params=params)


def leaves(stage_dir: Path) -> list[tuple[StageInfo, Path]]:
    """The leaf stages under a saved stage, in order, each with its folder: nested Pipelines and
    PipelineModels expanded at any depth (a pipeline of Spark's own class only)."""
    stage_dir = Path(stage_dir)
    meta = stage_metadata(stage_dir)
    top = _info(meta)
    uids = meta.get("paramMap", {}).get("stageUids") or meta.get("stageUids")
    if top.name not in PIPELINES or not top.is_spark or uids is None:
        return [(top, stage_dir)]
    return [leaf for folder in stage_folders(stage_dir, meta) for leaf in leaves(folder)]


def flatten(stage_dir: Path) -> tuple[StageInfo, list[StageInfo]]:
    """The top stage and the list of its leaf stages (nested pipelines expanded in order)."""
    return _info(stage_metadata(Path(stage_dir))), [s for s, _ in leaves(stage_dir)]


def tuned_dir(stage_dir: Path) -> Path:
    """The folder of what a saved tuner tunes (its estimator, or a tuned model's best model), following
    tuners inside tuners; ``stage_dir`` itself for any other stage."""
    stage_dir = Path(stage_dir)
    top = _info(stage_metadata(stage_dir))
    sub = TUNED.get(top.name) if top.is_spark else None
    return tuned_dir(stage_dir / sub) if sub else stage_dir


def _describe(stages: list[StageInfo]) -> str:
    return " -> ".join(s.name if s.is_spark or s.name not in spark_ml_classes() else f"{s.name} (not Spark's)"
                       for s in stages) or "(no stages)"


def _wanted_names(params: dict[str, Any]) -> set[str]:
    patterns = [params.get("type") or ""] + list(params.get("stages", [])) + list(params.get("contains", [])) \
        + [k.partition(".")[0] for k in dict(params.get("params", {}))]
    return {name for p in patterns for name in p.split("|") if name}


def structure_problems(top: StageInfo, stages: list[StageInfo], params: dict[str, Any], data_columns: list[str],
                       *, module: str | None = None, spark: Callable[[], Any] | None = None,
                       data_types: dict[str, Any] | None = None) -> list[str]:
    """Every way the saved pipeline differs from what ``params`` asks for (empty list: all good).
    ``module`` is the submission's module name (custom stage classes must come from it); ``spark`` gives
    the grader's session, asked for only to analyse a SQLTransformer's statement."""
    params = resolve_params(PIPELINE_PARAMS, params)
    problems = []
    wanted = _wanted_names(params)
    for s in [top] + stages:
        why = impostor(s, module) if s.name in wanted else None
        if why and why not in problems:
            problems.append(why)
    want_type = params.get("type")
    if want_type and not _matches(top, want_type, module):
        extra = " (you returned a fitted model: return the Pipeline before calling fit)" \
            if top.name == "PipelineModel" and want_type == "Pipeline" else ""
        problems.append(f"expected a {want_type.replace('|', ' or ')}, got a {top.name}{extra}")
    if "stages" in params:
        want = list(params["stages"])
        if len(want) != len(stages) or not all(_matches(s, w, module) for s, w in zip(stages, want)):
            problems.append(f"expected stages {' -> '.join(want)}, got {_describe(stages)}")
    if "contains" in params:
        pos = 0
        for want in params["contains"]:
            while pos < len(stages) and not _matches(stages[pos], want, module):
                pos += 1
            if pos == len(stages):
                problems.append(f"expected a {want.replace('|', ' or ')} stage (in order {' -> '.join(params['contains'])}); "
                                f"got {_describe(stages)}")
                break
            pos += 1
    seen: set[str] = set()
    for s in stages:
        if s.uid in seen:
            problems.append(f"the same {s.name} instance ({s.uid}) is used twice; create a new stage for each step")
        seen.add(s.uid)
    for stage_name, param, want, hits in param_targets(top, stages, params, module):
        if not hits:
            problems.append(f"no {stage_name} stage to check {param} on")
        for s in hits:
            have = s.params.get(param)
            if not param_ok(have, want):
                problems.append(f"{s.name} has {param}={json.dumps(have)}, expected {describe_rule(want)}")
    if params["wiring"]:
        problems += wiring_problems(stages, data_columns, list(params.get("not_features", [])), spark=spark,
                                    data_types=data_types)
    if params["all_used"]:
        problems += unused_outputs(stages)
    return problems


def param_targets(top: StageInfo, stages: list[StageInfo], params: dict[str, Any], module: str | None):
    """(stage name, param, rule, the stages it names) for each ``'<Stage>.<param>'`` the check requires."""
    candidates = stages + ([top] if top not in stages else [])
    for key, want in dict(params.get("params", {})).items():
        stage_name, _, param = key.partition(".")
        yield stage_name, param, want, [s for s in candidates if _matches(s, stage_name, module)]


def unused_outputs(stages: list[StageInfo]) -> list[str]:
    """Columns a stage writes that no later stage reads (the last stage's own outputs aside): an imputed
    or derived column computed for nothing means a later stage reads the raw column instead. Outputs are
    the ones the stage really writes (pairwise outputCols, not an unused default outputCol); after a
    SQLTransformer nothing is reported (a statement may read any column)."""
    problems = []
    for i, stage in enumerate(stages[:-1]):
        later = stages[i + 1:]
        if any(s.name == "SQLTransformer" and s.is_spark for s in later):
            continue
        read_later = {c for s in later for c in column_params(s.params, output=False)}
        for col, _ in flows(stage.name, stage.is_spark, stage.params, set()):
            if col not in read_later:
                problems.append(f"stage {i + 1} ({stage.name}) writes '{col}', which no later stage reads "
                                "(a later stage reads another column in its place)")
    return problems


def trace_columns(stages: list[StageInfo], data_columns: list[str], spark: Callable[[], Any] | None = None,
                  data_types: dict[str, Any] | None = None) -> tuple[Trace, list[str]]:
    """The column graph of ``stages`` run on ``data_columns``, and every wiring problem met on the way."""
    trace, problems = Trace(), []
    for c in data_columns:
        trace.add_data(c, (data_types or {}).get(c))
    written: set[str] = set()
    for i, s in enumerate(stages, 1):
        step = f"stage {i} ({s.name})"
        if s.name == "SQLTransformer" and s.is_spark:
            try:
                written.update(sql_step(spark, str(s.params.get("statement", "")), trace, step))
            except SqlProblem as exc:
                problems.append(f"{step}: {exc}")
            continue
        for col in s.columns(output=False):
            if col not in trace.available:
                problems.append(f"{step} reads column '{col}', which neither the data nor an earlier stage provides")
        for col, reads in flows(s.name, s.is_spark, s.params, set(trace.available)):
            if col in written and col not in reads:     # an update in place (Imputer) reads what it rewrites
                problems.append(f"{step} writes column '{col}', which an earlier stage already wrote")
            trace.write(col, reads, step, output_type(s.name, s.params, col, reads, trace) if s.is_spark else None)
            written.add(col)
    return trace, problems


def _feature_columns(last: StageInfo) -> list[str]:
    """The columns the final stage learns from: its featuresCol, else (a feature pipeline) its outputs."""
    if isinstance(last.params.get("featuresCol"), str):
        return [last.params["featuresCol"]]
    return last.columns(output=True)


def wiring_problems(stages: list[StageInfo], data_columns: list[str], not_features: list[str],
                    spark: Callable[[], Any] | None = None, data_types: dict[str, Any] | None = None) -> list[str]:
    """Columns each stage reads must exist in the data or be written by an earlier stage, and no path may
    lead from a label column (``not_features`` and the final estimator's labelCol) to its features."""
    trace, problems = trace_columns(stages, data_columns, spark, data_types)
    if not stages:
        return problems
    last = stages[-1]
    labels = set(not_features) | ({last.params["labelCol"]} if isinstance(last.params.get("labelCol"), str) else set())
    for col in _feature_columns(last):
        steps = trace.path(col, labels)
        if steps is not None:
            problems.append(f"the features that stage {len(stages)} ({last.name}) reads are computed from "
                            f"{steps[0]}, the label (or derived from it): {' -> '.join(steps)}; that leaks the "
                            "answer into the model")
    return problems


def unmet_inputs(saved: Path, columns: list[str]) -> list[str]:
    """The columns the saved model at ``saved`` reads when it transforms (fit-only params such as labelCol
    aside) that neither ``columns`` nor an earlier stage provides, read from its metadata by the grader;
    [] when its stages cannot be read (the scoring says why)."""
    try:
        _, stages = flatten(saved)
    except (OSError, ValueError):
        return []
    available, missing = set(columns), []
    for s in stages:
        if s.name == "SQLTransformer":      # its statement's columns are not in its params
            break
        reads = {c for k, v in s.params.items() if k not in FIT_ONLY_PARAMS
                 for c in column_params({k: v}, output=False)}
        missing += sorted(c for c in reads - available if c not in missing)
        available |= set(s.columns(output=True))
    return missing


def read_stages(ctx: JudgeContext, task: str, artifact: str = "stage") -> tuple[StageInfo, list[StageInfo]] | CheckResult:
    """(top stage, leaf stages) of what ``task`` saved as ``artifact``, or a failed CheckResult saying why
    it cannot be read."""
    try:
        return flatten(ctx.task_dir(task) / artifact)
    except (OSError, ValueError) as exc:
        return CheckResult.failed(f"the pipeline returned by task '{task}' could not be read back: {exc}")


def judge(ctx: JudgeContext, check: CheckSpec) -> CheckResult:
    """Check a saved Pipeline / PipelineModel against the structure declared in the check's params."""
    return judge_structure(ctx, check.tasks[0], dict(check.params))


def judge_structure(ctx: JudgeContext, task: str, params: dict[str, Any]) -> CheckResult:
    """What the "pipeline" kind checks, with ``params`` given (a custom judge's own or adjusted ones)."""
    params = resolve_params(PIPELINE_PARAMS, params)
    read = read_stages(ctx, task, params["artifact"])
    if isinstance(read, CheckResult):
        return read
    top, stages = read
    source = params.get("input_task")
    if source:
        try:
            columns, types = ctx.frame_columns(ctx.task_dir(source) / "data"), ctx.frame_types(ctx.task_dir(source) / "data")
        except (OSError, ValueError) as exc:
            return CheckResult.failed(f"the rows task '{source}' saved (the pipeline's input) cannot be read: {exc}")
    else:
        columns, types = ctx.train_columns(), ctx.train_types()
    problems = structure_problems(top, stages, params, columns, module=ctx.spec.module_name,
                                  spark=lambda: ctx.spark, data_types=types)
    if problems:
        return CheckResult.failed("; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""))
    judged = [f"{s.name}.{param}={json.dumps(s.params.get(param))}"
              for _, param, _, hits in param_targets(top, stages, params, ctx.spec.module_name) for s in hits]
    shape = f"a {top.name}" if [s.uid for s in stages] == [top.uid] else f"{top.name}: {_describe(stages)}"
    return CheckResult.passed(shape + (f"; {', '.join(judged)}" if judged else ""))
