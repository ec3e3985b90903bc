"""Pipeline structure, read from the metadata Spark saved (no student code is loaded to judge it):
stage types and order, unique stage instances, column wiring input -> output, key params."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.checks.context import JudgeContext
from autograder.harness.artifacts import stage_metadata
from autograder.results import CheckResult
from autograder.spec import CheckSpec

OUTPUT_PARAMS = {"outputCol", "outputCols", "predictionCol", "probabilityCol", "rawPredictionCol",
                 "varianceCol", "leafCol", "topicDistributionCol"}
IGNORED_PARAMS = {"weightCol", "validationIndicatorCol"}


@dataclass(frozen=True)
class StageInfo:
    """One stage of a saved pipeline: its class, uid and effective params (defaults, then user-set)."""

    cls: str
    uid: str
    params: dict[str, Any]

    @property
    def name(self) -> str:
        return self.cls.rsplit(".", 1)[-1]

    def columns(self, output: bool) -> list[str]:
        cols: list[str] = []
        for key, value in self.params.items():
            if not key.endswith(("Col", "Cols")) or key in IGNORED_PARAMS or (key in OUTPUT_PARAMS) != output:
                continue
            cols += [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str) and v]
        return cols


def _info(meta: dict[str, Any]) -> StageInfo:
    params = {**meta.get("defaultParamMap", {}), **meta.get("paramMap", {})}
    return StageInfo(cls=str(meta.get("class", "?")), uid=str(meta.get("uid", "?")), params=params)


def flatten(stage_dir: Path) -> tuple[StageInfo, list[StageInfo]]:
    """The top stage and the list of its leaf stages (nested pipelines expanded in order)."""
    meta = stage_metadata(stage_dir)
    top = _info(meta)
    uids = meta.get("paramMap", {}).get("stageUids") or meta.get("stageUids")
    if top.name not in ("Pipeline", "PipelineModel") or uids is None:
        return top, [top]
    leaves: list[StageInfo] = []
    for i, uid in enumerate(uids):
        # Spark zero-pads the index to the width of the stage count: 0_<uid>, or 00_<uid> for 10+ stages
        matches = [p for p in sorted((stage_dir / "stages").glob(f"*_{uid}")) if p.name.split("_", 1)[0].isdigit()
                   and int(p.name.split("_", 1)[0]) == i]
        if not matches:
            raise FileNotFoundError(f"stage {i} ({uid}) of the saved pipeline has no folder")
        leaves += flatten(matches[0])[1]
    return top, leaves


def _matches(name: str, pattern: str) -> bool:
    return name in pattern.split("|")


def _describe(stages: list[StageInfo]) -> str:
    return " -> ".join(s.name for s in stages) or "(no stages)"


def structure_problems(top: StageInfo, stages: list[StageInfo], params: dict[str, Any],
                       data_columns: list[str]) -> list[str]:
    """Every way the saved pipeline differs from what ``params`` asks for (empty list: all good)."""
    problems = []
    want_type = params.get("type")
    if want_type and not _matches(top.name, want_type):
        extra = " (you returned a fitted model: return the Pipeline before calling fit)" \
            if top.name == "PipelineModel" and want_type == "Pipeline" else ""
        problems.append(f"expected a {want_type.replace('|', ' or ')}, got a {top.name}{extra}")
    if "stages" in params:
        want = list(params["stages"])
        if len(want) != len(stages) or not all(_matches(s.name, w) for s, w in zip(stages, want)):
            problems.append(f"expected stages {' -> '.join(want)}, got {_describe(stages)}")
    if "contains" in params:
        pos = 0
        for want in params["contains"]:
            while pos < len(stages) and not _matches(stages[pos].name, want):
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
    for key, want in dict(params.get("params", {})).items():
        stage_name, _, param = key.partition(".")
        hits = [s for s in stages if _matches(s.name, stage_name)]
        if not hits:
            problems.append(f"no {stage_name} stage to check {param} on")
        for s in hits:
            have = s.params.get(param)
            ok = have in want if isinstance(want, (list, tuple)) else have == want
            if not ok:
                problems.append(f"{s.name} has {param}={json.dumps(have)}, expected {json.dumps(want)}")
    if params.get("wiring", False):
        problems += wiring_problems(stages, data_columns, list(params.get("not_features", [])))
    return problems


def wiring_problems(stages: list[StageInfo], data_columns: list[str], not_features: list[str]) -> list[str]:
    """Columns each stage reads must exist in the data or be written by an earlier stage."""
    problems = []
    available = list(data_columns)
    for i, s in enumerate(stages, 1):
        for col in s.columns(output=False):
            if col not in available:
                problems.append(f"stage {i} ({s.name}) reads column '{col}', which neither the data nor an "
                                f"earlier stage provides")
        if s.name == "VectorAssembler":
            leaked = [c for c in s.columns(output=False) if c in not_features]
            if leaked:
                problems.append(f"stage {i} (VectorAssembler) uses {', '.join(leaked)} as a feature: that is the "
                                "label (or derived from it), which leaks the answer into the model")
        for col in s.columns(output=True):
            if col in available and col not in data_columns:
                problems.append(f"stage {i} ({s.name}) writes column '{col}', which an earlier stage already wrote")
            available.append(col)
    return problems


def judge(ctx: JudgeContext, check: CheckSpec) -> CheckResult:
    """Check a saved Pipeline / PipelineModel against the structure declared in the check's params."""
    params = dict(check.params)
    task = check.tasks[0]
    stage_dir = ctx.task_dir(task) / params.get("artifact", "stage")
    try:
        top, stages = flatten(stage_dir)
    except (OSError, ValueError) as exc:
        return CheckResult.failed(f"the pipeline returned by task '{task}' could not be read back: {exc}")
    problems = structure_problems(top, stages, params, ctx.train_columns())
    if problems:
        return CheckResult.failed("; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""))
    return CheckResult.passed(f"{top.name}: {_describe(stages)}")
