"""Shipped datasets: locate, verify, split by hash, and scale up deterministically.

Import-only: no Spark session is created here and nothing runs at import.
Every Spark function takes the caller's ``spark`` (and relies on the caller's
``spark.sql.shuffle.partitions``); results never depend on partitioning.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Mapping, Optional, Tuple, Union

if TYPE_CHECKING:  # pyspark is imported lazily so the module imports without it
    from pyspark.sql import Column, DataFrame, SparkSession

PathLike = Union[str, Path]

DATASETS_DIR: Path = Path(__file__).resolve().parent.parent / "datasets"
"""The repository's ``datasets/`` folder (default for every ``directory`` argument)."""

CHECKSUMS_FILE = "checksums.json"

DEFAULT_LABELS: Mapping[str, str] = MappingProxyType(
    {"credit": "status", "penguins": "species", "ames": "sale_price", "cars": "miles_per_gallon"}
)
"""Label column of each shipped dataset (read-only)."""

_MASK53 = (1 << 53) - 1  # 53 hash bits -> an exact double in [0, 1)


def _dir(directory: Optional[PathLike]) -> Path:
    return DATASETS_DIR if directory is None else Path(directory)


def available_datasets(directory: Optional[PathLike] = None) -> list[str]:
    """Sorted names of the ``*.parquet`` files in ``directory``."""
    d = _dir(directory)
    return sorted(p.stem for p in d.glob("*.parquet")) if d.is_dir() else []


def dataset_path(name: str, directory: Optional[PathLike] = None) -> Path:
    """Path of ``<directory>/<name>.parquet``; FileNotFoundError lists what exists."""
    stem = name[: -len(".parquet")] if name.endswith(".parquet") else name
    path = _dir(directory) / f"{stem}.parquet"
    if not path.is_file():
        names = available_datasets(directory)
        raise FileNotFoundError(
            f"dataset file not found: {path} (available in {_dir(directory)}: "
            f"{', '.join(names) if names else 'none'})"
        )
    return path


def verify_checksum(name: str, directory: Optional[PathLike] = None) -> str:
    """Check the file's sha256 against ``checksums.json``; return it, else ValueError."""
    path = dataset_path(name, directory)
    sums_path = path.parent / CHECKSUMS_FILE
    sums = json.loads(sums_path.read_text(encoding="utf-8"))
    entry = sums.get(path.name)
    if entry is None:
        raise ValueError(f"{sums_path} has no entry for {path.name}")
    expected = entry["sha256"] if isinstance(entry, dict) else str(entry)
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    actual = h.hexdigest()
    if actual != expected:
        raise ValueError(
            f"sha256 mismatch for {path}: expected {expected}, actual {actual}"
        )
    return actual


def hash_fold_condition(
    id_col: str = "id", folds: int = 5, fold: int = 0, salt: int = 0
) -> "Column":
    """Column ``(abs(xxhash64(id, salt)) % folds) == fold``, independent of partitioning.

    Computed as ``abs(xxhash64(id, salt) % folds)``, which is equal for every hash
    but cannot overflow (``abs(Long.MIN_VALUE)``) under ANSI mode. The hash
    depends on the id column's type: ids are int64 (``long``) in the shipped files.
    """
    from pyspark.sql import functions as F

    if folds < 1 or not 0 <= fold < folds:
        raise ValueError(f"need folds >= 1 and 0 <= fold < folds, got folds={folds}, fold={fold}")
    h = F.xxhash64(F.col(id_col), F.lit(int(salt)))
    return F.abs(h % F.lit(int(folds))) == F.lit(int(fold))


def split_train_test(
    df: "DataFrame", id_col: str = "id", test_fold: int = 0, folds: int = 5, salt: int = 17
) -> Tuple["DataFrame", "DataFrame"]:
    """Return ``(train, test)``: test is the rows in hash fold ``test_fold``."""
    cond = hash_fold_condition(id_col=id_col, folds=folds, fold=test_fold, salt=salt)
    return df.filter(~cond), df.filter(cond)


def _unit(new_id: "Column", seed: int, column: str, purpose: str) -> "Column":
    """Hash-derived uniform double in [0, 1) per (row, seed, column, purpose)."""
    from pyspark.sql import functions as F

    h = F.xxhash64(new_id, F.lit(int(seed)), F.lit(column), F.lit(purpose))
    return h.bitwiseAND(F.lit(_MASK53)).cast("double") / F.lit(float(1 << 53))


