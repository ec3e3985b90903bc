"""A module the fork server may run in tests: ``main(path)`` runs the Python program at ``path``, as
``python path`` would."""

import runpy


def main(path: str) -> int:
    runpy.run_path(path, run_name="__main__")
    return 0


if __name__ == "__main__":       # a fresh child: python -m tests.prefork_probe <path>
    import sys

    sys.exit(main(sys.argv[1]))
