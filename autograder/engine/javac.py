"""The JDK beside the JVM Spark runs with, and sparkgrade's own Java sources compiled into cached jars.

A jar is compiled once per version of its sources and of the jars it is compiled against, into a cache
folder; where there is no ``javac`` (a bare JRE) there is no jar, and each caller says what it does then.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

SOURCES = Path(__file__).resolve().parent / "java"


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


def compiled_jar(stem: str, sources: list[Path], classpath: list[Path], cache_dir: Path,
                 build: bool = True) -> Path | None:
    """``cache_dir/<stem>-<digest>.jar`` holding ``sources`` compiled against ``classpath`` (built on first
    use unless ``build`` is false), or None where a source is missing or it cannot be built."""
    if not classpath or not all(source.is_file() for source in sources):   # a copy of the package without them
        return None
    digest = hashlib.sha256(b"".join(s.read_bytes() for s in sources)
                            + b"".join(p.name.encode() for p in classpath)).hexdigest()[:16]
    jar = cache_dir / f"{stem}-{digest}.jar"
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
                                   "-d", str(classes), *map(str, sources)], capture_output=True, text=True, timeout=300)
        except (OSError, subprocess.TimeoutExpired):
            return None
        if done.returncode != 0:
            return None
        partial = Path(tmp) / "partial.jar"
        with zipfile.ZipFile(partial, "w") as out:
            for path in sorted(classes.rglob("*.class")):
                out.write(path, path.relative_to(classes).as_posix())
        os.replace(partial, jar)
    return jar
