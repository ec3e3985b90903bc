"""Hostile: sys.exit(0) at import time, before anything is defined."""

import sys

sys.exit(0)


def double(x):
    return 2 * x
