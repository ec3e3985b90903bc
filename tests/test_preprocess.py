"""Preprocess, then fit a pipeline (the most common shape of a course exercise): the student's function
``prepare_rows(df)`` adds a column the pipeline reads. The grader applies it to the rows it scores (held-out
rows, the public sample) in the scoring process (``params.preprocess``, ``predict_sample = "prepare_rows"``),
and the wiring check takes the prepared rows' columns (``params.input_task``). Real Spark: an assignment
written by ``sparkgrade new`` and adapted as an instructor would, graded cold."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autograder.registry import load_assignment
from autograder.results import Status
from autograder.scaffold import create, plan
from autograder.validate import preprocess_problems, problems

pytestmark = pytest.mark.slow

SLUG = "07-loans"
PREPARE = '''

def prepare_rows(df):
    """The rows the pipeline reads: the loan-to-value ratio added (every row kept)."""
    # BEGIN SOLUTION
    return df.withColumn("loan_to_value", F.col("amount") / F.col("price"))
    # END SOLUTION
'''


def _edit(path: Path, pairs) -> None:
    text = path.read_text(encoding="utf-8")
    for old, new in pairs:
        assert old in text, (path.name, old)
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A course with 07-loans whose pipeline reads a column that prepare_rows() adds."""
    root = tmp_path_factory.mktemp("course")
    create(root, SLUG, "loans.py", plan("credit", "status", "bad"))
    toml = root / "assignments" / SLUG / "assignment.toml"
    _edit(toml, [
        ('functions = ["build_pipeline"]', 'functions = ["prepare_rows", "build_pipeline"]'),
        ('[[tasks]]\nname = "model"\ncall = "fit_pipeline"\nargs = ["@pipeline", "train"]',
         '[[tasks]]\nname = "prepared"\ncall = "prepare_rows"\nargs = ["train"]\nsave = "dataframe"\ntimeout_s = 60\n\n'
         '[[tasks]]\nname = "model"\ncall = "fit_pipeline"\nargs = ["@pipeline", "@prepared"]'),
        ("predict_sample = true", 'predict_sample = "prepare_rows"'),
        ('tasks = ["pipeline"]\ndescription = "every stage reads',
         'tasks = ["pipeline", "prepared"]\ndescription = "every stage reads'),
        ('wiring = true,', 'wiring = true, input_task = "prepared",'),
        ('min = 0.5 }', 'min = 0.7, preprocess = "prepare_rows" }'),
        ('saved = "save/student_model" }', 'saved = "save/student_model", preprocess = "prepare_rows" }'),
        ('loader = "load_model" }', 'loader = "load_model", preprocess = "prepare_rows" }'),
    ])
    source = root / "solutions" / SLUG / "loans.py"      # the single source: the stub follows it
    _edit(source, [("from pyspark.ml import", "from pyspark.sql import functions as F\nfrom pyspark.ml import")])
    source.write_text(source.read_text(encoding="utf-8") + PREPARE, encoding="utf-8")
    _edit(source, [('"price"]', '"price", "loan_to_value"]')])
    return root


def test_the_spec_is_consistent(course):
    spec = load_assignment(course / "assignments" / SLUG)
    assert preprocess_problems(spec) == []
    found = problems(spec, course)
    assert all("TODO" in p or "reference interval" in p for p in found), found


def test_preprocessing_is_applied_to_every_row_the_grader_scores(course, grader):
    spec = load_assignment(course / "assignments" / SLUG)
    report = grader.grade(spec, course / "solutions" / SLUG / "loans.py")
    verdicts = report.by_name()
    assert all(c.status is Status.PASSED for c in verdicts.values()), report.to_json()
    assert re.search(r"areaUnderROC on \d+ held-out rows", verdicts["q2_metric"].message)


def test_without_the_declaration_the_model_cannot_score_raw_rows(course, grader, tmp_path):
    """The control: the same assignment without params.preprocess scores the raw held-out rows, which lack the
    column the pipeline reads, and the metric check fails (it is the declaration that makes the difference)."""
    import shutil

    copy = tmp_path / SLUG
    shutil.copytree(course / "assignments" / SLUG, copy)
    _edit(copy / "assignment.toml", [('min = 0.7, preprocess = "prepare_rows" }', 'min = 0.7 }')])
    report = grader.grade(load_assignment(copy), course / "solutions" / SLUG / "loans.py")
    verdicts = report.by_name()
    assert verdicts["q2_metric"].status is Status.FAILED, report.to_json()
    assert verdicts["q3_reload"].status is Status.PASSED
