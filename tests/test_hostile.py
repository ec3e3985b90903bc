"""Hardened grading of untrusted submissions.

1. Sandbox and staging properties, checked directly with small child processes (no Spark, seconds).
2. The hostile-submission corpus (tests/hostile/corpus.toml), graded for real against the tiny assignment
   in tests/fixtures/root with one module-scoped Grader, two at a time: every case must end with a valid report, earn
   exactly the checks it declares, never `error`, and explain itself. The reference is graded before and
   after the corpus and must score the same (no effect on the next submission).
3. The same attacks on the warm engine: one sandboxed Spark Connect server shared by a class.
4. The CLI writes the fallback result first and the final one once, whatever the submission forges.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
import tomllib
import zipfile
from pathlib import Path

import pytest

from autograder import sandbox
from autograder.errors import SubmissionError
from autograder.registry import load_assignment
from autograder.results import GradeReport, Status
from autograder.runner import Grader
from autograder.staging import stage

HERE = Path(__file__).resolve().parent
CORPUS_DIR = HERE / "hostile"
FIXTURE_ROOT = HERE / "fixtures" / "root"
CORPUS = tomllib.loads((CORPUS_DIR / "corpus.toml").read_text(encoding="utf-8"))["case"]
DAEMON_TAG = "sparkgrade-hostile-daemon"
TIMES: dict[str, float] = {}


# ------------------------------------------------------------------------------------------------------
# Helpers


def tagged_pids(tag: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as fh:
                    if tag.encode() in fh.read():
                        with open(f"/proc/{entry}/stat") as st:
                            if st.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X"):
                                found.append(int(entry))
            except OSError:
                continue
    return found


def no_tagged_processes(tag: str, wait_s: float = 3.0) -> bool:
    deadline = time.monotonic() + wait_s
    while tagged_pids(tag):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def run_code(tmp_path: Path, code: str, iso: sandbox.Isolation | None = None, timeout_s: float = 60,
             memory_mb: int = 2048, hidden: tuple = (), **limits) -> sandbox.ChildRun:
    """Run a small Python program as a sandboxed child with its own area under ``tmp_path``."""
    iso = iso if iso is not None else sandbox.isolation()
    area = sandbox.ChildArea(tmp_path / "child", iso)
    area.create()
    area.open_for_child()
    (area.input / "prog.py").write_text(textwrap.dedent(code), encoding="utf-8")
    jail = sandbox.Jail(iso, area, writable=(area.home, area.tmp), hidden=tuple(hidden))
    return sandbox.run_child(None, None, area.home, timeout_s, memory_mb, jail=jail,
                             argv=[sys.executable, str(area.input / "prog.py")], **limits)


ISOLATIONS = [pytest.param(None, id="platform"), pytest.param(sandbox.Isolation(), id="no-namespaces")]

DAEMONS = f"""
    import os, subprocess, sys, time
    code = "import os, time\\nos.setsid()\\nif os.fork():\\n    os._exit(0)\\ntime.sleep(120)\\n"
    subprocess.Popen([sys.executable, "-c", code, "{DAEMON_TAG}-unit"], env={{}}, start_new_session=True,
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if os.fork() == 0:
        os.setsid()
        os.execve(sys.executable, [sys.executable, "-c", code, "{DAEMON_TAG}-unit"], {{}})
    time.sleep(1.5)
"""


# ------------------------------------------------------------------------------------------------------
# 1. Sandbox and staging


def test_isolation_is_probed_and_described():
    iso = sandbox.isolation()
    assert iso is sandbox.isolation()                       # probed once, then cached
    assert iso.summary().startswith(f"children run as {iso.user}; ")
    if sys.platform.startswith("linux") and os.geteuid() == 0 and os.environ.get(sandbox.ISOLATION_ENV, "auto") == "auto":
        # root on Linux: namespaces or an unprivileged user protect the files, else the reasons say why not
        assert iso.hides_files or any(" unavailable: " in r for r in iso.reasons), iso
    # every report says what is not enforced and why; nothing when everything is
    assert sandbox.Isolation(namespaces=True, uid=65534, gid=65534).notes() == []
    weak = sandbox.Isolation(namespaces=True, reasons=("user nobody unavailable: Permission denied",))
    assert len(weak.notes()) == 1 and "user nobody unavailable: Permission denied" in weak.notes()[0]
    assert weak.summary() in weak.notes()[0] and "the grader's own user" in weak.notes()[0]


def test_falls_back_to_the_same_user_with_a_note_when_nobody_cannot_start_python(monkeypatch, tmp_path):
    """Without namespaces, `nobody` must be able to execute the interpreter itself; here the interpreter is
    reached through a folder of mode 700, so the probe fails and the children run as the grader's user,
    with a note in every report (instead of failing)."""
    if os.geteuid() != 0 or sandbox.nobody() is None:
        pytest.skip("needs root and a `nobody` user")
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    (private / "python").symlink_to(sys.executable)
    monkeypatch.setattr(sys, "executable", str(private / "python"))
    iso = sandbox.probe_isolation("user")                 # not cached: later probes see the real interpreter
    assert iso.uid is None and not iso.namespaces, iso
    assert any("user nobody unavailable" in n and "Permission denied" in n for n in iso.notes()), iso.notes()


def test_protect_hides_grader_folders_but_keeps_the_area_reachable(tmp_path):
    project, work = tmp_path / "project", tmp_path / "work"
    for d in (project / "solutions", project / "assignments" / "00-tiny", work / "submission"):
        d.mkdir(parents=True, mode=0o755)
    area = sandbox.ChildArea(work / "child", sandbox.Isolation(uid=65534, gid=65534))
    area.create()
    jail = sandbox.Jail(area.iso, area, hidden=(project, work))
    changed = jail.protect()
    mode = lambda p: stat.S_IMODE(p.stat().st_mode)  # noqa: E731
    assert mode(project) == 0o700 and str(project) in changed
    assert mode(work) == 0o711                            # traversable to reach the area, not listable
    assert mode(work / "submission") == 0o700
    assert mode(area.root) == 0o755 and mode(area.input) == 0o755


@pytest.mark.parametrize("iso", ISOLATIONS)
def test_detached_background_processes_are_killed(tmp_path, iso):
    run = run_code(tmp_path, DAEMONS, iso=iso)
    assert run.returncode == 0, run.output_head
    assert no_tagged_processes(f"{DAEMON_TAG}-unit"), "a background process outlived its sandbox"


@pytest.mark.parametrize("iso", ISOLATIONS)
def test_timeout_kills_the_whole_tree(tmp_path, iso):
    code = DAEMONS.replace("time.sleep(1.5)", "time.sleep(300)")
    started = time.monotonic()
    run = run_code(tmp_path, code, iso=iso, timeout_s=3)
    assert run.timed_out and run.returncode is None
    assert time.monotonic() - started < 30
    assert "time limit of 3 s" in run.describe(3, 2048)
    assert no_tagged_processes(f"{DAEMON_TAG}-unit")


def test_memory_limit_covers_the_process_tree(tmp_path):
    code = """
        import subprocess, sys
        hog = "import time\\nx = bytearray(700 * 2**20)\\nx[::4096] = b'x' * len(x[::4096])\\ntime.sleep(60)\\n"
        subprocess.run([sys.executable, "-c", hog])
    """
    run = run_code(tmp_path, code, timeout_s=60, memory_mb=400)
    assert run.memory_exceeded, (run.peak_rss_mb, run.output_head)
    assert "memory limit of 400 MB" in run.describe(60, 400)


def test_disk_limit_stops_a_child_that_fills_its_folders(tmp_path):
    """Writing in a loop (here 1 MB at a time, up to 2 GB) is stopped near the cap, blamed on the submission,
    and a sparse file counts what it holds, not its length."""
    code = """
        import os
        with open("sparse", "wb") as fh:
            fh.seek(50 * 2**30)
            fh.write(b"x")
        with open("big", "wb") as fh:
            for _ in range(2048):
                fh.write(os.urandom(2**20))
                fh.flush()
    """
    run = run_code(tmp_path, code, timeout_s=120, disk_limit_mb=64)
    assert run.disk_exceeded and run.cause == "student_error", (run.stopped, run.output_head)
    assert "more than 64 MB of files" in run.describe(120, 2048)
    assert (tmp_path / "child" / "home" / "big").stat().st_size < 1024 * 2**20


def test_output_is_capped(tmp_path):
    run = run_code(tmp_path, "import sys\nfor _ in range(30):\n    sys.stdout.write('y' * 2**20)\n")
    assert run.returncode == 0
    assert run.output_bytes >= 30 * 2**20
    assert len(run.output_head) <= sandbox.OUTPUT_KEEP and len(run.output_tail) <= sandbox.OUTPUT_KEEP


def test_children_have_no_privileges(tmp_path):
    iso = sandbox.isolation()
    code = """
        import os
        status = dict(line.split(":", 1) for line in open("/proc/self/status"))
        print("uid", os.getuid(), "cap", status["CapEff"].strip(), "nnp", status["NoNewPrivs"].strip())
    """
    run = run_code(tmp_path, code)
    assert run.returncode == 0, run.output_head
    if iso.uid is not None:
        assert f"uid {iso.uid} " in run.output_head
    if iso.namespaces or iso.uid is not None:
        assert "cap 0000000000000000" in run.output_head
    assert "nnp 1" in run.output_head


def test_hidden_folders_are_unreadable_and_the_system_read_only(tmp_path):
    iso = sandbox.isolation()
    if not iso.hides_files:
        pytest.skip(f"this platform cannot hide files from the children: {iso.summary()}")
    secret = tmp_path / "grader-cache" / "hidden"
    secret.mkdir(parents=True)
    (secret / "test_labels.parquet").write_text("secret labels")
    targets = [FIXTURE_ROOT / "solutions" / "00-tiny" / "tiny.py",
               FIXTURE_ROOT / "assignments" / "00-tiny" / "assignment.toml",
               HERE.parent / "solutions", secret / "test_labels.parquet"]
    writes = [Path(sandbox.__file__), Path(sandbox.__file__).parent / "planted.py"]
    code = f"""
        import autograder.harness.artifacts, pyspark      # the runtime stays usable
        for path in {[str(t) for t in targets]!r}:
            try:
                print("READ", path, len(open(path, "rb").read()))
            except OSError as exc:
                print("denied", path, type(exc).__name__)
        for path in {[str(w) for w in writes]!r}:
            try:
                open(path, "a").close()
                print("WROTE", path)
            except OSError as exc:
                print("denied", path, type(exc).__name__)
        open("own-file.txt", "w").write("ok")
        print("home ok")
    """
    run = run_code(tmp_path, code, hidden=(tmp_path / "grader-cache",))
    assert run.returncode == 0, run.output_head
    assert "READ" not in run.output_head and "WROTE" not in run.output_head, run.output_head
    assert "home ok" in run.output_head
    assert not (Path(sandbox.__file__).parent / "planted.py").exists()


def test_a_stray_copy_of_the_project_elsewhere_does_not_exist_for_the_child(tmp_path):
    """The child's filesystem is an allow-list: a copy of the solutions in a folder nobody listed as
    hidden (another checkout, an instructor's backup) is not there at all."""
    if not sandbox.isolation().namespaces:
        pytest.skip("without namespaces only listed folders are protected (by permissions)")
    parent = next((p for p in ("/opt", "/var/opt", "/var/backups", "/srv") if os.access(p, os.W_OK)), None)
    if parent is None:
        pytest.skip("no writable folder outside /tmp to plant a stray copy in")
    stray = Path(tempfile.mkdtemp(prefix="sparkgrade-stray-", dir=parent))
    try:
        (stray / "tiny.py").write_text("ANSWER = 42\n")
        stray.chmod(0o755)
        (stray / "tiny.py").chmod(0o644)
        code = f"""
            import os
            print("EXISTS" if os.path.exists({str(stray)!r}) else "absent", sorted(os.listdir("/")))
        """
        run = run_code(tmp_path, code)
        assert run.returncode == 0, run.output_head
        assert "absent" in run.output_head, run.output_head
    finally:
        shutil.rmtree(stray, ignore_errors=True)


def test_network_is_limited_to_a_private_loopback(tmp_path):
    iso = sandbox.isolation()
    if not iso.namespaces:
        pytest.skip(f"no network namespace on this platform: {iso.summary()}")
    host_ip = socket.gethostbyname(socket.gethostname())
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.connect(("192.0.2.1", 9))                # no packet is sent; picks the outgoing interface
            host_ip = udp.getsockname()[0]
    except OSError:
        pass
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("0.0.0.0", 0))
    listener.listen(5)
    port = listener.getsockname()[1]
    code = f"""
        import socket
        for host in ("127.0.0.1", {host_ip!r}, "1.1.1.1"):
            try:
                socket.create_connection((host, {port} if host != "1.1.1.1" else 53), timeout=3).close()
                print("CONNECTED", host)
            except OSError as exc:
                print("blocked", host, type(exc).__name__)
        s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
        socket.create_connection(s.getsockname(), timeout=3).close()
        print("own loopback ok")
    """
    try:
        run = run_code(tmp_path, code)
    finally:
        listener.close()
    assert "CONNECTED" not in run.output_head, run.output_head
    assert "own loopback ok" in run.output_head, run.output_head


def test_sanitize_removes_links_special_and_oversized_files(tmp_path):
    folder = tmp_path / "artifacts"
    (folder / "task").mkdir(parents=True)
    (folder / "task" / "value.json").write_text("42")
    (folder / "task" / "outcome.json").symlink_to("/etc/passwd")
    (folder / "linked_dir").symlink_to("/etc")
    os.mkfifo(folder / "task" / "pipe")
    (tmp_path / "grader-file").write_text("private")
    os.link(tmp_path / "grader-file", folder / "task" / "hardlink.json")
    notes = sandbox.sanitize(folder)
    assert sorted(p.name for p in folder.rglob("*")) == ["task", "value.json"]
    assert len(notes) == 4 and all("removed" in n for n in notes)


def _zip(path: Path, members: list[dict]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for m in members:
            info = zipfile.ZipInfo(m["name"])
            if "symlink" in m:
                info.external_attr = (0o120777 << 16)
                zf.writestr(info, m["symlink"])
            elif "copy" in m:
                zf.writestr(info, (HERE / m["copy"]).read_bytes())
            else:
                zf.writestr(info, m["text"])
    return path


def test_staging_ignores_unsafe_members(tmp_path):
    spec = load_assignment(FIXTURE_ROOT / "assignments" / "00-tiny")
    case = next(c for c in CORPUS if "archive" in c)
    staged = stage(_zip(tmp_path / "unsafe.zip", case["archive"]), spec, tmp_path / "out")
    assert staged.path.read_bytes() == (FIXTURE_ROOT / "solutions" / "00-tiny" / "tiny.py").read_bytes()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["tiny.py"]
    for expected in case["notes"]:
        assert any(expected in n for n in staged.notes), (expected, staged.notes)
    assert not (tmp_path / "escape.py").exists() and not Path("/etc/cron.d/evil.py").exists()


def test_staging_does_not_follow_symlinked_folders(tmp_path):
    spec = load_assignment(FIXTURE_ROOT / "assignments" / "00-tiny")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "tiny.py").write_text("SECRET = 1\n")
    sub = tmp_path / "submission"
    sub.mkdir()
    (sub / "linked").symlink_to(outside)
    (sub / ".ipynb_checkpoints").mkdir()
    (sub / ".ipynb_checkpoints" / "tiny-checkpoint.ipynb").write_text("{}")
    with pytest.raises(SubmissionError, match="nothing that can be graded.*tiny.py"):
        stage(sub, spec, tmp_path / "out")
    (sub / "tiny.py").write_text("def double(x):\n    return 2 * x\n")
    staged = stage(sub, spec, tmp_path / "out2")
    assert "SECRET" not in staged.path.read_text()
    assert any("linked/" in n and "symbolic" in n for n in staged.notes)


def test_staging_caps_archives(tmp_path):
    spec = load_assignment(FIXTURE_ROOT / "assignments" / "00-tiny")
    with zipfile.ZipFile(tmp_path / "many.zip", "w") as zf:
        for i in range(5_001):
            zf.writestr(f"f{i}.txt", "")
    with pytest.raises(SubmissionError, match="more than"):
        stage(tmp_path / "many.zip", spec, tmp_path / "out")


# ------------------------------------------------------------------------------------------------------
# 2. The corpus


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """The tiny assignment and one Grader whose project root is tests/fixtures/root."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SPARKGRADE_ROOT", str(FIXTURE_ROOT))
        spec = load_assignment("00-tiny")
        grader = Grader(cache_dir=tmp_path_factory.mktemp("hostile-cache"))
        grader.prepared(spec)                               # split the dataset once, before timing anything
        yield spec, grader


def check_report(report: GradeReport, spec) -> None:
    """Every report is valid and complete: one verdict per check, points only for passes, round-trips."""
    from tests.writers.test_writers import GRADESCOPE_SCHEMA
    import jsonschema

    from autograder.writers.gradescope import to_gradescope

    assert [c.name for c in report.checks] == [c.name for c in spec.checks]
    for c in report.checks:
        assert c.message, c
        assert c.score == (c.max_score if c.status is Status.PASSED else 0)
    for text in (*(c.message for c in report.checks), *report.notes):     # child text is made safe as it is read
        assert "\x1b" not in text and "\x00" not in text, text
        text.encode("utf-8")
    assert GradeReport.from_dict(json.loads(report.to_json())).to_dict() == report.to_dict()
    jsonschema.validate(to_gradescope(report), GRADESCOPE_SCHEMA)


def grade_case(tiny, case, tmp_path) -> GradeReport:
    spec, grader = tiny
    path = CORPUS_DIR / case["file"]
    if "archive" in case:
        path = _zip(tmp_path / case["file"], case["archive"])
    started = time.monotonic()
    report = grader.grade(spec, path)
    TIMES[case["file"]] = time.monotonic() - started
    return report


@pytest.fixture(scope="module")
def reference_before(tiny) -> GradeReport:
    """The reference graded once before the corpus (``corpus_reports`` asks for it, so the order holds
    whichever tests run)."""
    spec, grader = tiny
    started = time.monotonic()
    report = grader.grade(spec, FIXTURE_ROOT / "solutions" / "00-tiny" / "tiny.py")
    TIMES["(reference, before)"] = time.monotonic() - started
    return report


def case_params() -> list:
    """One test per corpus case; the ``tier = "long"`` ones in the long tier."""
    return [pytest.param(c, id=c["file"], marks=[pytest.mark.long] if c.get("tier") == "long" else [])
            for c in CORPUS]


def selected_cases(session) -> set[str]:
    """The corpus files whose test this run selected (a long-tier case is graded only when its test runs)."""
    return {item.callspec.params["case"]["file"] for item in session.items
            if item.originalname == "test_hostile_submission" and hasattr(item, "callspec")}


@pytest.fixture(scope="module")
def corpus_reports(request, tiny, reference_before, tmp_path_factory) -> dict[str, GradeReport]:
    """Every selected corpus case graded once, two at a time as a class is graded (local Spark), after the
    reference's first grading and before its second."""
    from concurrent.futures import ThreadPoolExecutor

    folder = tmp_path_factory.mktemp("corpus")
    chosen = selected_cases(request.session)
    cases = [c for c in CORPUS if c["file"] in chosen
             and (sandbox.isolation().hides_files or not c["file"].startswith("read_hidden"))]
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=2) as pool:
        reports = dict(zip([c["file"] for c in cases], pool.map(lambda c: grade_case(tiny, c, folder), cases)))
    TIMES["(corpus wall clock, 2 workers)"] = time.monotonic() - started
    return reports


