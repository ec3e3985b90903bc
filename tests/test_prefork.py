"""The fork server: a child forked from it is sandboxed and limited exactly like a child started afresh,
reports its exit code and output the same way, and the grader falls back to fresh children when the
server is gone."""

import os
import signal
import textwrap
import time
from pathlib import Path

import pytest

from autograder import sandbox
from autograder.engine.prefork import ForkServer, fork_server
from autograder.registry import project_root
from tests.test_hostile import DAEMON_TAG, DAEMONS, no_tagged_processes

PROBE = "tests.prefork_probe"


@pytest.fixture(scope="module")
def server():
    with ForkServer(sandbox.child_env(), modules=(PROBE,)) as running:
        yield running


def run_forked(server, tmp_path: Path, code: str, timeout_s: float = 60, memory_mb: int = 2048,
               hidden: tuple = ()) -> sandbox.ChildRun:
    iso = sandbox.isolation()
    area = sandbox.ChildArea(tmp_path / "child", iso)
    area.create()
    area.open_for_child()
    program = area.input / "prog.py"
    program.write_text(textwrap.dedent(code), encoding="utf-8")
    jail = sandbox.Jail(iso, area, writable=(area.home, area.tmp), hidden=tuple(hidden))
    return sandbox.run_child(PROBE, program, area.home, timeout_s, memory_mb, jail=jail, starter=server)


def test_forked_children_are_sandboxed_like_fresh_ones(server, tmp_path):
    iso = sandbox.isolation()
    code = f"""
        import os, tempfile
        status = dict(line.split(":", 1) for line in open("/proc/self/status"))
        print("uid", os.getuid(), "cap", status["CapEff"].strip(), "nnp", status["NoNewPrivs"].strip())
        print("project", os.path.exists({str(project_root() / 'solutions')!r}))
        print("fds", sorted(int(f) for f in os.listdir("/proc/self/fd")))
        print("tmp", tempfile.gettempdir() == os.environ["TMPDIR"], "marker", "{sandbox.MARKER}" in os.environ)
        print("cwd", os.getcwd() == os.environ["HOME"])
    """
    run = run_forked(server, tmp_path, code)
    out = run.output_head
    assert run.returncode == 0, out
    if iso.uid is not None:
        assert f"uid {iso.uid} " in out
    if iso.namespaces or iso.uid is not None:
        assert "cap 0000000000000000" in out
    assert "nnp 1" in out
    if iso.namespaces:
        assert "project False" in out
    assert "fds [0, 1, 2, 3]" in out            # 3: the listing itself; nothing of the server's
    assert "tmp True marker True" in out and "cwd True" in out


def test_exit_codes_and_output_are_reported(server, tmp_path):
    assert run_forked(server, tmp_path / "a", "raise SystemExit(3)").returncode == 3
    failed = run_forked(server, tmp_path / "b", "print('before'); raise ValueError('boom')")
    assert failed.returncode == 1
    assert "before" in failed.output_head and "ValueError: boom" in failed.output_head
    killed = run_forked(server, tmp_path / "c", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n")
    assert killed.returncode == -signal.SIGKILL


def test_timeout_kills_the_whole_forked_tree(server, tmp_path):
    code = DAEMONS.replace("time.sleep(1.5)", "time.sleep(300)")
    started = time.monotonic()
    run = run_forked(server, tmp_path, code, timeout_s=3)
    assert run.timed_out and run.returncode is None
    assert time.monotonic() - started < 30
    assert no_tagged_processes(f"{DAEMON_TAG}-unit")


def test_memory_limit_counts_what_the_forked_tree_allocates(server, tmp_path):
    small = run_forked(server, tmp_path / "small", "import time\ntime.sleep(1)\n", memory_mb=150)
    assert small.returncode == 0 and not small.memory_exceeded, small.peak_rss_mb  # the imports are shared
    code = "import time\nx = bytearray(500 * 2**20)\nx[::4096] = b'x' * len(x[::4096])\ntime.sleep(60)\n"
    big = run_forked(server, tmp_path / "big", code, timeout_s=60, memory_mb=300)
    assert big.memory_exceeded, (big.peak_rss_mb, big.output_head)


def test_only_the_modules_it_was_started_for_run(server, tmp_path):
    with pytest.raises(ValueError, match="runs only"):
        server.start("os", tmp_path / "job", tmp_path, {}, {})


def test_a_dead_server_means_fresh_children(tmp_path):
    scorer = "autograder.harness.scorer"
    with ForkServer(sandbox.child_env(), modules=(PROBE, scorer)) as doomed:
        os.kill(doomed.proc.pid, signal.SIGKILL)
        doomed.proc.wait()
        deadline = time.monotonic() + 5
        while doomed.alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not doomed.alive()
        iso = sandbox.isolation()
        area = sandbox.ChildArea(tmp_path / "child", iso)
        area.create()
        area.open_for_child()
        (area.input / "job.json").write_text("{}")
        jail = sandbox.Jail(iso, area, writable=(area.home, area.tmp))
        run = sandbox.run_child(scorer, area.input / "job.json", area.home, 60, 2048, jail=jail, starter=doomed)
    # started afresh (python -m): the scorer fails on the empty job, and not inside the fork server's code
    assert run.returncode == 1 and "KeyError: 'spark'" in run.output_head, run.output_head
    assert "forkserver.py" not in run.output_head


def test_fork_server_is_optional():
    with fork_server(enabled=False) as none:
        assert none is None


def test_an_ended_child_keeps_its_pid_until_the_grader_releases_it(server, tmp_path):
    """The grader kills the tree rooted at the child's pid after it ends: until then the pid must not be
    reusable by an unrelated process, so the server leaves the child a zombie until it is released."""
    iso = sandbox.isolation()
    area = sandbox.ChildArea(tmp_path / "child", iso)
    area.create()
    area.open_for_child()
    program = area.input / "prog.py"
    program.write_text("print('done')\n", encoding="utf-8")
    jail = sandbox.Jail(iso, area, writable=(area.home, area.tmp))
    env = sandbox.child_env({"HOME": str(area.home), "TMPDIR": str(area.tmp)})
    proc = server.start(PROBE, program, area.home, env, jail.config([], area.home))
    deadline = time.monotonic() + 30
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.returncode == 0
    assert open(f"/proc/{proc.pid}/stat").read().rsplit(")", 1)[1].split()[0] == "Z"
    assert proc.wait() == 0
    deadline = time.monotonic() + 5
    while os.path.exists(f"/proc/{proc.pid}") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not os.path.exists(f"/proc/{proc.pid}")
