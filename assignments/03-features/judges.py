"""Assignment-specific checks of assignment 03 (run by the grader on saved artifacts).

`structure` is the built-in "pipeline" check with one fix: Spark names the stage folders of a saved
pipeline with zero-padded indices when it has ten or more stages (`00_SQLTransformer_...`), which
`autograder.checks.pipeline.flatten` does not find (it globs `0_*`). This pipeline has eleven stages,
so its folders are matched here by stage uid and numeric prefix. The params are those of the built-in
kind (type, stages, contains, params, wiring, not_features).
"""

from pathlib import Path
from typing import Any

from autograder.checks.pipeline import StageInfo, structure_problems
from autograder.harness.artifacts import stage_metadata
from autograder.results import CheckResult


def _info(meta: dict[str, Any]) -> StageInfo:
    params = {**meta.get("defaultParamMap", {}), **meta.get("paramMap", {})}
    return StageInfo(cls=str(meta.get("class", "?")), uid=str(meta.get("uid", "?")), params=params)


def _stage_folder(stage_dir: Path, index: int, uid: str) -> Path:
    """The folder of stage ``index``: ``<index>_<uid>``, the index zero-padded to the width of the count."""
    suffix = f"_{uid}"
    for p in sorted((stage_dir / "stages").iterdir()):
        prefix = p.name[: -len(suffix)] if p.name.endswith(suffix) else ""
        if prefix.isdigit() and int(prefix) == index:
            return p
    raise FileNotFoundError(f"stage {index} ({uid}) of the saved pipeline has no folder")


def flatten(stage_dir: Path) -> tuple[StageInfo, list[StageInfo]]:
    """The top stage and its leaf stages in order (nested pipelines expanded)."""
    meta = stage_metadata(stage_dir)
    top = _info(meta)
    uids = meta.get("paramMap", {}).get("stageUids") or meta.get("stageUids")
    if top.name not in ("Pipeline", "PipelineModel") or uids is None:
        return top, [top]
    leaves: list[StageInfo] = []
    for i, uid in enumerate(uids):
        leaves += flatten(_stage_folder(stage_dir, i, uid))[1]
    return top, leaves


def read_structure(ctx, task: str):
    """(top, leaves) of the stage a task saved, or a failed CheckResult saying why it cannot be read."""
    try:
        return flatten(ctx.task_dir(task) / "stage")
    except (OSError, ValueError) as exc:
        return CheckResult.failed(f"the pipeline returned by task '{task}' could not be read back: {exc}")


def structure(ctx, check, extra=None, stage_filter=None):
    """Check the saved Pipeline against ``check.params`` exactly like the built-in "pipeline" kind."""
    read = read_structure(ctx, check.tasks[0])
    if isinstance(read, CheckResult):
        return read
    top, stages = read
    if stage_filter is not None:
        stages = [stage_filter(s) for s in stages]
    params = {k: v for k, v in dict(check.params).items() if k != "judge"}
    params.update(extra or {})
    problems = structure_problems(top, stages, params, ctx.train_columns())
    if problems:
        return CheckResult.failed("; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""))
    return CheckResult.passed(f"{top.name}: {' -> '.join(s.name for s in stages)}")
