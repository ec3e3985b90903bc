"""Hadoop's local file system without a forked ``chmod`` per folder, for the warm Spark Connect server.

The pip-installed Spark has no native Hadoop library, so every folder Spark writes (a saved model has
dozens) costs a ``chmod`` process forked from the server's JVM. ``NioLocalFileSystem.java`` sets the same
permissions through java.nio. It is compiled once per source version into the cache with the JDK's
``javac``; where there is no ``javac`` (a bare JRE), the server keeps Hadoop's own file system.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

SOURCE = Path(__file__).resolve().parent / "java" / "NioLocalFileSystem.java"
FS_CLASS = "sparkgrade.NioLocalFileSystem"


def java_binary() -> Path | None:
    """The ``java`` that ``spark-submit`` starts: JAVA_HOME's, else the one on PATH (links resolved)."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return Path(home) / "bin" / "java"
    found = shutil.which("java")
    return Path(os.path.realpath(found)) if found else None


def javac() -> str | None:
    """The ``javac`` beside the ``java`` Spark runs with (JAVA_HOME first), if the JDK has one."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "javac").is_file():
        return str(Path(home) / "bin" / "javac")
    java = java_binary()
    if java is not None and (java.parent / "javac").is_file():
        return str(java.parent / "javac")
    return shutil.which("javac")


def local_fs_jar(cache_dir: Path, spark_home: Path, build: bool = True) -> Path | None:
    """The compiled jar in ``cache_dir`` (built on first use against the Hadoop of the Spark installed at
    ``spark_home``, unless ``build`` is false), or None where it is not there and cannot be built."""
    classpath = sorted((spark_home / "jars").glob("hadoop-client-api-*.jar"))
    if not classpath or not SOURCE.is_file():        # a copy of the package without its Java source
        return None
    digest = hashlib.sha256(SOURCE.read_bytes() + b"".join(p.name.encode() for p in classpath)).hexdigest()[:16]
    jar = cache_dir / f"sparkgrade-localfs-{digest}.jar"
    if jar.is_file():
        return jar
    compiler = javac() if build else None
    if compiler is None:
        return None
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        classes = Path(tmp) / "classes"
        try:
            done = subprocess.run([compiler, "--release", "17", "-nowarn", "-cp", os.pathsep.join(map(str, classpath)),
                                   "-d", str(classes), str(SOURCE)], capture_output=True, text=True, timeout=300)
        except (OSError, subprocess.TimeoutExpired):
            return None
        if done.returncode != 0:
            return None
        partial = Path(tmp) / "fs.jar"
        with zipfile.ZipFile(partial, "w") as out:
            for path in sorted(classes.rglob("*.class")):
                out.write(path, path.relative_to(classes).as_posix())
        os.replace(partial, jar)
    return jar
