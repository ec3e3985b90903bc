"""Hostile: double() is wrong; add_ratio(), which runs in a later task, rewrites the outcome and value of
the earlier double tasks with the expected answers (they were sealed by the grader as they ended)."""

import json
import os
import sys

JOB = json.load(open(sys.argv[1]))


def double(x):
    return None


def add_ratio(df):
    for name, value in (("double", 42), ("double_hidden", -14.5)):
        folder = os.path.join(JOB["artifacts"], name)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "value.json"), "w") as fh:
            json.dump(value, fh)
        with open(os.path.join(folder, "outcome.json"), "w") as fh:
            json.dump({"status": "ok"}, fh)
    return df
