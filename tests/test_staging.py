"""Submission shapes: which file is graded (no Spark), what is refused, and the messages a student gets."""

import io
import json
import os
import struct
import subprocess
import sys
import textwrap
import zipfile

import nbformat
import pytest

from autograder import staging
from autograder.build.notebook import render_notebook
from autograder.errors import SubmissionError
from autograder.locate import Found, choose, is_copy_of
from autograder.registry import load_assignment
from autograder.staging import stage
from autograder.starter import unchanged


@pytest.fixture(scope="module")
def spec():
    return load_assignment("02")


def pick(*names, stubs=(), mtimes=None):
    files = [Found(n, (mtimes or {}).get(n, 0.0)) for n in names]
    return choose(files, "pipelines.py", lambda n: n in stubs)


@pytest.mark.parametrize("names, expected, reason", [
    (["pipelines.ipynb"], "pipelines.ipynb", "expected name"),
    (["pipelines.py"], "pipelines.py", "expected name"),
    (["hw2/src/pipelines.ipynb", "hw2/data/train.csv", "hw2/README.md"], "hw2/src/pipelines.ipynb", "expected name"),
    (["a/b/pipelines.ipynb", "pipelines.ipynb"], "pipelines.ipynb", "expected name"),
    (["pipelines.py", "pipelines.ipynb"], "pipelines.ipynb", "expected name"),
    (["pipelines (1).ipynb", "data.parquet"], "pipelines (1).ipynb", "renamed copy"),
    (["pipelines-2.ipynb"], "pipelines-2.ipynb", "renamed copy"),
    (["sub/Pipelines.ipynb", "sub/helpers.py"], "sub/Pipelines.ipynb", "renamed copy"),
    (["Copy of pipelines.ipynb"], "Copy of pipelines.ipynb", "renamed copy"),
    (["pipelines copy.py", "notes.txt"], "pipelines copy.py", "renamed copy"),
    (["pipelines_3 (2).ipynb"], "pipelines_3 (2).ipynb", "renamed copy"),
    (["hw2_final.ipynb", "utils.py"], "hw2_final.ipynb", "the only notebook"),
    (["solution.py", "data.csv"], "solution.py", "the only module"),
    (["work/my.ipynb", ".sparkgrade/assignments/02-pipelines/tasks.py"], "work/my.ipynb", "the only notebook"),
])
def test_the_right_file_is_chosen(names, expected, reason):
    choice = pick(*names)
    assert (choice.name, choice.reason) == (expected, reason)


def test_newest_copy_wins_and_the_others_are_named():
    choice = pick("pipelines (1).ipynb", "pipelines (2).ipynb", mtimes={"pipelines (1).ipynb": 200.0,
                                                                         "pipelines (2).ipynb": 100.0})
    assert choice.name == "pipelines (1).ipynb"
    assert "not graded: pipelines (2).ipynb" in choice.note()


def test_the_untouched_starter_file_is_passed_over():
    assert pick("pipelines.py", "pipelines.ipynb", stubs={"pipelines.ipynb"}).name == "pipelines.py"
    assert pick("pipelines.ipynb", "pipelines (1).ipynb", stubs={"pipelines.ipynb"}).name == "pipelines (1).ipynb"
    both = pick("pipelines.py", "pipelines.ipynb", stubs={"pipelines.py", "pipelines.ipynb"})
    assert both.name == "pipelines.ipynb" and "unchanged starter code" in both.note()


@pytest.mark.parametrize("stem, original, expected", [
    ("pipelines (12)", "pipelines", True), ("PIPELINES - Copy", "pipelines", True), ("pipelines(1)", "pipelines", True),
    ("pipelines_final", "pipelines", False), ("pipeline", "pipelines", False), ("pipelines2", "pipelines", False),
    ("my pipelines", "pipelines", False),
])
def test_copy_names(stem, original, expected):
    assert is_copy_of(stem, original) is expected