def generate_scaled(
    spark: "SparkSession",
    df: "DataFrame",
    scale: int,
    seed: int = 7,
    null_fraction: float = 0.08,
    id_col: str = "id",
    numeric_jitter: float = 0.05,
    label_col: Optional[str] = None,
    num_partitions: Optional[int] = None,
) -> "DataFrame":
    """Deterministic ``scale * df.count()``-row resample of ``df``.

    Row ``i`` (new ``id_col`` = i, 0..N-1) copies source row
    ``abs(xxhash64(i, seed)) % n``, source rows being indexed 0..n-1 in
    ``id_col`` order (ids must be unique). Float/double columns other than
    ``id_col``/``label_col`` are multiplied by ``1 + numeric_jitter * u``,
    u uniform in [-1, 1]; then every column but those two is set to null with
    probability ``null_fraction``. All draws are hashes of (i, seed, column), so
    the result is the same for any partitioning; row order is not (sort by id).
    ``num_partitions`` is passed to ``spark.range`` (default: Spark's).
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F
    from pyspark.sql.types import DoubleType, FloatType

    if int(scale) != scale or scale < 1:
        raise ValueError(f"scale must be a positive integer, got {scale!r}")
    if not 0.0 <= null_fraction <= 1.0:
        raise ValueError(f"null_fraction must be in [0, 1], got {null_fraction!r}")
    if numeric_jitter < 0:
        raise ValueError(f"numeric_jitter must be >= 0, got {numeric_jitter!r}")
    for c in (id_col, label_col):
        if c is not None and c not in df.columns:
            raise ValueError(f"column {c!r} not in {df.columns}")

    n = df.count()
    if n == 0:
        raise ValueError("cannot scale an empty DataFrame")
    if df.select(id_col).distinct().count() != n:
        raise ValueError(f"{id_col!r} values must be unique and non-null")

    idx, src_idx, new_id = "__sg_idx", "__sg_src_idx", "__sg_new_id"
    indexed = df.withColumn(
        idx, F.row_number().over(Window.orderBy(F.col(id_col).asc())) - F.lit(1)
    ).drop(id_col)
    total = int(scale) * n
    base = spark.range(0, total, numPartitions=num_partitions).withColumnRenamed("id", new_id)
    base = base.withColumn(
        src_idx, F.abs(F.xxhash64(F.col(new_id), F.lit(int(seed))) % F.lit(n))
    )
    joined = base.join(F.broadcast(indexed), base[src_idx] == indexed[idx], "inner")

    rid = F.col(new_id)
    out = []
    for field in df.schema.fields:
        name = field.name
        if name == id_col:
            out.append(rid.alias(id_col))
            continue
        c = F.col(f"`{name}`")
        if name != label_col:
            if numeric_jitter and isinstance(field.dataType, (DoubleType, FloatType)):
                u = F.lit(2.0) * _unit(rid, seed, name, "jitter") - F.lit(1.0)
                c = (c * (F.lit(1.0) + F.lit(float(numeric_jitter)) * u)).cast(field.dataType)
            if null_fraction > 0:
                c = F.when(_unit(rid, seed, name, "null") >= F.lit(float(null_fraction)), c)
        out.append(c.alias(name))
    return joined.select(*out)


def write_scaled(
    spark: "SparkSession",
    name: str,
    scale: int,
    out_dir: PathLike,
    seed: int = 7,
    directory: Optional[PathLike] = None,
    label_col: Optional[str] = None,
) -> Path:
    """Scale shipped dataset ``name`` and write Parquet to ``out_dir``; return its path.

    The output is ``<out_dir>/<name>_x<scale>_seed<seed>.parquet`` (a Spark
    directory, overwritten). ``label_col`` defaults to ``DEFAULT_LABELS[name]``.
    """
    src = spark.read.parquet(str(dataset_path(name, directory)))
    label = label_col if label_col is not None else DEFAULT_LABELS.get(name)
    scaled = generate_scaled(spark, src, scale, seed=seed, label_col=label)
    path = Path(out_dir) / f"{name}_x{int(scale)}_seed{int(seed)}.parquet"
    scaled.write.mode("overwrite").parquet(str(path))
    return path
