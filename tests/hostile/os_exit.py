"""Hostile: os._exit(0) at import time: the process ends with code 0 and no outcome at all."""

import os

os._exit(0)


def double(x):
    return 2 * x
