"""The student notebook with the reference answers pasted in, executed in a real Jupyter kernel
(nbclient), passes every public check it runs."""

import re
import shutil

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.build.stubs import split_stub

pytestmark = pytest.mark.slow


def test_reference_answers_pass_public_checks_in_kernel(built, root, tmp_path):
    spec, result = built
    handout = tmp_path / "handout"
    shutil.copytree(result.handout_dir, handout)
    path = handout / f"{spec.module_name}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    preamble, blocks = split_stub(root / "solutions" / spec.slug / spec.module)
    stub_preamble, stub_blocks = split_stub(spec.path / spec.module)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if cell.source.strip() == stub_preamble.strip():
            cell.source = preamble
        for name, block in stub_blocks.items():
            if cell.source.strip() == block.strip():
                cell.source = blocks[name]
    nbformat.write(nb, str(path))
    NotebookClient(nb, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": str(handout)}}).execute()
    setup = next(c for c in nb.cells if c.cell_type == "code" and "grader = Notebook" in c.source)
    noise = "".join(o.get("text", "") for o in setup.outputs if o.get("output_type") == "stream")
    assert "WARN" not in noise and "log4j" not in noise, noise          # the setup cell is quiet
    totals = []
    for cell in nb.cells:
        if cell.cell_type == "code" and "grader.check" in cell.source:
            text = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
            shown = [o for o in cell.outputs if o.get("output_type") == "execute_result"]
            assert all("text/html" in o["data"] for o in shown)                  # a table, not a repr
            text += "".join(o["data"].get("text/plain", "") for o in shown)
            assert "GradeReport(" not in text
            found = re.findall(r"total: ([\d.]+)/([\d.]+)", text)
            assert found, text[-2000:]
            totals.append(found[-1])
    assert len(totals) == sum(1 for q in spec.questions if any(c.question == q.name and not c.hidden
                                                               for c in spec.checks))
    assert all(score == max_score and float(max_score) > 0 for score, max_score in totals), totals
