"""Prepared data of an assignment: public train rows and sample, hidden test features and labels.

The split is by a hash of the stable id (independent of partitioning). Prepared files are cached under
``<cache>/<slug>-<key>/`` where the key covers the dataset checksum and the split settings, and they are
written once (to a temporary folder, then renamed) so concurrent graders never see half a file.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from autograder.datasets import dataset_path
from autograder.spec import AssignmentSpec

LABEL = "label"


@dataclass(frozen=True)
class PreparedData:
    """Paths of the four prepared Parquet folders; only train and sample are ever shown to students."""

    root: Path

    @property
    def train(self) -> Path:
        return self.root / "public" / "train.parquet"

    @property
    def sample(self) -> Path:
        return self.root / "public" / "sample.parquet"

    @property
    def test_features(self) -> Path:
        return self.root / "hidden" / "test_features.parquet"

    @property
    def test_labels(self) -> Path:
        return self.root / "hidden" / "test_labels.parquet"

    def exists(self, public_only: bool = False) -> bool:
        wanted = (self.train, self.sample) + (() if public_only else (self.test_features, self.test_labels))
        return all(p.is_file() for p in wanted)


def _write_single(df, target: Path) -> None:
    """Write ``df`` as one plain Parquet file at ``target`` (Spark writes a folder; keep its only part)."""
    folder = target.with_name(target.name + ".spark")
    df.coalesce(1).write.parquet(str(folder))
    (part,) = folder.glob("part-*.parquet")
    part.rename(target)
    shutil.rmtree(folder)


def cache_key(spec: AssignmentSpec, datasets_dir: Path | None = None, scale: int = 0) -> str:
    d = spec.data
    source = dataset_path(d.dataset, datasets_dir)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    settings = json.dumps([digest, d.label, d.positive, d.id_col, d.folds, d.test_fold, d.salt, d.sample_rows, scale])
    return hashlib.sha256(settings.encode()).hexdigest()[:12]


def prepare(spec: AssignmentSpec, spark_factory, cache_dir: Path, datasets_dir: Path | None = None,
            scale: int = 0) -> PreparedData:
    """Split the assignment's dataset into the four prepared folders (reusing the cache when present;
    ``spark_factory`` is called only when the split has to be computed). ``scale`` > 0 grades on a
    deterministic synthetic variant with ``scale`` times the rows (``datasets.generate_scaled``)."""
    from pyspark.sql import functions as F

    from autograder.datasets import generate_scaled, split_train_test

    suffix = f"-x{scale}" if scale else ""
    prepared = PreparedData(Path(cache_dir) / f"{spec.slug}{suffix}-{cache_key(spec, datasets_dir, scale)}")
    if prepared.exists():
        return prepared
    d = spec.data
    spark = spark_factory()
    df = spark.read.parquet(str(dataset_path(d.dataset, datasets_dir)))
    if scale:
        df = generate_scaled(spark, df, scale, id_col=d.id_col, label_col=d.label)
    label_cols: list[str] = []
    if d.label:
        label = F.col(d.label)
        df = df.withColumn(LABEL, (label == F.lit(d.positive)).cast("double") if d.positive
                           else label.cast("double"))
        label_cols = [LABEL] + ([d.label] if d.label != LABEL else [])
    train, test = split_train_test(df, id_col=d.id_col, test_fold=d.test_fold, folds=d.folds, salt=d.salt)
    staging = prepared.root.with_name(prepared.root.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    tmp = PreparedData(staging)
    _write_single(train.orderBy(d.id_col), tmp.train)
    _write_single(train.orderBy(d.id_col).limit(d.sample_rows), tmp.sample)
    _write_single(test.orderBy(d.id_col).drop(*label_cols), tmp.test_features)
    _write_single(test.orderBy(d.id_col).select(d.id_col, *label_cols), tmp.test_labels)
    if prepared.root.exists():
        shutil.rmtree(staging)
    else:
        staging.rename(prepared.root)
    return prepared
