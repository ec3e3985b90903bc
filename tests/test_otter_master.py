"""An otter-grader master notebook as the single source of a new assignment (autograder/otter_master.py,
`sparkgrade new --from-otter`)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from autograder.cli import main
from autograder.errors import SparkgradeError
from autograder.otter_master import read_master
from autograder.registry import load_assignment
from autograder.validate import problems

BUILD = '''def build_pipeline():
    """The unfitted Pipeline: assemble the numbers, then a decision tree."""
    # BEGIN SOLUTION
    assembler = VectorAssembler(inputCols=NUMERIC, outputCol="features", handleInvalid="keep")
    return Pipeline(stages=[assembler, DecisionTreeClassifier(maxDepth=4)])
    # END SOLUTION'''

FIT = '''def fit_pipeline(pipeline, train_df):
    """Fit on the training rows."""
    return pipeline.fit(train_df)  # SOLUTION'''


def master_notebook(path: Path, *, close_question: bool = True) -> Path:
    v4 = nbformat.v4
    cells = [
        v4.new_raw_cell("# ASSIGNMENT CONFIG\nrequirements: requirements.txt\nexport_cell: false"),
        v4.new_markdown_cell("# Loan approvals\n\nA decision tree on credit data."),
        v4.new_code_cell("import otter\ngrader = otter.Notebook()"),
        v4.new_code_cell("from pyspark.ml import Pipeline\nfrom pyspark.ml.classification import DecisionTreeClassifier\n"
                         "from pyspark.ml.feature import VectorAssembler\n\nNUMERIC = [\"age\", \"income\"]\n"
                         "spark = SparkSession.builder.getOrCreate()\n%matplotlib inline"),
        v4.new_raw_cell("# BEGIN QUESTION\nname: q1\npoints: 2\nmanual: false"),
        v4.new_markdown_cell("**Question 1.** Build the Pipeline\n\nAssemble `age` and `income`, then a tree of depth 4."),
        v4.new_raw_cell("# BEGIN SOLUTION"),
        v4.new_code_cell(BUILD),
        v4.new_raw_cell("# END SOLUTION"),
        v4.new_raw_cell("# BEGIN TESTS"),
        v4.new_code_cell("len(build_pipeline().getStages()) == 2"),
        v4.new_code_cell('""" # BEGIN TEST CONFIG\nhidden: true\n""" # END TEST CONFIG\nisinstance(build_pipeline(), Pipeline)'),
        v4.new_raw_cell("# END TESTS"),
        v4.new_raw_cell("# END QUESTION"),
        v4.new_markdown_cell("```otter\n# BEGIN QUESTION\nname: q2\n```"),
        v4.new_markdown_cell("## Fit it\n\nFit the pipeline on `train_df`."),
        v4.new_raw_cell("# BEGIN SOLUTION"),
        v4.new_code_cell(FIT),
        v4.new_markdown_cell("A written answer that only the solution holds."),
        v4.new_raw_cell("# END SOLUTION"),
        v4.new_code_cell("model = fit_pipeline(build_pipeline(), train_df)"),
    ]
    if close_question:
        cells.append(v4.new_raw_cell("# END QUESTION"))
    path.write_text(nbformat.writes(v4.new_notebook(cells=cells)), encoding="utf-8")
    return path


def test_a_master_notebook_gives_the_source_questions_and_what_was_left_out(tmp_path):
    master = read_master(master_notebook(tmp_path / "loans-master.ipynb"))
    assert [(q.name, q.title, q.functions, q.tests) for q in master.questions] == [
        ("q1", "Question 1. Build the Pipeline", ("build_pipeline",), 2), ("q2", "Fit it", ("fit_pipeline",), 0)]
    assert "tree of depth 4" in master.questions[0].prompt and "written answer" not in master.questions[1].prompt
    assert BUILD in master.source and FIT in master.source and 'NUMERIC = ["age", "income"]' in master.source
    assert "otter" not in master.source and "getOrCreate" not in master.source and "model =" not in master.source
    assert [w.split(":")[0] for w in master.left_out] == [
        "loans-master.ipynb cell 3 line 1", "loans-master.ipynb cell 3 line 2", "loans-master.ipynb cell 4 line 7",
        "loans-master.ipynb cell 4 line 6", "loans-master.ipynb cell 21 line 1"]
    compile(master.source, "source.py", "exec")


