"""A class-data-sharing (CDS) archive for the local Spark driver JVMs that grade a submission (the grader's
own, the student phase's and the scoring phase's): the JDK, Spark and Hadoop classes a grading loads,
parsed and verified once, then mapped at every start instead of loaded again from about 250 jars.

Measured on 2 cores: a driver JVM's session in 1.9 s instead of 3.5 s, and a small fit-save-load-score
job after it in 3.4 s instead of 6.0 s; about 40 MB of the JVM's metaspace becomes clean file pages the
kernel can reclaim, which matters in a 768 MB box.

``sparkgrade prepare`` also compiles sparkgrade's local file system for Hadoop
(:mod:`autograder.engine.localfs`, which the warm server already uses) into the same folder; local drivers
then save models without a forked ``chmod`` per folder (25-40 % faster saves). It records the archive once
per installation (``scripts/setup.sh`` and the Gradescope bundle's ``setup.sh`` run it, so Gradescope
builds it into the image): one JVM runs :func:`autograder.engine.archive_recording.workload` (the classes
the six assignments use) with ``-XX:ArchiveClassesAtExit`` and writes the archive as it exits.
It lives inside the Python environment (``<sys.prefix>/var/sparkgrade``), which every sandboxed child can
already read, and its name hashes the JDK and Spark's jars, so an upgrade of either asks for a new one.
The JVM maps an archive only if it matches its JDK and class path (else it starts as without one), so a
stale or foreign archive costs nothing but the time it would have saved.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder.engine.cds import ARCHIVE_LOG, archive_key, install_archive
from autograder.engine.javac import java_binary
from autograder.engine.localfs import FS_CLASS, local_fs_jar

PREFIX = "driver-"


def spark_home() -> Path | None:
    import importlib.util

    found = importlib.util.find_spec("pyspark")
    return Path(found.origin).resolve().parent if found is not None and found.origin else None


def local_fs(folder: Path | None = None, build: bool = False) -> Path | None:
    """sparkgrade's local file system for Hadoop (:mod:`autograder.engine.localfs`: no forked ``chmod`` per folder
    Spark writes; a model's save 25-40 % faster), compiled by ``sparkgrade prepare`` beside the archive."""
    home = spark_home()
    return local_fs_jar(folder or archive_folder(), home, build=build) if home is not None else None


def spark_jars(folder: Path | None = None) -> list[Path]:
    """The class path of a local grading driver: the file-system jar if prepared, pyspark's conf folder,
    then its jars."""
    home = spark_home()
    if home is None:
        return []
    fs = local_fs(folder)
    return [*([fs] if fs else []), home / "conf", *sorted((home / "jars").glob("*.jar"))]


def driver_conf(folder: Path | None = None) -> dict[str, str]:
    """Spark settings of a local grading driver for what ``sparkgrade prepare`` made: the file system."""
    fs = local_fs(folder) if in_use() else None
    return {"spark.driver.extraClassPath": str(fs), "spark.hadoop.fs.file.impl": FS_CLASS} if fs else {}


def archive_folder() -> Path:
    """Where the archive lives: inside the Python environment, visible (read-only) to every child. Links
    resolved: the archive's name depends on this path, the same for every way of reaching the environment."""
    return Path(sys.prefix).resolve() / "var" / "sparkgrade"


def archive_path(folder: Path | None = None) -> Path | None:
    """The archive's path for this JDK and Spark (whether or not it exists yet); None without Java."""
    java = java_binary()
    if java is None:
        return None
    return (folder or archive_folder()) / f"{PREFIX}{archive_key(java, spark_jars(folder), '')}.jsa"


UNPREPARED = "SPARKGRADE_UNPREPARED"     # set to 1: grade as if `sparkgrade prepare` had not run (to compare)


def in_use() -> bool:
    return os.environ.get(UNPREPARED) != "1"


# Map the archive where it was recorded: this JDK 17 relocates it by default, which rewrites its 232 MB into
# about 190 MB of private memory per JVM (measured in a 768 MB box: the 05 reference's peak 754 -> 631 MB).
# Where that address is taken, the JVM relocates as before.
AT_RECORDED_ADDRESS = "-XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0"


def archive_options(folder: Path | None = None) -> str:
    """JVM options that map the archive, or "" when there is none for this JDK and Spark."""
    if not in_use():
        return ""
    path = archive_path(folder)
    return (f"-XX:SharedArchiveFile={path} {AT_RECORDED_ADDRESS} {ARCHIVE_LOG}"
            if path is not None and path.is_file() else "")


def record(folder: Path | None = None, timeout_s: float = 600) -> Path | None:
    """Record the archive (in a fresh interpreter, so this process's JVM, if any, is not the one that
    records); returns its path, or None where Java is missing. One recording at a time per folder; an
    existing archive is kept. Raises RuntimeError (with the end of the JVM's output) if none was written."""
    (folder or archive_folder()).mkdir(parents=True, exist_ok=True)
    local_fs(folder, build=True)            # first: it is on the class path the archive is made for
    path = archive_path(folder)
    if path is None:
        return None
    if path.is_file():
        return path
    with open(path.parent / f"{PREFIX}record.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.is_file():
            return path
        with tempfile.TemporaryDirectory(prefix="sparkgrade-cds-") as tmp:
            dump = Path(tmp) / "driver.jsa"
            with open(Path(tmp) / "record.log", "wb") as log:
                subprocess.run([sys.executable, "-m", "autograder.engine.archive_recording", str(dump), tmp], check=False,
                               timeout=timeout_s, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
            if not dump.is_file() or dump.stat().st_size == 0:
                tail = (Path(tmp) / "record.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"the JVM wrote no class-data archive; the end of its output:\n{tail}")
            install_archive(dump, path, f"{PREFIX}*.jsa")
    return path
