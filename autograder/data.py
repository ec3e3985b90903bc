"""Prepared data of an assignment: public train rows and sample, hidden test features and labels.

Held-out features never hold the label, a column it is computed from (``[data] label_sources``) or, in
a target view's features file (``[data.views.<name>]``), that view's sources: each features file has
exactly the columns its training rows offer, minus the target. The labels file holds all of them.

The split is by a hash of the stable id (independent of partitioning). With ``[data] heldout = "synthetic"``
the held-out rows are not the test fold's but rows drawn fresh from a model of the data set
(:mod:`autograder.heldout`, with the assignment's secret seed): the test fold is only left out of training. Prepared files are cached under
``<cache>/<slug>-<key>/`` where the key covers the dataset checksum and the split settings, and they are
written once (to a temporary folder, then renamed) so concurrent graders never see half a file.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from autograder.datasets import dataset_path, generate_scaled, split_train_test
from autograder.heldout import read_seed, synthesize
from autograder.spec import AssignmentSpec

LABEL = "label"


@dataclass(frozen=True)
class PreparedData:
    """Paths of the prepared Parquet files; only train and sample are ever shown to students.
    ``views``: the names of the assignment's target views (one more held-out features file each)."""

    root: Path
    views: tuple[str, ...] = ()

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

    def view_features(self, view: str) -> Path:
        """Held-out features for target view ``view``: without the columns that target is computed from."""
        return self.root / "hidden" / f"test_features_{view}.parquet"

    def hidden_features(self) -> tuple[Path, ...]:
        """Every held-out features file present (the default one and one per target view)."""
        return tuple(sorted((self.root / "hidden").glob("test_features*.parquet")))

    def hidden_files(self) -> tuple[Path, ...]:
        """Every hidden file present: held-out features and labels."""
        return tuple(sorted((self.root / "hidden").glob("*.parquet")))

    def exists(self, public_only: bool = False) -> bool:
        wanted = (self.train, self.sample) + (() if public_only else (
            self.test_features, self.test_labels, *map(self.view_features, self.views)))
        return all(p.is_file() for p in wanted)


def held_out_columns(spec: AssignmentSpec, train_columns: list[str], view: str | None = None) -> list[str]:
    """The columns a held-out features file must have: the training rows' columns minus the label, its
    sources and (for a target view) the view's sources, in the training rows' order."""
    d = spec.data
    dropped = set(d.label_columns) | (set(d.view(view).sources) if view else set())
    return [c for c in train_columns if c not in dropped]


def _write_single(df, target: Path) -> None:
    """Write ``df`` as one plain Parquet file at ``target`` (Spark writes a folder; keep its only part)."""
    folder = target.with_name(target.name + ".spark")
    df.coalesce(1).write.parquet(str(folder))
    (part,) = folder.glob("part-*.parquet")
    part.rename(target)
    shutil.rmtree(folder)


def drawn_rows(spark, df, spec: AssignmentSpec, rows: int):
    """``rows`` held-out rows drawn fresh from the rows of ``df`` (:func:`autograder.heldout.synthesize`), as
    a DataFrame with ``df``'s schema: per class when the label is a class, else with the target."""
    d = spec.data
    source = df.toPandas()
    source = source[source[d.label].notna()]            # a held-out row always has its label
    by_class = bool(d.positive) or source[d.label].dtype == object
    drawn = synthesize(source, rows=rows, seed=read_seed(spec.path), id_col=d.id_col, label=d.label,
                       by_class=by_class)
    columns = [drawn[c].astype(object).where(drawn[c].notna(), None).tolist() for c in df.columns]
    return spark.createDataFrame(list(zip(*columns)), schema=df.schema)


def cache_key(spec: AssignmentSpec, datasets_dir: Path | None = None, scale: int = 0) -> str:
    d = spec.data
    source = dataset_path(d.dataset, datasets_dir)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    views = [[v.name, v.target, list(v.sources)] for v in d.views]
    drawn = [d.heldout_rows, read_seed(spec.path)] if d.synthetic else []
    settings = json.dumps([digest, d.label, d.positive, d.id_col, d.folds, d.test_fold, d.salt, d.sample_rows, scale,
                           list(d.label_sources), views] + drawn + ([] if d.train_label else ["no train label"]))
    return hashlib.sha256(settings.encode()).hexdigest()[:12]


def prepare(spec: AssignmentSpec, spark_factory, cache_dir: Path, datasets_dir: Path | None = None,
            scale: int = 0) -> PreparedData:
    """Split the assignment's dataset into the prepared files (reusing the cache when present;
    ``spark_factory`` is called only when the split has to be computed). ``scale`` > 0 grades on a
    deterministic synthetic variant with ``scale`` times the rows (``datasets.generate_scaled``)."""
    from pyspark.sql import functions as F

    suffix = f"-x{scale}" if scale else ""
    views = tuple(v.name for v in spec.data.views)
    prepared = PreparedData(Path(cache_dir) / f"{spec.slug}{suffix}-{cache_key(spec, datasets_dir, scale)}", views)
    if prepared.exists():
        return prepared
    d = spec.data
    spark = spark_factory()
    df = spark.read.parquet(str(dataset_path(d.dataset, datasets_dir)))
    if scale:
        df = generate_scaled(spark, df, scale, id_col=d.id_col, label_col=d.label)
    missing = [c for c in (*d.label_sources, *(s for v in d.views for s in v.sources)) if c not in df.columns]
    if missing:
        raise ValueError(f"{spec.path / 'assignment.toml'}: [data] names columns that dataset {d.dataset!r} "
                         f"does not have: {', '.join(missing)} (columns: {', '.join(df.columns)})")
    train, test = split_train_test(df, id_col=d.id_col, test_fold=d.test_fold, folds=d.folds, salt=d.salt)
    if d.synthetic:
        test = drawn_rows(spark, df, spec, d.heldout_rows or test.count())
    if d.label:
        label = F.col(d.label)
        as_label = (label == F.lit(d.positive)).cast("double") if d.positive else label.cast("double")
        train, test = train.withColumn(LABEL, as_label), test.withColumn(LABEL, as_label)
        df = df.withColumn(LABEL, as_label)
    hidden_cols = list(dict.fromkeys([*d.label_columns, *(s for v in d.views for s in v.sources)]))
    staging = prepared.root.with_name(prepared.root.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    tmp = PreparedData(staging, views)
    test = test.orderBy(d.id_col)
    if not d.train_label:                   # students build the label: the training rows do not carry it
        train = train.drop(LABEL)
    _write_single(train.orderBy(d.id_col), tmp.train)
    _write_single(train.orderBy(d.id_col).limit(d.sample_rows), tmp.sample)
    _write_single(test.select(*held_out_columns(spec, df.columns)), tmp.test_features)
    for v in d.views:
        _write_single(test.select(*held_out_columns(spec, df.columns, v.name)), tmp.view_features(v.name))
    _write_single(test.select(d.id_col, *hidden_cols), tmp.test_labels)
    if prepared.root.exists():
        shutil.rmtree(staging)
    else:
        staging.rename(prepared.root)
    return prepared
