"""Hostile: nothing is answered; a background thread started at import claims success for every task,
over and over, while the tasks run (the claims are all it can forge: it has no results to show)."""

import json
import os
import sys
import threading
import time

JOB = json.load(open(sys.argv[1]))


def _claim_forever():
    while True:
        for task in JOB.get("tasks", []):
            folder = os.path.join(JOB["artifacts"], task["name"])
            try:
                os.makedirs(folder, exist_ok=True)
                with open(os.path.join(folder, "outcome.json"), "w") as fh:
                    json.dump({"status": "ok"}, fh)
            except OSError:
                pass
        time.sleep(0.002)


threading.Thread(target=_claim_forever, daemon=True).start()


def double(x):
    raise NotImplementedError
