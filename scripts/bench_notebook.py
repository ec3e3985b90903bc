"""How long the student's in-notebook checks take as handed out (a fresh scoring process kept ready and warm,
tasks remembered between checks) and with neither (a process started per check, every task run again),
side by side in one run.

It builds the handout of one assignment (default 02-pipelines), pastes the reference answers into its
notebook, and executes it twice in a real Jupyter kernel (nbclient): as handed out, and with
``Notebook(..., standby=False, memo=False)``. For each ``grader.check`` cell it prints the wall time of both runs and their
ratio, and the verdicts (they must agree). The persistence question is the one students re-run most: the
notebook also runs the ``save_model`` cell again and checks q4 again, at once ("q4 at once", the next fresh
process is still starting) and after half a minute of editing ("q4 after editing"), as a student debugging
saving does.

Usage: ``python scripts/bench_notebook.py [SLUG]`` (about two minutes per run; nothing else should run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograder.build.pipeline import build
from autograder.build.stubs import split_stub
from autograder.registry import load_assignment, project_root
from autograder.runner import Grader

EDITING_S = 30      # how long the student edits save_model before checking q4 again
CHECK = re.compile(r'grader\.check\("(q\d+)"\)')


def filled(spec, handout: Path, root: Path) -> Path:
    """The handout's notebook with the reference's cells in place of the stub's."""
    path = handout / f"{spec.module_name}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    preamble, blocks = split_stub(root / "solutions" / spec.slug / spec.module)
    stub_preamble, stub_blocks = split_stub(spec.path / spec.module)
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.strip() == stub_preamble.strip():
            cell.source = preamble
        for name, block in stub_blocks.items():
            if cell.cell_type == "code" and cell.source.strip() == block.strip():
                cell.source = blocks[name]
    persist = next(c for c in nb.cells if c.cell_type == "code" and 'grader.check("q4")' in c.source)
    at = nb.cells.index(persist) + 1
    saving = next(c for c in nb.cells if c.cell_type == "code" and "def save_model" in c.source)
    # The student's debugging loop: run the save_model cell again and check q4 again, at once; then after
    # half a minute of editing.
    nb.cells[at:at] = [nbformat.v4.new_code_cell(saving.source),
                       nbformat.v4.new_code_cell('grader.check("q4")  # again at once'),
                       nbformat.v4.new_code_cell(f"import time\ntime.sleep({EDITING_S})  # editing save_model"),
                       nbformat.v4.new_code_cell(saving.source),
                       nbformat.v4.new_code_cell('grader.check("q4")  # again after editing')]
    nbformat.write(nb, str(path))
    return path


def timed_checks(path: Path, standby: bool) -> dict[str, tuple[float, str]]:
    """question -> (seconds of its grader.check cell, its total) for one execution of the notebook."""
    nb = nbformat.read(str(path), as_version=4)
    if not standby:
        for cell in nb.cells:
            cell.source = cell.source.replace('.ipynb")', '.ipynb", standby=False, memo=False)')
    NotebookClient(nb, timeout=1800, kernel_name="python3", record_timing=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    out = {}
    for cell in nb.cells:
        found = CHECK.search(cell.source) if cell.cell_type == "code" else None
        if not found:
            continue
        timing = cell.metadata.get("execution", {})
        start = dt.datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
        end = dt.datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
        text = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
        text += "".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs
                        if o.get("output_type") == "execute_result")
        total = re.findall(r"total: ([\d.]+/[\d.]+)", text)
        label = found.group(1) + (" " + cell.source.split("# again ", 1)[1] if "# again " in cell.source else "")
        out[label] = ((end - start).total_seconds(), total[-1] if total else "?")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slug", nargs="?", default="02-pipelines")
    args = parser.parse_args()
    root, spec = project_root(), load_assignment(args.slug)
    with tempfile.TemporaryDirectory(prefix="sparkgrade-bench-nb-") as tmp:
        (result,) = build([spec], Path(tmp) / "dist", root, Grader().prepared)
        handout = Path(tmp) / "handout"
        shutil.copytree(result.handout_dir, handout)
        path = filled(spec, handout, root)
        ready = timed_checks(path, standby=True)
        cold = timed_checks(path, standby=False)
    print(f"{spec.slug}: grader.check cells, reference answers, nbclient")
    print(f"{'question':<22}{'handed out s':>13}{'neither s':>11}{'ratio':>8}  totals")
    for q in ready:
        (a, ta), (b, tb) = ready[q], cold.get(q, (float("nan"), "?"))
        print(f"{q:<22}{a:>13.2f}{b:>11.2f}{a / b:>8.2f}  {ta} / {tb}")
    return 0 if all(ready[q][1] == cold.get(q, (0, None))[1] for q in ready) else 1


if __name__ == "__main__":
    sys.exit(main())
