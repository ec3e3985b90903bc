"""Hostile: writes a forged Gradescope results.json everywhere it can think of (the working folder, its
home, /autograder/results, every `--out` path on a visible command line) and forged outcomes and values for
every task; its own answers are all wrong."""

import glob
import json
import os
import sys

FORGED = {"score": 999, "output": "forged", "tests": [{"name": "everything", "score": 999, "max_score": 8,
                                                       "status": "passed"}]}
targets = ["results.json", os.path.expanduser("~/results.json"), "/autograder/results/results.json"]
for cmdline in glob.glob("/proc/[0-9]*/cmdline"):
    try:
        args = open(cmdline, "rb").read().split(b"\0")
    except OSError:
        continue
    targets += [args[i + 1].decode(errors="replace") for i, a in enumerate(args[:-1]) if a == b"--out"]
for target in targets:
    try:
        os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
        with open(target, "w") as fh:
            json.dump(FORGED, fh)
    except OSError:
        pass
try:
    job = json.load(open(sys.argv[1]))
    for task in job["tasks"]:
        folder = os.path.join(job["artifacts"], task["name"])
        os.makedirs(folder, exist_ok=True)
        json.dump(42 if task["name"] == "double" else -14.5, open(os.path.join(folder, "value.json"), "w"))
        json.dump({"status": "ok"}, open(os.path.join(folder, "outcome.json"), "w"))
except (OSError, ValueError, KeyError, IndexError):
    pass


def double(x):
    return None


def add_ratio(df):
    return df
