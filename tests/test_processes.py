"""Processes a harness task starts (autograder.harness.processes) and submission entry points
(autograder.harness.entry): real child processes, no Spark."""

import json
import socket
import sys
import time

import pytest

from autograder.harness import processes
from autograder.harness.entry import main as entry_main


def test_run_captures_output_and_exit_code(tmp_path):
    proc = processes.run([sys.executable, "-c", "import sys; print('hello'); sys.exit(3)"], tmp_path / "a.log", 30)
    assert proc.returncode == 3 and "hello" in proc.tail()


def test_timeout_kills_the_whole_group(tmp_path):
    # the child starts a grandchild that would outlive it; both must be gone after the timeout
    script = ("import subprocess, sys, time\n"
              "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
              "print(p.pid, flush=True)\n"
              "time.sleep(60)\n")
    started = time.monotonic()
    proc = processes.start([sys.executable, "-c", script], tmp_path / "b.log")
    assert processes.wait_until(lambda: proc.tail().strip(), 20)
    grandchild = int(proc.tail().split()[0])
    with pytest.raises(processes.ProcessTimeout, match="within 1 s"):
        proc.wait(1)
    assert time.monotonic() - started < 30
    assert processes.wait_until(lambda: not _alive(grandchild), 10)


def test_context_manager_kills_on_error(tmp_path):
    with pytest.raises(RuntimeError):
        with processes.start([sys.executable, "-c", "import time; time.sleep(60)"], tmp_path / "c.log") as proc:
            raise RuntimeError("the task failed")
    assert not proc.running()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_error_summary_prefers_the_last_exception_line():
    log = ("Setting default log level to \"WARN\".\n"
           "26/11/24 22:38:01 WARN NativeCodeLoader: Unable to load native-hadoop library\n"
           "Traceback (most recent call last):\n  File \"deploy.py\", line 3, in <module>\n"
           "NotImplementedError: main is not written yet\n"
           "26/11/24 22:38:05 INFO ShutdownHookManager: Shutdown hook called\n")
    assert processes.error_summary(log) == "NotImplementedError: main is not written yet"
    assert processes.error_summary("26/11/24 22:38:01 WARN x\nusage: job <in> <out>\n") == "usage: job <in> <out>"
    assert processes.error_summary("") == "(no output)"


def test_spark_submit_command_is_local_and_loopback_only():
    command = processes.spark_submit_command("job.py", ["in", "out"])
    assert command[0].endswith("pyspark/bin/spark-submit") and command[-3:] == ["job.py", "in", "out"]
    assert command[command.index("--master") + 1] == "local[2]"
    confs = {command[i + 1] for i, a in enumerate(command) if a == "--conf"}
    assert {"spark.ui.enabled=false", "spark.driver.host=127.0.0.1", "spark.sql.shuffle.partitions=4"} <= confs


def test_loopback_socket_listens_on_127_0_0_1_only():
    sock = processes.loopback_socket()
    try:
        host, port = sock.getsockname()
        assert host == "127.0.0.1" and port > 0
        socket.create_connection((host, port), timeout=5).close()
    finally:
        sock.close()


def test_entry_calls_a_submission_function_with_argv(tmp_path):
    sub = tmp_path / "sub.py"
    sub.write_text("import json, sys\n"
                   "def main(argv):\n"
                   "    open(argv[0], 'w').write(json.dumps(argv))\n"
                   "    return 4\n")
    out = tmp_path / "out.json"
    assert entry_main([str(sub), "sub_entry_a", "main", str(out), "x"]) == 4
    assert json.loads(out.read_text()) == [str(out), "x"]


def test_entry_calls_a_harness_function_with_the_module(tmp_path):
    sub = tmp_path / "sub.py"
    sub.write_text("VALUE = 7\n")
    harness = tmp_path / "drive.py"
    harness.write_text("def drive(module, argv):\n    return module.VALUE + len(argv)\n")
    assert entry_main([str(sub), "sub_entry_b", f"{harness}:drive", "a", "b"]) == 9


def test_entry_runs_as_a_file_in_a_fresh_process(tmp_path):
    """spark-submit runs entry.py as a file: `autograder` must be importable without installation tricks."""
    import autograder.harness.entry as entry

    sub = tmp_path / "sub.py"
    sub.write_text("def main(argv):\n    print('ran', *argv)\n")
    proc = processes.run([sys.executable, entry.__file__, str(sub), "sub_entry_c", "main", "z"], tmp_path / "e.log",
                         60)
    assert proc.returncode == 0 and "ran z" in proc.tail()


def test_a_passed_socket_is_served_by_the_child_on_the_callers_port(tmp_path):
    # the caller makes the listening socket and knows its port; the child only answers on it
    sock = processes.loopback_socket()
    port = sock.getsockname()[1]
    script = ("import socket, sys\n"
              "s = socket.socket(fileno=int(sys.argv[1]))\n"
              "conn, _ = s.accept()\n"
              "conn.sendall(b'from the child')\n")
    with processes.start([sys.executable, "-c", script, str(sock.fileno())], tmp_path / "d.log",
                         pass_fds=(sock.fileno(),)) as proc:
        sock.close()
        with socket.create_connection(("127.0.0.1", port), timeout=20) as client:
            assert client.recv(100) == b"from the child"
        assert proc.wait(20) == 0
