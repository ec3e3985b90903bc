"""Artifact layout and (de)serialisation shared by the child processes and the grader's checks.

``<artifacts>/<task>/outcome.json``  status of the task: started | ok | raised | timeout
``<artifacts>/<task>/stage``         a saved pyspark.ml stage or model (``write().save``)
``<artifacts>/<task>/data``          a saved DataFrame (Parquet) and ``schema.json``
``<artifacts>/<task>/value.json``    a returned plain value
``<artifacts>/<task>/sample_predictions``  predictions of the in-memory model on the public sample
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

MAX_JSON_BYTES = 2_000_000
PREDICTION_COLUMNS = ("prediction", "probability", "rawPrediction")


class HarnessError(Exception):
    """The harness's own code failed (not the submission): the grader records it as its own error, with
    the cause in the message, never as the student's failure."""


class NotPlainData(TypeError):
    """A returned value is not made only of bool/int/float/str/None/list/dict."""


def to_plain(value: Any, depth: int = 0) -> Any:
    """A JSON-safe copy of ``value``. Subclasses of the builtin types (``OrderedDict``, a namedtuple, an
    ``IntEnum``) are read through the builtin type's own methods, never their overrides, so a rigged object
    yields what it really holds (its ``__eq__`` or ``items`` never run); any other object is refused."""
    if depth > 20:
        raise NotPlainData("value is nested more than 20 levels deep")
    kind = type(value)
    if value is None or kind is bool:
        return value
    if kind.__module__ == "numpy" and hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return to_plain(value.item(), depth + 1)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        number = float.__float__(value)
        return number if math.isfinite(number) else repr(number)
    if isinstance(value, (list, tuple)):
        items = list.__iter__(value) if isinstance(value, list) else tuple.__iter__(value)
        return [to_plain(v, depth + 1) for v in items]
    if isinstance(value, dict):
        return {str(to_plain(k, depth + 1)): to_plain(v, depth + 1) for k, v in dict.items(value)}
    raise NotPlainData(f"a {kind.__module__}.{kind.__qualname__} is not plain data "
                       "(return numbers, strings, lists or dicts)")


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
    tmp.replace(path)


def read_json(path: Path) -> Any:
    """Parse a JSON file written by a child, refusing oversized files."""
    if path.is_symlink() or not path.is_file():
        raise FileNotFoundError(str(path))
    if path.stat().st_size > MAX_JSON_BYTES:
        raise ValueError(f"{path.name} is larger than {MAX_JSON_BYTES} bytes")
    return json.loads(path.read_text(encoding="utf-8"))


def stage_metadata(stage_dir: Path) -> dict[str, Any]:
    """The metadata JSON Spark writes beside a saved stage (``metadata/part-*``)."""
    parts = sorted((Path(stage_dir) / "metadata").glob("part-*"))
    if not parts:
        raise FileNotFoundError(f"no metadata/part-* under {stage_dir}: nothing was saved there")
    for part in parts:
        text = part.read_text(encoding="utf-8").strip()
        if text:
            return json.loads(text.splitlines()[0])
    raise ValueError(f"the metadata under {stage_dir} is empty")


def prediction_frame(df, id_col: str):
    """``df`` reduced to the id and its output columns: the columns named like Spark's default prediction
    columns and every other numeric or vector column (a model may write its predictions under any name
    its params declare; the grader picks the declared ones from the saved model's metadata), vectors
    turned into arrays (Parquet-portable). Null-safe by construction: a null vector becomes a null array,
    a value that is not a number a null."""
    from pyspark.ml.functions import vector_to_array
    from pyspark.ml.linalg import VectorUDT
    from pyspark.sql import functions as F
    from pyspark.sql.types import NumericType

    types = {f.name: f.dataType for f in df.schema.fields}
    names = [n for n in types if n != id_col and (n in PREDICTION_COLUMNS or isinstance(types[n], (NumericType,
                                                                                                  VectorUDT)))]
    cols = [F.col(id_col)]
    for name in names:
        col = F.col(f"`{name}`")
        if isinstance(types[name], VectorUDT):
            # vector_to_array throws on a null vector (a model may leave probability null on some rows)
            cols.append(F.when(col.isNull(), F.lit(None)).otherwise(vector_to_array(col)).alias(name))
        else:
            cols.append(col.try_cast("double").alias(name))
    return df.select(*cols)


def _spark_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that come from running the (student's) query in Spark rather than from this code."""
    from pyspark.errors import PySparkException

    try:
        from py4j.protocol import Py4JError
    except ImportError:  # a Spark Connect client without py4j
        return (PySparkException,)
    return (PySparkException, Py4JError)


def _ordered_by(table, column: str):
    """``table`` in ascending order of ``column``, nulls first, ties in their arriving order (stable)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    nulls = pc.is_null(table[column])
    return pa.concat_tables([table.filter(nulls), table.filter(pc.invert(nulls)).sort_by(column)])


def write_predictions(df, path: Path, id_col: str) -> None:
    """Score ``df`` (already transformed) into one Parquet file ordered by id, ``path/part-00000.parquet``.
    The rows arrive here as Arrow, and this process orders them (a stable sort, nulls first as Spark's
    ascending order puts them) and writes the file: a few thousand predictions need neither Spark's sort
    (a sampling job and a shuffle) nor its distributed write (a job, a commit protocol and dozens of
    folder operations).

    A failure of Spark while computing the rows (the student's transform) propagates as is; any failure
    of this code (conversion, Arrow, Parquet, the folder) raises ``HarnessError`` with its cause."""
    import shutil

    import pyarrow.parquet as pq

    spark_errors = _spark_errors()
    step = "selecting the prediction columns"
    try:
        frame = prediction_frame(df, id_col)
        step = "collecting the predictions"
        table = frame.toArrow()
        step = "ordering the predictions by id"
        table = _ordered_by(table, id_col)
        step = f"writing {path / 'part-00000.parquet'}"
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True)
        pq.write_table(table, path / "part-00000.parquet")
    except spark_errors:
        raise
    except Exception as exc:
        raise HarnessError(f"the grader's prediction writer failed while {step}: {type(exc).__name__}: {exc}") \
            from exc
