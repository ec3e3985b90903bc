"""Hostile/broken: a syntax error, so nothing in the module is defined."""


def double(x)
    return 2 * x
