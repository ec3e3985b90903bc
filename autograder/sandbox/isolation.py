"""What the sandbox can enforce on this machine: :class:`Isolation`, the value every part of the sandbox
reads (the child's area, its jail, the run). :mod:`autograder.sandbox.probing` finds which one works."""

from __future__ import annotations

import os
from dataclasses import dataclass

UNPRIVILEGED_USER = "nobody"


@dataclass(frozen=True)
class Isolation:
    """What the sandbox can enforce on this machine (decided once per grader process by probing)."""

    namespaces: bool = False
    userns: bool = False
    uid: int | None = None
    gid: int | None = None
    reasons: tuple[str, ...] = ()

    @property
    def user(self) -> str:
        if self.uid is None:
            return f"the grader's own user (uid {os.geteuid()}{', all capabilities dropped' if self.namespaces else ''})"
        return f"{UNPRIVILEGED_USER} (uid {self.uid})"

    @property
    def hides_files(self) -> bool:
        """Whether hidden files are unreadable by the children."""
        return self.namespaces or self.uid is not None

    def summary(self) -> str:
        ns = ("private mount/pid/network namespaces (read-only system, allow-listed read-only filesystem, loopback only)"
              if self.namespaces else "no namespaces (network and world-readable files not restricted)")
        return f"children run as {self.user}; {ns}"

    def notes(self) -> list[str]:
        """What is not enforced, for the report (empty when everything is)."""
        if self.namespaces and self.uid is not None:
            return []
        return [f"sandbox: {self.summary()}" + (f" ({'; '.join(self.reasons)})" if self.reasons else "")]
