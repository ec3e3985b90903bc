"""Scoring phase, in a fresh process: ``python -m autograder.harness.scorer <job.json>``.

Loads saved models from disk (the submission module is loaded first so custom stages resolve) and writes
their predictions on the requested data as Parquet. The data given here never carries labels.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

from autograder.harness.artifacts import read_json, stage_metadata, write_json, write_predictions
from autograder.spark import SparkOptions, build_session
from autograder.submission import load_submission


def stage_class(metadata: dict):
    """The Python class of a saved stage, from the ``class`` Spark recorded in its metadata."""
    name = str(metadata.get("class", ""))
    if name.startswith("org.apache.spark.ml."):
        name = "pyspark.ml." + name[len("org.apache.spark.ml."):]
    module_name, _, cls_name = name.rpartition(".")
    if not module_name:
        raise ValueError(f"the saved metadata names no class ({name!r})")
    return getattr(importlib.import_module(module_name), cls_name)


def load_model(path: Path):
    return stage_class(stage_metadata(path)).load(str(path))


def main(job_path: str) -> int:
    job = read_json(Path(job_path))
    spark = build_session(SparkOptions.from_dict(job["spark"]))
    if job.get("submission"):
        load_submission(Path(job["submission"]), job["module_name"], {"spark": spark})
    for request in job["requests"]:
        out = Path(request["out"])
        write_json(out / "outcome.json", {"status": "started"})
        t0 = time.monotonic()
        try:
            model = load_model(Path(request["model"]))
            data = spark.read.parquet(request["data"])
            write_predictions(model.transform(data), out / "predictions", job["id_col"])
            status, message = "ok", ""
        except BaseException as exc:  # noqa: BLE001 - recorded for the grader
            first = (str(exc).strip().splitlines() or [""])[0][:400]
            status, message = "raised", f"{type(exc).__name__}: {first}"
        write_json(out / "outcome.json", {"status": status, "message": message,
                                          "seconds": round(time.monotonic() - t0, 3)})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
