"""pyspark ML persistence over a Spark Connect server on this machine, which sees the same files as its
clients: shortcuts that the client takes itself instead of a round trip to the server.

- ``write().overwrite()`` of a pure-Python stage (``DefaultParamsWritable``): pyspark's own implementation
  needs the JVM, so over Connect it fails; the existing folder is removed here, then saved as usual.
- Reading a saved stage's metadata (``DefaultParamsReader.loadMetadata``): pyspark runs a Spark query,
  ``spark.read.text(path/metadata).first()``, for each stage of a loaded pipeline (nine per 02 model, about
  45 ms of server time each); the client reads the one small JSON file Spark wrote instead. Anything
  else (another file system, a relative path, several or compressed files, an unreadable file) takes
  pyspark's way, so results and errors are the same as without the shortcut.
- Writing a stage's metadata (``DefaultParamsWriter.saveMetadata``): pyspark writes the one JSON line
  with a Spark query (a 02 grading saves eight, about 57 ms of server time each); the client writes the
  same files Spark's text writer leaves (one ``part-00000-…-c000.txt`` and ``_SUCCESS``) instead. A
  folder that exists already or is not on this machine takes pyspark's way (and its error).
"""

from __future__ import annotations

import os
import shutil
import uuid


def local_path(path: str) -> str | None:
    """``path`` as an absolute path on this machine, or None when it names another file system or is
    relative (the server resolves relative paths against its own working folder, not the client's)."""
    local = path[len("file:"):] if path.startswith("file:") else path
    if "://" in local or not os.path.isabs(local):
        return None
    return local


def is_plain_text_part(name: str) -> bool:
    """A data file of a text write without compression: ``part-00000`` (RDD) or ``part-…-c000.txt``."""
    return name.startswith("part-") and (name.endswith(".txt") or "." not in name)


def read_metadata_file(path: str) -> str | None:
    """The first line of the one data file Spark wrote to ``path/metadata``, or None when that is not
    plainly the case (then Spark must read it)."""
    folder = local_path(os.path.join(path, "metadata"))
    if folder is None:
        return None
    try:
        files = [f for f in os.listdir(folder) if not f.startswith(("_", "."))]
        if len(files) != 1 or not is_plain_text_part(files[0]):
            return None
        with open(os.path.join(folder, files[0]), encoding="utf-8") as fh:
            line = fh.readline().rstrip("\r\n")
    except (OSError, UnicodeDecodeError):
        return None
    return line or None


def write_metadata_file(path: str, text: str) -> bool:
    """Write ``text`` to ``path/metadata`` as Spark's text writer would; False, with nothing left behind
    in ``path/metadata``, when that folder exists, is not on this machine or cannot be written."""
    folder = local_path(os.path.join(path, "metadata"))
    if folder is None or os.path.lexists(folder):
        return False
    try:
        os.makedirs(folder)
    except OSError:
        return False
    try:
        with open(os.path.join(folder, f"part-00000-{uuid.uuid4()}-c000.txt"), "x", encoding="utf-8",
                  newline="\n") as fh:
            fh.write(text + "\n")
        open(os.path.join(folder, "_SUCCESS"), "x").close()
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        return False
    return True


def allow_python_stage_overwrite() -> None:
    """Make ``write().overwrite()`` of a pure-Python stage work over Spark Connect as with local Spark."""
    from pyspark.ml.util import MLWriter

    def handle_overwrite(self, path: str) -> None:
        local = path[len("file:"):] if path.startswith("file:") else path
        if "://" in local or not os.path.lexists(local):
            return
        if os.path.isdir(local) and not os.path.islink(local):
            shutil.rmtree(local)
        else:
            os.remove(local)

    MLWriter._handleOverwrite = handle_overwrite


def read_metadata_locally() -> None:
    """Make ``DefaultParamsReader.loadMetadata`` read the metadata file itself where it can."""
    from pyspark.ml.util import DefaultParamsReader

    spark_read = DefaultParamsReader.loadMetadata
    if getattr(spark_read, "reads_locally", False):
        return

    def load_metadata(path: str, sc, expectedClassName: str = ""):
        text = read_metadata_file(path)
        if text is None:
            return spark_read(path, sc, expectedClassName)
        return DefaultParamsReader._parseMetaData(text, expectedClassName)

    load_metadata.reads_locally = True
    DefaultParamsReader.loadMetadata = staticmethod(load_metadata)


def write_metadata_locally() -> None:
    """Make ``DefaultParamsWriter.saveMetadata`` write the metadata file itself where it can."""
    from pyspark.ml.util import DefaultParamsWriter
    from pyspark.sql import SparkSession

    spark_write = DefaultParamsWriter.saveMetadata
    if getattr(spark_write, "writes_locally", False):
        return

    def save_metadata(instance, path: str, sc, extraMetadata=None, paramMap=None) -> None:
        folder = local_path(os.path.join(path, "metadata"))
        if folder is not None and not os.path.lexists(folder):
            spark = sc if hasattr(sc, "createDataFrame") else SparkSession.active()
            text = DefaultParamsWriter._get_metadata_to_save(instance, spark, extraMetadata, paramMap)
            if write_metadata_file(path, text):
                return
        spark_write(instance, path, sc, extraMetadata, paramMap)

    save_metadata.writes_locally = True
    DefaultParamsWriter.saveMetadata = staticmethod(save_metadata)


def use_shared_files() -> None:
    """Every shortcut, for a client of a Spark Connect server on this machine."""
    allow_python_stage_overwrite()
    read_metadata_locally()
    write_metadata_locally()
