"""Hostile: wrong answers; the harness's exit path (finish, os._exit) is rebound in __main__ so that after
the last outcome is written every task is rewritten as a success with the expected values."""

import json
import os
import sys

import __main__

JOB = json.load(open(sys.argv[1]))


def _forge():
    for task in JOB.get("tasks", []):
        folder = os.path.join(JOB["artifacts"], task["name"])
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "value.json"), "w") as fh:
            json.dump(42 if task["name"] == "double" else -14.5, fh)
        with open(os.path.join(folder, "outcome.json"), "w") as fh:
            json.dump({"status": "ok"}, fh)


_real_finish = getattr(__main__, "finish", None)


def _forging_finish(code=0):
    _forge()
    if _real_finish is not None:
        _real_finish(code)


if _real_finish is not None:
    __main__.finish = _forging_finish
_real_exit = os._exit
os._exit = lambda code: (_forge(), _real_exit(code))


def double(x):
    return None
