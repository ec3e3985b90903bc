"""``python -m autograder.engine.supervise <parent-pid> <command...>``: run a command in its own process
group and kill that group when the parent dies (even by SIGKILL) or when this supervisor is told to stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    parent, command = int(argv[0]), argv[1:]
    proc = subprocess.Popen(command, start_new_session=True)

    def stop(*_):
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while proc.poll() is None:
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            stop()
        time.sleep(1)
    return proc.returncode or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
