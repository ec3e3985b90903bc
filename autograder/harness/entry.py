"""An entry point of a submission, run in a fresh process started by a harness task.

``python -m autograder.harness.entry <submission> <module_name> <target> [args...]`` (or this file given
to ``spark-submit``) loads the submission (``.py`` or ``.ipynb``, as the student phase does) and calls

* ``<target> = name``: the submission's function ``name(args)`` (a ``main(argv)``), or
* ``<target> = path/to/file.py:function``: a harness function ``function(module, args)`` that drives the
  submission (e.g. starts its streaming query and waits on it).

An int result is the exit code. Problems met while loading the submission are printed to stderr; an
exception ends the process with its traceback on stderr and exit code 1.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

if __package__ in (None, ""):            # run as a file (spark-submit): make `autograder` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from autograder.submission import load_submission  # noqa: E402


def _harness_function(target: str):
    path, _, name = target.rpartition(":")
    spec = importlib.util.spec_from_file_location(f"_sparkgrade_entry_{Path(path).stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print("usage: python -m autograder.harness.entry <submission> <module_name> <target> [args...]",
              file=sys.stderr)
        return 2
    submission, module_name, target, *args = argv
    loaded = load_submission(Path(submission), module_name)
    for problem in loaded.problems:
        print(f"while loading the submission: {problem}", file=sys.stderr)
    if ":" in target:
        result = _harness_function(target)(loaded.module, args)
    else:
        result = loaded.lookup(target)(args)
    return result if type(result) is int else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
