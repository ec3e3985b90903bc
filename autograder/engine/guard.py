"""The guard of the shared Spark Connect server: no client code gets into the server's JVM.

Restricted mode (server.SERVER_SQL_GUARDS) refuses reflect and TRANSFORM. What it leaves, measured on
Spark 4.3: ``ADD JAR`` of a jar written into a student's work folder, then ``CREATE TEMPORARY FUNCTION f
AS 'Cls'`` and ``SELECT f(1)``, ran the class's static initialiser in the server JVM, the process that
writes every student's files. Two Java classes close that (``java/SqlGuard.java``: a check rule refusing
ADD JAR / ARCHIVE / FILE and class-backed CREATE FUNCTION before they run; ``java/ConnectGuard.java``: a
gRPC interceptor refusing the AddArtifacts call, plans carrying Scala or Java UDFs, and requests of any
session the grader did not open, so that nothing a child starts outlives its grading). Each refusal is
counted in the server's refusals file (``java/Refusals.java``), so the grading is graded again with
local Spark, like a Python UDF (:mod:`autograder.engine.python_workers`). Without ``javac`` there is no
guard, and class runs use local Spark.

The server also reads and writes files for every session. Measured before the confinement: a session
read ``/proc/self/fd/1`` (the server's log) and listed ``/proc/self/fd`` (the files other sessions had
open, so the random names of classmates' work folders). ``java/ConfinedFileSystem.java`` is the server's
``file:`` file system (for FileSystem and FileContext): every path must really lead (links resolved)
below ``work_root``. A session that sets a Hadoop ``fs.*`` key (conf, SET, a reader's or writer's
option, SQL OPTIONS), which could put another file system in its place, is refused by both guards.
"""

from __future__ import annotations

import threading
from pathlib import Path

from autograder.engine.javac import SOURCES, compiled_jar
from autograder.engine.localfs import local_fs_jar

GUARD_SOURCES = [SOURCES / name for name in ("Refusals.java", "Confinement.java", "ConfinedFileSystem.java",
                                              "SqlGuard.java", "ConnectGuard.java")]
SQL_GUARD_CLASS = "sparkgrade.SqlGuard"
CONNECT_GUARD_CLASS = "sparkgrade.ConnectGuard"
CONFINED_FS_CLASS = "sparkgrade.ConfinedFileSystem"          # file: paths confined (java/Confinement.java)
CONFINED_FC_CLASS = "sparkgrade.ConfinedFileSystem$Fc"       # the same for FileContext (streaming checkpoints)
ROOTS_PROPERTY = "sparkgrade.fs.roots"                       # the JVM system property naming the roots
SESSIONS_ENV = "SPARKGRADE_SESSIONS"     # the file of the sessions the grader opened (ConnectGuard.Sessions)
REFUSED_SIGN = "SPARKGRADE_REFUSED"      # in every refusal's message (java/Refusals.java)
NO_GUARD = ("the shared Spark Connect server needs the JDK's javac to build its guard (sparkgrade's Java classes that keep client code out of its JVM); install a JDK (openjdk-17-jdk-headless) or grade with --engine local")


def guard_jar(cache_dir: Path, spark_home: Path, build: bool = True) -> Path | None:
    """The guard's jar in ``cache_dir`` (compiled on first use against the installed Spark and the local
    file system's jar it extends, unless ``build`` is false), or None where it is not there and cannot be
    built (no ``javac``). The local file system's jar must be on the class path beside it."""
    fs = local_fs_jar(cache_dir, spark_home, build)
    if fs is None:
        return None
    classpath = [*sorted((spark_home / "jars").glob("*.jar")), fs]
    return compiled_jar("sparkgrade-guard", GUARD_SOURCES, classpath, cache_dir, build)


def guard_confs(work_root: Path) -> dict[str, str]:
    """The server's Spark confs that install the guard (its jar and the local file system's on the
    driver's class path; ``confinement_option(work_root)`` among the driver's Java options): its file
    systems reach only ``work_root``, which also holds the catalog's warehouse."""
    return {"spark.sql.extensions": SQL_GUARD_CLASS, "spark.connect.grpc.interceptor.classes": CONNECT_GUARD_CLASS,
            "spark.hadoop.fs.file.impl": CONFINED_FS_CLASS, "spark.hadoop.fs.AbstractFileSystem.file.impl": CONFINED_FC_CLASS,
            "spark.sql.warehouse.dir": str(work_root / "warehouse")}


def confinement_option(work_root: Path) -> str:
    """The driver's Java option that confines the server's file systems to ``work_root``."""
    return f"-D{ROOTS_PROPERTY}={work_root}"


class AllowedSessions:
    """The file of the session ids the grader opened, which ConnectGuard reads (it serves no other
    session): emptied at each start of the server, appended to before each child."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self._lock = threading.Lock()

    def reset(self, path: Path) -> Path:
        """Start an empty list at ``path`` (the server's own area, which no child sees)."""
        self.path = path
        path.write_text("", encoding="utf-8")
        return path

    def allow(self, session_ids: list[str]) -> None:
        if self.path is not None:
            with self._lock, open(self.path, "a", encoding="utf-8") as fh:
                fh.write("".join(f"{s}\n" for s in session_ids))
