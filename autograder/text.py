"""Text that comes from a child (an exception message, its output, a problem it reports), made safe once
where the grader reads it: every writer (UTF-8 files, terminals, CSV, Markdown) can then take it as is
(standard library only)."""

from __future__ import annotations

import re

ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
SURROGATES = re.compile("[\ud800-\udfff]")
# C0 and C1 controls except tab and newline, DEL, and the bidirectional overrides that reorder what is shown
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def from_child(text: object, limit: int = 2000) -> str:
    """``text`` (anything: it is made a string) with lone surrogates replaced by U+FFFD, terminal escape
    sequences and control characters removed (newlines and tabs kept, CR LF made LF) and at most ``limit``
    characters kept (a longer text ends with how much was cut)."""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", "replace")
    try:
        text = text if isinstance(text, str) else str(text)
    except Exception:                       # noqa: BLE001 - a value whose __str__ fails says nothing
        text = f"<{type(text).__name__}>"
    text = SURROGATES.sub("\ufffd", text)
    text = CONTROLS.sub("", ANSI.sub("", text.replace("\r\n", "\n")))
    if len(text) > limit:
        cut = len(text) - limit
        text = text[:limit] + f" [... {cut} more characters]"
    return text
