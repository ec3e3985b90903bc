"""A saved model read as files (both sides; standard library only): its class, its leaf stages in the
order they transform, and which of them need the submission's own code.

Scoring is split where the submission's code ends (:func:`split_at`): the leaf stages up to the last one
of the submission's own classes run in a process that imported the submission; every stage after it runs
in a process that never did, read with Spark's own readers from the sealed files. Both processes, and
the grader, work the split out from the files alone, so they agree on it whatever the submission does.
"""

from __future__ import annotations

from pathlib import Path

from autograder.harness.artifacts import stage_metadata

SPARK_CLASS_PREFIXES = ("org.apache.spark.", "pyspark.ml.")
TUNING_MODELS = ("org.apache.spark.ml.tuning.", "pyspark.ml.tuning.")
TUNING_METRICS = ("avgMetrics", "validationMetrics")
PIPELINE_MODELS = ("org.apache.spark.ml.PipelineModel", "pyspark.ml.pipeline.PipelineModel",
                   "pyspark.ml.PipelineModel")


def tuning_model(metadata: dict) -> bool:
    """Whether saved metadata is Spark's own CrossValidatorModel or TrainValidationSplitModel."""
    name = str(metadata.get("class", ""))
    return name.startswith(TUNING_MODELS) and name.endswith(("CrossValidatorModel", "TrainValidationSplitModel"))


def python_class_name(metadata: dict) -> str:
    """The class Spark recorded, under its Python name (``org.apache.spark.ml.X`` -> ``pyspark.ml.X``)."""
    name = str(metadata.get("class", ""))
    return "pyspark.ml." + name[len("org.apache.spark.ml."):] if name.startswith("org.apache.spark.ml.") else name


def custom_classes(model: Path) -> list[str]:
    """Classes in a saved model's metadata (nested stages included) that are not Spark's own: loading
    such a model needs the submission's code. Of Spark's own tuning model only the best model counts:
    the scorer loads nothing else of it."""
    try:
        if tuning_model(stage_metadata(Path(model))):
            return custom_classes(Path(model) / "bestModel")
    except (OSError, ValueError):
        pass
    found = []
    for part in sorted(Path(model).rglob("metadata/part-*")):
        try:
            name = str(stage_metadata(part.parent.parent).get("class", ""))
        except (OSError, ValueError):
            continue
        if not name.startswith(SPARK_CLASS_PREFIXES):
            found.append(name)
    return found


def stage_folders(model: Path, metadata: dict) -> list[Path]:
    """The stage folders of a saved pipeline, in order: ``stages/<index>_<uid>`` for each uid its metadata
    lists, the index zero-padded to the width of the count (as Spark and PySpark both write them)."""
    uids = (metadata.get("paramMap") or {}).get("stageUids") or metadata.get("stageUids")
    if not isinstance(uids, list):
        raise ValueError(f"the saved pipeline at {Path(model).name} lists no stageUids in its metadata")
    found: dict[tuple[int, str], Path] = {}
    folder = Path(model) / "stages"
    for entry in sorted(folder.iterdir()) if folder.is_dir() else ():
        index, _, uid = entry.name.partition("_")
        if index.isdigit():
            found.setdefault((int(index), uid), entry)
    missing = [f"{i} ({uid})" for i, uid in enumerate(uids) if (i, uid) not in found]
    if missing:
        raise FileNotFoundError(f"stage {missing[0]} of the saved pipeline at {Path(model).name} has no folder")
    return [found[(i, uid)] for i, uid in enumerate(uids)]


def leaf_stages(model: Path) -> list[Path]:
    """The folders of the stages a saved model transforms with, in order: a tuning model is its best model,
    a pipeline model its stages (nested pipelines flattened), any other stage itself."""
    model = Path(model)
    metadata = stage_metadata(model)
    if tuning_model(metadata):
        return leaf_stages(model / "bestModel")
    if str(metadata.get("class", "")) in PIPELINE_MODELS:
        return [leaf for stage in stage_folders(model, metadata) for leaf in leaf_stages(stage)]
    return [model]


def split_at(model: Path) -> int:
    """How many of the leading leaf stages need the submission's code: all of them up to the last stage
    that is (or contains) one of the submission's own classes; 0 when every stage is Spark's."""
    return len(split_leaves(model)[0])


def split_leaves(model: Path) -> tuple[list[Path], list[Path]]:
    """The leaf stages of ``model`` (one walk of its files) cut at :func:`split_at`: (the submission's
    side, Spark's side)."""
    leaves = leaf_stages(model)
    custom = [i for i, leaf in enumerate(leaves) if custom_classes(leaf)]
    cut = custom[-1] + 1 if custom else 0
    return leaves[:cut], leaves[cut:]


def saved_facts(model: Path) -> dict:
    """Raw facts about a saved model, read from its files: its class (Python name) and, for a tuning model,
    the validation metrics it kept."""
    metadata = stage_metadata(Path(model))
    metrics: list = next((metadata[k] for k in TUNING_METRICS if metadata.get(k)), []) if tuning_model(metadata) else []
    return {"class": python_class_name(metadata), "metrics": [float(m) for m in metrics]}
