"""Where student code is, as the student sees it: the notebook cell and line of a failure, and whether a
function is still the stub. Used by the live checks (:mod:`autograder.live`) in the student's kernel."""

from __future__ import annotations

import linecache
import os
import sys
import traceback
import types
from pathlib import Path
from typing import Any

NOT_WRITTEN = "raise NotImplementedError"
PACKAGE = Path(__file__).resolve().parent.parent         # the autograder package: never student code


def cell_name(filename: str) -> str | None:
    """``In [7]`` for a file name IPython gave a cell of this kernel (None outside IPython or for a file)."""
    try:
        from IPython import get_ipython

        ip = get_ipython()
        if ip is not None:
            kind, name = ip.compile.format_code_name(filename) or (None, None)
            if kind == "Cell":
                return name.replace("In[", "In [")
    except Exception:  # noqa: BLE001 - any IPython version without it: fall back to the file name
        pass
    return None


def _is_student_file(filename: str) -> bool:
    """Whether a traceback frame is student code: a notebook cell, or a file outside Python's, pyspark's
    and this package's folders."""
    if cell_name(filename):
        return True
    if filename.startswith("<"):
        return not filename.startswith("<frozen")
    path = os.path.realpath(filename)
    ours = os.path.realpath(PACKAGE)
    return not (path.startswith(ours) or "site-packages" in path or "dist-packages" in path
                or path.startswith(os.path.realpath(sys.prefix)) or path.startswith(os.path.realpath(sys.base_prefix)))


def location(exc: BaseException) -> str:
    """`` (in In [7], line 3: `return x / y`)`` for the innermost student frame of ``exc`` ("" if none)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if _is_student_file(f.filename)]
    if not frames:
        return ""
    f = frames[-1]
    where = cell_name(f.filename) or Path(f.filename).name
    line = (f.line or linecache.getline(f.filename, f.lineno) or "").strip()
    return f" (in {where}, line {f.lineno}" + (f": `{line[:120]}`)" if line else ")")


def first_line(exc: BaseException) -> str:
    try:
        text = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    except Exception:  # noqa: BLE001 - an exception whose __str__ raises
        text = []
    return f"{type(exc).__name__}: {text[0][:300]}" if text else type(exc).__name__


def not_written(obj: Any) -> bool:
    """Whether a student function or class still holds the stub's ``raise NotImplementedError``."""
    import inspect

    if isinstance(obj, type):           # a class's source is not found for notebook cells: its methods' is
        return any(not_written(m) for m in vars(obj).values() if isinstance(m, types.FunctionType))
    try:
        return NOT_WRITTEN in inspect.getsource(obj)
    except (OSError, TypeError):
        return False
