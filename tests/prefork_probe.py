"""A module the fork server may run in tests: ``main(path)`` runs the Python program at ``path``, as
``python path`` would."""

import runpy


def main(path: str) -> int:
    runpy.run_path(path, run_name="__main__")
    return 0
