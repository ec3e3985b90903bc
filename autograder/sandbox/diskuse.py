"""How much disk a child's folders hold (:func:`disk_mb`): the blocks really allocated (a sparse file counts
what it holds, not its length), found by a walk that never follows links and gives up past a cap on
entries (standard library only)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_ENTRIES = 200_000       # more entries than a child has any reason to write: counted as over the limit


def disk_mb(folders: list[Path], max_entries: int = MAX_ENTRIES) -> float:
    """The MB allocated under ``folders`` (inf past ``max_entries`` entries: a child that makes that many
    files is stopped like one that fills the disk). Entries that vanish while being walked are skipped."""
    total, seen = 0, 0
    pending = [str(f) for f in folders]
    while pending:
        try:
            entries = os.scandir(pending.pop())
        except OSError:
            continue
        with entries:
            for entry in entries:
                seen += 1
                if seen > max_entries:
                    return float("inf")
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                total += info.st_blocks * 512
                if stat.S_ISDIR(info.st_mode):
                    pending.append(entry.path)
    return total / 2**20
