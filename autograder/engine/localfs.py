"""Hadoop's local file system without a forked ``chmod`` per folder, for the warm Spark Connect server.

The pip-installed Spark has no native Hadoop library, so every folder Spark writes (a saved model has
dozens) costs a ``chmod`` process forked from the server's JVM. ``NioLocalFileSystem.java`` sets the same
permissions through java.nio. It is compiled once per source version into the cache with the JDK's
``javac``; where there is no ``javac`` (a bare JRE), the server keeps Hadoop's own file system.
"""

from __future__ import annotations

from pathlib import Path

from autograder.engine.javac import SOURCES, compiled_jar

SOURCE = SOURCES / "NioLocalFileSystem.java"
FS_CLASS = "sparkgrade.NioLocalFileSystem"


def local_fs_jar(cache_dir: Path, spark_home: Path, build: bool = True) -> Path | None:
    """The compiled jar in ``cache_dir`` (built on first use against the Hadoop of the Spark installed at
    ``spark_home``, unless ``build`` is false), or None where it is not there and cannot be built."""
    classpath = sorted((spark_home / "jars").glob("hadoop-client-api-*.jar"))
    return compiled_jar("sparkgrade-localfs", [SOURCE], classpath, cache_dir, build)