@pytest.mark.parametrize("names, words", [
    ([], ["empty", "pipelines.ipynb", "pipelines.py"]),
    (["report.pdf", "data/train.csv"], ["report.pdf", "data/train.csv", "expected pipelines.ipynb or pipelines.py"]),
    (["work.tar.gz"], ["work.tar.gz", "only .zip archives"]),
    (["a.ipynb", "b.ipynb"], ["a.ipynb, b.ipynb", "rename the one to grade to pipelines.ipynb"]),
])
def test_nothing_to_grade_says_what_was_found_and_what_to_do(names, words):
    with pytest.raises(SubmissionError) as err:
        pick(*names)
    message = str(err.value)
    assert all(w in message for w in words), message
    assert "submit again" in message


# --- real files ------------------------------------------------------------------------------------------

def zip_bytes(members: dict, method=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


WORK = b"# the student's work\n"


@pytest.fixture(scope="module")
def handout_notebook(spec):
    return nbformat.writes(render_notebook(spec, "data/train.parquet")).encode()


def staged(spec, source, tmp_path):
    result = stage(source, spec, tmp_path / "dest")
    return result.path.name, result.path.read_bytes(), result.notes


def test_nested_zip_with_extras(spec, tmp_path):
    inner = zip_bytes({"hw2/pipelines (1).ipynb": WORK, "hw2/data/train.csv": b"a,b\n",
                       "hw2/.ipynb_checkpoints/pipelines-checkpoint.ipynb": b"old",
                       "__MACOSX/hw2/._pipelines (1).ipynb": b"junk", "hw2/.DS_Store": b"x"})
    (tmp_path / "submission.zip").write_bytes(zip_bytes({"inner.zip": inner, "notes.txt": b"hi"}))
    name, data, notes = staged(spec, tmp_path / "submission.zip", tmp_path)
    assert (name, data) == ("pipelines.ipynb", WORK)
    assert notes == ["graded inner.zip/hw2/pipelines (1).ipynb (renamed copy)"]


def test_folder_holding_a_zip_and_a_subfolder(spec, tmp_path):
    sub = tmp_path / "submission"
    (sub / "repo" / "src").mkdir(parents=True)
    (sub / "repo" / "src" / "pipelines.py").write_bytes(WORK)
    (sub / "old.zip").write_bytes(zip_bytes({"scratch.ipynb": b"{}"}))
    name, data, notes = staged(spec, sub, tmp_path)
    assert (name, data, notes) == ("pipelines.py", WORK, [])


def test_whole_handout_uploaded_grades_the_file_worked_in(spec, tmp_path, handout_notebook):
    stub = (spec.path / spec.module).read_bytes()
    sub = tmp_path / "submission"
    sub.mkdir()
    (sub / "pipelines.ipynb").write_bytes(handout_notebook)
    (sub / "pipelines.py").write_bytes(stub.replace(b"raise NotImplementedError", b"return None", 1))
    assert unchanged(handout_notebook, ".ipynb", spec.path / spec.module)
    assert not unchanged((sub / "pipelines.py").read_bytes(), ".py", spec.path / spec.module)
    name, _, notes = staged(spec, sub, tmp_path)
    assert name == "pipelines.py" and "pipelines.ipynb" in notes[0]
    (sub / "pipelines.py").write_bytes(stub)
    name, data, _ = staged(spec, sub, tmp_path / "again")
    assert (name, data) == ("pipelines.ipynb", handout_notebook)


def test_unsafe_members_are_ignored_with_a_note(spec, tmp_path):
    link = zipfile.ZipInfo("pipelines.py")
    link.external_attr = (0o120777 << 16)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(link, "/etc/passwd")
        for name in ("../pipelines.py", "/abs/pipelines.py", "conftest.py", "evil.pth", "work/pipelines.ipynb"):
            zf.writestr(name, WORK)
    (tmp_path / "s.zip").write_bytes(buffer.getvalue())
    name, data, notes = staged(spec, tmp_path / "s.zip", tmp_path)
    assert (name, data) == ("pipelines.ipynb", WORK)
    text = "\n".join(notes)
    for bad in ("../pipelines.py", "/abs/pipelines.py", "conftest.py", "evil.pth"):
        assert f"ignored {bad}" in text
    assert "ignored pipelines.py: symbolic links" in text


def test_symlinks_in_a_folder_are_not_followed(spec, tmp_path):
    sub = tmp_path / "submission"
    sub.mkdir()
    os.symlink(spec.path / spec.module, sub / "pipelines.py")
    os.symlink(spec.path, sub / "linked")
    (sub / "mine.ipynb").write_bytes(WORK)
    name, data, notes = staged(spec, sub, tmp_path)
    assert (name, data) == ("pipelines.ipynb", WORK)
    assert any("pipelines.py: symbolic links" in n for n in notes) and any("linked/" in n for n in notes)


def test_zip_bombs_stop_at_the_caps(spec, tmp_path, monkeypatch):
    monkeypatch.setattr(staging, "MAX_ARCHIVE_BYTES", 2**20)
    monkeypatch.setattr(staging, "MAX_EXPANDED_BYTES", 2**20)
    size = 2 * 2**20 + 12345
    big = zip_bytes({"filler.bin": b"\0" * size}, zipfile.ZIP_STORED)     # 2 MB once expanded, 2 KB deflated
    deep = zip_bytes({"pipelines.py": b"# too deep\n"})
    for level in range(staging.MAX_DEPTH + 1):
        deep = zip_bytes({f"level{level}.zip": deep})
    outer = zip_bytes({"big.zip": zip_bytes({"big.zip": big}), "deep.zip": deep, "work/pipelines.ipynb": WORK})
    (tmp_path / "s.zip").write_bytes(outer)
    name, data, notes = staged(spec, tmp_path / "s.zip", tmp_path)
    assert (name, data) == ("pipelines.ipynb", WORK)
    assert any("big.zip/big.zip: expands to more than 1 MB" in n for n in notes), notes
    assert any(f"nested more than {staging.MAX_DEPTH} deep" in n for n in notes), notes


def test_a_lying_size_is_refused(spec, tmp_path, monkeypatch):
    monkeypatch.setattr(staging, "MAX_FILE_BYTES", 2**20)
    size = 2 * 2**20 + 12345
    forged = zip_bytes({"pipelines.py": b"#" * size}).replace(size.to_bytes(4, "little"), (100).to_bytes(4, "little"))
    (tmp_path / "s.zip").write_bytes(forged)
    with pytest.raises(SubmissionError, match="pipelines.py could not be read from its zip archive"):
        stage(tmp_path / "s.zip", spec, tmp_path / "dest")


def test_too_many_entries(spec, tmp_path, monkeypatch):
    monkeypatch.setattr(staging, "MAX_ENTRIES", 10)
    (tmp_path / "s.zip").write_bytes(zip_bytes({f"f{i}.txt": b"" for i in range(11)}))
    with pytest.raises(SubmissionError, match="more than 10 files"):
        stage(tmp_path / "s.zip", spec, tmp_path / "dest")
    monkeypatch.setattr(staging, "MAX_MEMBERS", 20)
    (tmp_path / "s.zip").write_bytes(zip_bytes({f"__MACOSX/f{i}": b"" for i in range(21)}))
    with pytest.raises(SubmissionError, match="more than 20 entries"):
        stage(tmp_path / "s.zip", spec, tmp_path / "dest")


def test_a_committed_virtual_environment_does_not_count(spec, tmp_path, monkeypatch):
    monkeypatch.setattr(staging, "MAX_ENTRIES", 10)
    sub = tmp_path / "repo"
    (sub / ".venv" / "lib" / "site-packages").mkdir(parents=True)
    for i in range(20):
        (sub / ".venv" / "lib" / "site-packages" / f"m{i}.py").write_text("")
    (sub / "pipelines.ipynb").write_bytes(WORK)
    assert staged(spec, sub, tmp_path)[:2] == ("pipelines.ipynb", WORK)
    (tmp_path / "s.zip").write_bytes(zip_bytes({**{f"repo/venv/lib/m{i}.py": b"" for i in range(20)},
                                                "repo/pipelines.py": WORK}))
    assert staged(spec, tmp_path / "s.zip", tmp_path / "zip")[:2] == ("pipelines.py", WORK)


@pytest.mark.parametrize("make, words", [
    (lambda p: p.mkdir(), ["Your submission is empty", "Upload your pipelines.ipynb"]),
    (lambda p: (p.mkdir(), (p / "notes.txt").write_text("x")), ["notes.txt", "expected pipelines.ipynb"]),
    (lambda p: (p.mkdir(), (p / "broken.zip").write_text("x")), ["broken.zip: not a readable zip archive"]),
    (lambda p: (p.mkdir(), (p / "__MACOSX").mkdir(), (p / ".DS_Store").write_text("x")), ["is empty"]),
])
def test_unusable_submissions_get_a_message_a_student_can_act_on(spec, tmp_path, make, words):
    make(tmp_path / "submission")
    with pytest.raises(SubmissionError) as err:
        stage(tmp_path / "submission", spec, tmp_path / "dest")
    assert all(w in str(err.value) for w in words), str(err.value)


def test_a_broken_zip_submission_says_to_zip_again(spec, tmp_path):
    (tmp_path / "s.zip").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(SubmissionError, match="not a readable zip archive; zip your files again"):
        stage(tmp_path / "s.zip", spec, tmp_path / "dest")


def test_a_single_file_is_graded_whatever_its_name(spec, tmp_path):
    (tmp_path / "Pipelines (3).ipynb").write_bytes(WORK)
    assert staged(spec, tmp_path / "Pipelines (3).ipynb", tmp_path)[:2] == ("pipelines.ipynb", WORK)


# --- the command: one submission unless --class ------------------------------------------------------------

def run_cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "autograder.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def test_grade_never_guesses_class_mode(spec, tmp_path):
    klass = tmp_path / "klass"
    klass.mkdir()
    (klass / "alice.py").write_bytes(WORK)
    (klass / "bob.py").write_bytes(WORK)
    out = tmp_path / "results" / "results.json"
    proc = run_cli("grade", "02", klass, "--writer", "gradescope", "--out", out, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert out.is_file() and "add --class" in proc.stderr
    results = json.loads(out.read_text())
    assert results["score"] == 0 and "alice.py, bob.py" in results["output"]
    assert len(results["tests"]) == len(spec.checks)


def test_class_mode_needs_a_folder_and_out_never_becomes_one(tmp_path):
    (tmp_path / "one.py").write_bytes(WORK)
    proc = run_cli("grade", "02", tmp_path / "one.py", "--class", "--out", tmp_path / "graded", cwd=tmp_path)
    assert proc.returncode == 2 and "is not a folder" in proc.stderr
    (tmp_path / "results.json").mkdir()
    proc = run_cli("grade", "02", tmp_path / "one.py", "--writer", "gradescope", "--out", tmp_path / "results.json",
                   cwd=tmp_path)
    assert proc.returncode == 2 and "is a folder" in proc.stderr


def many_entries_zip(path, n: int) -> None:
    """A zip of ``n`` empty entries with zip64 end records, written header by header (zipfile would hold a
    ZipInfo per entry in memory while writing)."""
    local, central = struct.Struct("<4s5H3L2H"), struct.Struct("<4s6H3L5H2L")
    names = [b"%07d" % i for i in range(n)]
    step = local.size + 7
    with open(path, "wb") as fh:
        for start in range(0, n, 100_000):
            fh.write(b"".join(local.pack(b"PK\x03\x04", 20, 0, 0, 0, 0x21, 0, 0, 0, 7, 0) + name
                              for name in names[start:start + 100_000]))
        for start in range(0, n, 100_000):
            fh.write(b"".join(central.pack(b"PK\x01\x02", 20, 20, 0, 0, 0, 0x21, 0, 0, 0, 7, 0, 0, 0, 0, 0,
                                           i * step) + names[i] for i in range(start, min(n, start + 100_000))))
        cd_start, cd_size = n * step, n * (central.size + 7)
        fh.write(struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, n, n, cd_size, cd_start))
        fh.write(struct.pack("<4sLQL", b"PK\x06\x07", 0, cd_start + cd_size, 1))
        fh.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0))


