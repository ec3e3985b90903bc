"""Hostile: wrong answers, plus every way to run code after the grader's harness has recorded its outcomes:
an atexit hook, a finalizer, a __del__, a non-daemon thread and a detached background process that wait
for the end, then rewrite every outcome as 'ok' with the expected values."""

import atexit
import json
import os
import sys
import threading
import time
import weakref

JOB = json.load(open(sys.argv[1]))


def forge():
    for task in JOB.get("tasks", []):
        folder = os.path.join(JOB["artifacts"], task["name"])
        try:
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, "value.json"), "w") as fh:
                json.dump(42 if task["name"] == "double" else -14.5, fh)
            with open(os.path.join(folder, "outcome.json"), "w") as fh:
                json.dump({"status": "ok"}, fh)
        except OSError:
            pass


class Sentinel:
    def __del__(self):
        forge()


_sentinel = Sentinel()
atexit.register(forge)
weakref.finalize(_sentinel, forge)


def _after_main():
    while threading.main_thread().is_alive():
        time.sleep(0.01)
    forge()


threading.Thread(target=_after_main, daemon=False).start()

_harness = os.getpid()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        while True:
            try:
                with open(f"/proc/{_harness}/stat") as fh:
                    state = fh.read().rsplit(")", 1)[1].split()[0]
            except OSError:
                state = "gone"
            if state in ("Z", "X", "gone"):
                forge()
                os._exit(0)
            time.sleep(0.001)
    os._exit(0)


def double(x):
    return None
