"""The handout's GitHub Actions grading step, run here as the runner would run it: the step's own command
line from check.yml, in a copy of the 02 handout with the stub untouched, with the handout's own framework
copy (what `pip install -r requirements.txt` installs from ./sparkgrade) and a GITHUB_STEP_SUMMARY file.
One real grading: it must fail (non-zero) and leave a markdown table of the public checks."""

import os
import shutil
import subprocess
import sys

import pytest
from ruamel.yaml import YAML

pytestmark = pytest.mark.slow


def test_workflow_step_grades_the_stub_once_fails_and_writes_the_summary(built, tmp_path):
    spec, result = built
    repo = tmp_path / "repo"
    shutil.copytree(result.handout_dir, repo)
    flow = YAML(typ="safe").load((repo / ".github" / "workflows" / "check.yml").read_text())
    (command,) = [s["run"] for s in flow["jobs"]["check"]["steps"] if "sparkgrade check" in s.get("run", "")]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "sparkgrade"  # the console script pip would install for ./sparkgrade
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m autograder.cli "$@"\n')
    shim.chmod(0o755)
    summary = tmp_path / "step_summary.md"
    summary.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARKGRADE_", "GITHUB_"))}
    env.update(PATH=f"{bin_dir}:{env['PATH']}", PYTHONPATH=str(repo / "sparkgrade"), GITHUB_STEP_SUMMARY=str(summary))
    proc = subprocess.run([shutil.which("bash"), "-e", "-c", command], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-3000:])
    assert "checking pipelines.ipynb: neither differs from the handout's stubs" in proc.stderr
    table = summary.read_text()
    assert table.startswith(f"### {spec.slug}: ") and "pipelines.ipynb" in table.splitlines()[0]
    assert "| check | question | result | points | message |" in table
    public = [c for c in spec.checks if not c.hidden]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "**failed**" in line]
    assert len(rows) == len(public) and all(f"| {c.name} |" in table for c in public)
    assert not any(f"| {c.name} " in table for c in spec.checks if c.hidden)
    assert f"**0 / {sum(c.points for c in public):g} points**" in table
    assert table.count("### ") == 1  # one grading run, not one per question