@pytest.mark.slow
def test_reference_before_the_corpus(tiny, reference_before):
    spec, _ = tiny
    report = reference_before
    check_report(report, spec)
    assert report.score == spec.total_points, report.to_json()
    assert not [n for n in report.notes if "sandbox" in n and "unavailable" in n], report.notes


@pytest.mark.slow
@pytest.mark.parametrize("case", case_params())
def test_hostile_submission(tiny, corpus_reports, case):
    spec, _ = tiny
    iso = sandbox.isolation()
    if not iso.hides_files and case["file"].startswith("read_hidden"):
        pytest.skip(f"this platform cannot hide files from submissions: {iso.summary()}")
    report = corpus_reports[case["file"]]
    check_report(report, spec)
    problems = case_problems(report, case)
    assert not problems, "\n".join(problems) + "\n" + report.to_json()
    assert no_tagged_processes(DAEMON_TAG), f"{case['file']} left a background process running"


def case_problems(report: GradeReport, case: dict) -> list[str]:
    """How ``report`` differs from what the corpus declares for ``case`` (empty: as declared)."""
    verdicts = report.by_name()
    passed = sorted(name for name, c in verdicts.items() if c.status is Status.PASSED)
    problems = []
    if passed != sorted(case["passes"]):
        problems.append(f"passed {passed}, expected exactly {sorted(case['passes'])}")
    for name, c in verdicts.items():
        if c.status is Status.ERROR:
            problems.append(f"{name} is an error: {c.message}")
    for name, wanted in case.get("messages", {}).items():
        options = wanted if isinstance(wanted, list) else [wanted]
        if not any(w in verdicts[name].message for w in options):
            problems.append(f"{name}: message {verdicts[name].message!r} contains none of {options}")
    for wanted in case.get("notes", []):
        if not any(wanted in n for n in report.notes):
            problems.append(f"no note contains {wanted!r}: {list(report.notes)}")
    return problems