def test_new_from_otter_writes_a_single_source_assignment_whose_checks_are_left_to_write(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SPARKGRADE_ROOT", str(tmp_path))
    master = master_notebook(tmp_path / "loans-master.ipynb")
    assert main(["new", "07-loans", "--module", "loans.py", "--dataset", "credit", "--label", "status",
                 "--positive", "bad", "--from-otter", str(master)]) == 0
    out = capsys.readouterr().out
    assert "question q1: 'Question 1. Build the Pipeline', functions build_pipeline; 2 otter test cell(s) not imported" in out
    spec = load_assignment("07-loans")
    assert [(q.name, q.functions) for q in spec.questions] == [("q1", ("build_pipeline",)), ("q2", ("fit_pipeline",))]
    stub = (spec.path / "loans.py").read_text()
    assert 'raise NotImplementedError("build_pipeline is not written yet")' in stub and "    ...\n" in stub
    assert "DecisionTreeClassifier(maxDepth=4)" not in stub
    assert "DecisionTreeClassifier(maxDepth=4)" in (tmp_path / "solutions" / "07-loans" / "loans.py").read_text()
    found = problems(spec, tmp_path)
    assert "question 'q1' has no check" in found and "question 'q2' has no check" in found
    assert any("only 0 mutants" in p for p in found) and any("still has a TODO" in p for p in found)


def test_an_unclosed_block_names_the_notebook_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SPARKGRADE_ROOT", str(tmp_path))
    master = master_notebook(tmp_path / "m.ipynb", close_question=False)
    with pytest.raises(SparkgradeError, match=r"m\.ipynb: the question block is never closed; add a raw cell `# END QUESTION`"):
        read_master(master)
    assert main(["new", "07-loans", "--module", "loans.py", "--dataset", "credit", "--label", "status",
                 "--positive", "bad", "--from-otter", str(master)]) == 2
    assert "the question block is never closed" in capsys.readouterr().err
    assert not (tmp_path / "assignments").exists()


def test_the_master_stays_the_living_source(tmp_path, monkeypatch):
    """After `new --from-otter`, the copied master is what the instructor edits: a changed prompt and a
    changed solution line reach the questions, the reference module and the stub at the next load; what a
    handout or bundle carries is the resolved spec, without the master."""
    import tomllib

    from autograder.build.pipeline import shipped_spec

    monkeypatch.setenv("SPARKGRADE_ROOT", str(tmp_path))
    assert main(["new", "07-loans", "--module", "loans.py", "--dataset", "credit", "--label", "status",
                 "--positive", "bad", "--from-otter", str(master_notebook(tmp_path / "loans-master.ipynb"))]) == 0
    living = tmp_path / "solutions" / "07-loans" / "loans-master.ipynb"
    raw = tomllib.loads((tmp_path / "assignments" / "07-loans" / "assignment.toml").read_text())
    assert raw["master"] == "loans-master.ipynb" and raw["questions"] == [{"name": "q1"}, {"name": "q2"}]
    assert "/solutions/07-loans/loans.py" in (tmp_path / ".gitignore").read_text()     # derived, not kept in git
    notebook = nbformat.read(str(living), as_version=4)
    notebook.cells[5].source = "**Question 1.** Build the Pipeline\n\nA tree of depth 6 this year."
    notebook.cells[7].source = BUILD.replace("maxDepth=4", "maxDepth=6")
    nbformat.write(notebook, str(living))
    spec = load_assignment("07-loans")
    assert "depth 6 this year" in spec.questions[0].prompt and spec.questions[0].title == "Question 1. Build the Pipeline"
    assert "DecisionTreeClassifier(maxDepth=6)" in (tmp_path / "solutions" / "07-loans" / "loans.py").read_text()
    assert "maxDepth" not in (spec.path / "loans.py").read_text()
    shipped = shipped_spec(spec)
    assert "master" not in shipped and "depth 6 this year" in shipped["questions"][0]["prompt"]
    assert shipped["questions"][1]["functions"] == ["fit_pipeline"]


def test_a_missing_master_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("SPARKGRADE_ROOT", str(tmp_path))
    assert main(["new", "07-loans", "--module", "loans.py", "--dataset", "credit", "--label", "status",
                 "--positive", "bad", "--from-otter", str(master_notebook(tmp_path / "loans-master.ipynb"))]) == 0
    (tmp_path / "solutions" / "07-loans" / "loans-master.ipynb").unlink()
    with pytest.raises(SparkgradeError, match=r"loans-master\.ipynb does not exist: the master notebook lives"):
        load_assignment("07-loans")
