"""The shared Spark Connect server runs no Python worker: a Python UDF (udf, pandas_udf, mapInPandas,
applyInPandas, foreachBatch, a Python data source) would run a student's code in the server's own sandbox,
as the user that writes every student's files, beside the server's JVM and next to later students'
sessions (a process left behind there could rewrite their outputs or the modules their UDFs import). The
server starts its Python workers with the script written here instead, which refuses with
NO_PYTHON_WORKERS and adds a line to a file the grader reads (Spark's message for a refused worker daemon
names neither the script nor its output): the grading in flight is graded again with local Spark in its
own sandbox (autograder.runner), where its UDFs run in its own process tree."""

from __future__ import annotations

from pathlib import Path

NO_PYTHON_WORKERS = "SPARKGRADE_NO_PYTHON_WORKERS"
REFUSALS_ENV = "SPARKGRADE_REFUSALS"
REFUSE_PYTHON_WORKERS = f"""#!/bin/sh
echo refused >> "${REFUSALS_ENV}"
echo "{NO_PYTHON_WORKERS}: the shared Spark Connect server runs no Python UDF; this submission is graded with local Spark" >&2
exit 3
"""


def install_refuser(folder: Path) -> Path:
    """The executable the server starts its Python workers with (REFUSE_PYTHON_WORKERS), written once."""
    path = folder / "no-python-workers.sh"
    if not path.is_file() or path.read_text(encoding="utf-8") != REFUSE_PYTHON_WORKERS:
        partial = path.with_suffix(".partial")
        partial.write_text(REFUSE_PYTHON_WORKERS, encoding="utf-8")
        partial.chmod(0o755)
        partial.replace(path)
    return path


def refusals(record: Path | None) -> list[tuple[str, str]]:
    """The refusals so far, one per line of the file this script and the guard append to: (the id of the
    Spark Connect session refused, or "" where the refusal names none: this script's, a session the grader
    did not open; what was refused)."""
    try:
        text = record.read_text(encoding="ascii", errors="replace") if record is not None else ""
    except OSError:
        return []
    found = []
    for line in text.splitlines():
        words = line.split(" ", 2)
        if words[0] == "refused":
            session = words[1] if len(words) > 1 and words[1] != "-" else ""
            found.append((session, words[2] if len(words) > 2 else "a Python worker (a Python UDF)"))
    return found
