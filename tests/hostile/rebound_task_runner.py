"""Hostile: nothing is answered; at import the submission rebinds the harness's task runner in __main__
so that every task reports success without running any student code (and without any result)."""

import json
import os

import __main__


def _claim_success(ctx, task, tasks_module):
    os.makedirs(ctx.artifact_dir, exist_ok=True)
    with open(os.path.join(ctx.artifact_dir, "outcome.json"), "w") as fh:
        json.dump({"status": "ok"}, fh)


if hasattr(__main__, "run_task"):
    __main__.run_task = _claim_success


def double(x):
    raise NotImplementedError
