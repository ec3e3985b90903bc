"""Which file of a handout the student worked in. The build records a fingerprint of the handout's stub
notebook and stub module (``.sparkgrade/stubs.json``: sha256 of their code, outputs ignored); the file
whose code differs from its stub is the one to check, the notebook when both or neither do."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from autograder.errors import SparkgradeError

STUBS_FILE = Path(".sparkgrade") / "stubs.json"


def code_of(path: Path) -> str:
    """The code of a module, or of a notebook's code cells (outputs, counts and metadata ignored), with
    trailing spaces and surrounding blank lines removed."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    if Path(path).suffix == ".ipynb":
        try:
            cells = json.loads(text).get("cells", [])
            text = "\n\n".join("".join(c.get("source", "")) if isinstance(c.get("source"), list)
                               else str(c.get("source", "")) for c in cells if c.get("cell_type") == "code")
        except (json.JSONDecodeError, AttributeError, TypeError):
            pass  # not a readable notebook: its raw text differs from any stub's code
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip()


def fingerprint(path: Path) -> str:
    return hashlib.sha256(code_of(path).encode("utf-8")).hexdigest()


def record(handout: Path, names: list[str]) -> Path:
    """Write the fingerprints of the handout's stub files ``names`` (relative to ``handout``)."""
    target = Path(handout) / STUBS_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({n: fingerprint(Path(handout) / n) for n in sorted(names)}, indent=1,
                                 sort_keys=True) + "\n", encoding="utf-8")
    return target


def choose(folder: Path, notebook: str, module: str) -> tuple[Path, str]:
    """(file to check, why) among ``folder/notebook`` and ``folder/module``."""
    folder = Path(folder)
    present = [n for n in (notebook, module) if (folder / n).is_file()]
    if not present:
        raise SparkgradeError(f"{folder}: neither {notebook} nor {module} is there; run the check from the "
                              "folder of your handout (or repository), or name the file to check")
    if len(present) == 1:
        return folder / present[0], f"the only one of {notebook} and {module} present"
    try:
        stubs = json.loads((folder / STUBS_FILE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return folder / notebook, f"{STUBS_FILE.as_posix()} is missing, so the notebook is checked"
    changed = {n: stubs.get(n) != fingerprint(folder / n) for n in (notebook, module)}
    if changed[module] and not changed[notebook]:
        return folder / module, f"{module} differs from the handout's stub and {notebook} does not"
    if changed[notebook] and not changed[module]:
        return folder / notebook, f"{notebook} differs from the handout's stub and {module} does not"
    state = "both differ" if changed[notebook] else "neither differs"
    return folder / notebook, f"{state} from the handout's stubs, so the notebook is checked"