def test_the_entry_count_is_read_from_the_end_records_zip64_included(tmp_path):
    many_entries_zip(tmp_path / "z64.zip", 70_000)
    with open(tmp_path / "z64.zip", "rb") as fh:
        assert staging.zip_entries(fh) == 70_000
        assert len(zipfile.ZipFile(fh).infolist()) == 70_000
    with io.BytesIO(zip_bytes({f"f{i}.txt": b"" for i in range(30)})) as fh:
        assert staging.zip_entries(fh) == 30


def test_an_end_record_that_lies_about_the_count_is_caught_by_counting(tmp_path):
    data = zip_bytes({f"f{i}.txt": b"" for i in range(30)})
    at = data.rfind(b"PK\x05\x06")
    forged = data[:at + 8] + struct.pack("<2H", 1, 1) + data[at + 12:]      # "1 entry"
    assert len(zipfile.ZipFile(io.BytesIO(forged)).infolist()) == 30
    assert staging.zip_entries(io.BytesIO(forged)) == 30
    assert staging.zip_entries(io.BytesIO(forged), cap=10) == 11             # counting stops past the cap


def test_nested_zips_of_a_million_entries_are_refused_before_they_are_listed(spec, tmp_path):
    """A 12 MB zip holding two zips of 1,000,000 empty entries each once took the grader to 1.24 GB: each
    count is read from the end records before ZipFile() lists the entries, and nested archives are expanded
    on disk. The peak RSS of a process that stages it stays where it was (measured: 123 MB before and after)."""
    many_entries_zip(tmp_path / "inner.zip", 1_000_000)
    with zipfile.ZipFile(tmp_path / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(tmp_path / "inner.zip", "a.zip")
        zf.write(tmp_path / "inner.zip", "b.zip")
    (tmp_path / "inner.zip").unlink()
    code = textwrap.dedent("""
        import resource, sys
        from pathlib import Path
        from autograder.errors import SubmissionError
        from autograder.registry import load_assignment
        from autograder.staging import stage
        spec = load_assignment("02")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            stage(Path(sys.argv[1]), spec, Path(sys.argv[2]))
        except SubmissionError as exc:
            print(exc)
        print(before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    """)
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "bomb.zip"), str(tmp_path / "dest")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    message, peaks = done.stdout.strip().rsplit("\n", 1)
    before, after = (int(kb) // 1024 for kb in peaks.split())
    print(f"\nbomb.zip: {(tmp_path / 'bomb.zip').stat().st_size / 2**20:.1f} MB; grader peak RSS {before} MB "
          f"before staging, {after} MB after")
    assert "a.zip: more than 100000 entries" in message and "b.zip: more than 100000 entries" in message, message
    assert after - before < 50, (before, after)
    assert not list((tmp_path / "dest").iterdir())          # the expanded archives were unnamed temporary files


def test_an_uploaded_folder_nested_too_deep_is_refused_without_recursion(spec, deep_tmp_path):
    fd = os.open(deep_tmp_path, os.O_RDONLY)
    os.mkdir("upload", dir_fd=fd)
    for _ in range(1500):
        below = os.open("upload" if _ == 0 else "d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = below
        os.mkdir("d", dir_fd=fd)
    os.close(fd)
    with pytest.raises(SubmissionError, match="folders nested more than 64 levels deep"):
        stage(deep_tmp_path / "upload", spec, deep_tmp_path / "dest")
