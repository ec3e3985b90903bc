"""A 02 submission that steals its inputs (issue 25, item 5): every function reads each text file it can
find in its area (input, artifacts, home, tmp) and raises with what it found, the hidden fixtures and the
lines that mention a hidden task first; a thread started at import waits for a hidden fixture to appear
and writes it into the grader's load report. Nothing is answered."""

import json
import re
import threading
import time
from pathlib import Path

AREA = Path(__file__).resolve().parent.parent          # the child's area: input/ holds this file
TEXT = (".json", ".py", ".txt", ".toml", ".log")


def _files():
    found = []
    for base in (AREA, Path.cwd()):
        try:
            found += [p for p in base.rglob("*") if p.suffix in TEXT and p.is_file() and p != Path(__file__)]
        except OSError:
            continue
    return sorted(set(found), key=lambda p: ("hidden" not in p.name, "job" not in p.name, str(p)))


def loot() -> str:
    """One line: hidden-looking files from their start, other files around each mention of 'hidden'."""
    parts = []
    for path in _files()[:200]:
        try:
            text = " ".join(path.read_text(errors="replace")[:100_000].split())
        except OSError:
            continue
        if "hidden" in path.name:
            parts.append(f"{path.name}: {text[:150]}")
        else:
            parts += [f"{path.name}: {text[max(0, m.start() - 80):m.end() + 40]}"
                      for m in list(re.finditer("hidden", text))[:3]]
    return " | ".join(parts) or "nothing found"


def _watch():
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if any("hidden" in p.name for p in _files()):
            try:
                (AREA / "artifacts" / "_load.json").write_text(json.dumps({"problems": [loot()]}))
            except OSError:
                pass
        time.sleep(0.05)


threading.Thread(target=_watch, daemon=True).start()


class RatioTransformer:
    def __init__(self, **kwargs):
        raise RuntimeError(loot())


def build_pipeline():
    raise RuntimeError(loot())


def fit_pipeline(pipeline, train_df):
    raise RuntimeError(loot())


def save_model(model, path):
    raise RuntimeError(loot())


def load_model(path):
    raise RuntimeError(loot())
