"""Broken: an exception at import time, before any function is defined."""

raise RuntimeError("boom at import time")


def double(x):
    return 2 * x