@pytest.mark.slow
def test_reference_unchanged_after_the_corpus(tiny, reference_before, corpus_reports):
    spec, grader = tiny
    started = time.monotonic()
    report = grader.grade(spec, FIXTURE_ROOT / "solutions" / "00-tiny" / "tiny.py")
    TIMES["(reference, after)"] = time.monotonic() - started
    check_report(report, spec)
    assert report.score == spec.total_points, report.to_json()
    before = reference_before
    assert [(c.name, c.status, c.score, c.message) for c in report.checks] == \
           [(c.name, c.status, c.score, c.message) for c in before.checks]
    assert report.notes == before.notes
    assert no_tagged_processes(DAEMON_TAG)


# ------------------------------------------------------------------------------------------------------
# 3. The warm engine: one sandboxed Spark Connect server shared by a class

# memory_bomb_worker.py (a UDF's hog) is graded with local Spark only: the shared server runs no Python worker,
# so on it that case would be the same local regrade as udf_saboteur.py's.
WARM_CASES = ("read_hidden_spark.py", "spark_stop.py", "spark_conf.py", "os_exit_in_task.py", "sigkill_self.py",
              "memory_bomb.py", "udf_saboteur.py", "jar_loader.py")


@pytest.mark.slow
def test_hostile_submissions_on_the_shared_warm_engine(tiny):
    """The file-stealing and session-breaking cases graded through one Spark Connect server, two at a
    time, next to the reference, their children forked from the fork server as in a batch: the server's
    sandbox hides what the children's hides (the hidden labels, the solutions, the project), each case
    earns exactly what it earns with local Spark, and the reference graded on the same server afterwards
    scores exactly as the one graded beside them."""
    from concurrent.futures import ThreadPoolExecutor

    from autograder.engine.server import ConnectServer
    from autograder.engine.prefork import fork_server
    from autograder.spark import SparkOptions

    spec, local = tiny
    cases = {c["file"]: c for c in CORPUS if c["file"] in WARM_CASES}
    reference = FIXTURE_ROOT / "solutions" / "00-tiny" / "tiny.py"
    paths = {"(reference)": reference, **{name: CORPUS_DIR / name for name in cases}}
    with ConnectServer() as server, fork_server() as starter:
        assert server.sandboxed or not sandbox.isolation().namespaces
        assert starter is not None
        warm = Grader(spark_options=SparkOptions(remote=server.url), work_root=server.work_root,
                      cache_dir=local.cache_dir, starter=starter, server=server)
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=2) as pool:
            reports = dict(zip(paths, pool.map(lambda p: warm.grade(spec, p), paths.values())))
        TIMES[f"(warm engine: {len(paths)} submissions, 2 workers)"] = time.monotonic() - started
        after = warm.grade(spec, reference)
        planted = list((server.workdir / "server").rglob("SPARKGRADE-JAR-RAN"))      # what ran in the server's JVM
    problems = [f"{name}: {'; '.join(found)}\n{reports[name].to_json()}" for name, case in cases.items()
                if (found := case_problems(reports[name], case))]
    assert not problems, "\n".join(problems)
    # the server ran no Python worker: the UDF's submission was graded with local Spark, in its own sandbox
    assert any("Python UDF" in note for note in reports["udf_saboteur.py"].notes), reports["udf_saboteur.py"].notes
    # nor any class a client sent: the jar's SQL was refused (graded with local Spark), its class never ran there
    assert any("ADD JAR" in note for note in reports["jar_loader.py"].notes), reports["jar_loader.py"].notes
    assert not planted, planted
    for report in (reports["(reference)"], after):
        check_report(report, spec)
        assert report.score == spec.total_points, report.to_json()
        assert not any("stopped (or broke) the Spark session" in note for note in report.notes), report.notes
    assert [(c.name, c.status, c.score, c.message) for c in after.checks] == \
           [(c.name, c.status, c.score, c.message) for c in reports["(reference)"].checks]


# ------------------------------------------------------------------------------------------------------
# 4. The CLI: fallback first, final result once


@pytest.mark.slow
def test_cli_writes_fallback_first_then_one_final_result(tiny, tmp_path):
    import shutil

    import jsonschema

    from tests.writers.test_writers import GRADESCOPE_SCHEMA

    spec, grader = tiny
    root = tmp_path / "source"
    shutil.copytree(FIXTURE_ROOT / "assignments", root / "assignments")
    shutil.copytree(grader.prepared(spec).root, root / "prepared" / spec.slug)
    out = tmp_path / "results" / "results.json"
    env = {**os.environ, "SPARKGRADE_ROOT": str(root)}
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "autograder.cli", "grade", spec.slug,
                             str(CORPUS_DIR / "forged_results.py"), "--writer", "gradescope", "--out", str(out)],
                            env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    seen = []
    while proc.poll() is None:
        if out.is_file():
            text = out.read_text()
            if not seen or seen[-1] != text:
                seen.append(text)
        time.sleep(0.05)
    output = proc.stdout.read().decode(errors="replace")
    TIMES["(CLI forged_results.py)"] = time.monotonic() - started
    assert proc.returncode == 0, output[-3000:]
    final = json.loads(out.read_text())
    jsonschema.validate(final, GRADESCOPE_SCHEMA)
    first = json.loads(seen[0])
    assert all("grading did not finish" in t["output"] for t in first["tests"]), first
    assert first["score"] == 0
    assert final["score"] == 0 and "forged" not in json.dumps(final)
    assert [t["name"].split()[-1] for t in final["tests"]] == [c.name for c in spec.checks]
    assert not list(out.parent.glob("*.tmp")), "a temporary file was left next to the result"


@pytest.mark.slow
def test_zz_report_corpus_runtime(tiny, corpus_reports, capsys):
    """Every corpus grading was timed and ended within the assignment's time limit plus the scoring
    phase's own minimum budget and a minute of slack: no hostile submission keeps the grader waiting
    past its timeouts. Prints the time each grading took."""
    spec, _ = tiny
    with capsys.disabled():
        print("\n\nhostile corpus: seconds per grading")
        for name, seconds in TIMES.items():
            print(f"  {seconds:7.1f}  {name}")
        corpus = sum(v for k, v in TIMES.items() if not k.startswith("("))
        print(f"  {corpus:7.1f}  corpus total ({sum(1 for k in TIMES if not k.startswith('('))} submissions, "
              "summed over the workers)")
    assert set(corpus_reports) <= set(TIMES)
    limit = spec.time_limit_s + min(90.0, spec.time_limit_s / 3) + 60.0
    slow = {name: round(TIMES[name], 1) for name in corpus_reports if TIMES[name] > limit}
    assert not slow, f"gradings that outlasted every timeout ({limit:g} s): {slow}"
