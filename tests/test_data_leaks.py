"""Held-out features never contain the target: for every assignment, the prepared hidden features hold
exactly the columns its training rows offer, minus the label, the columns the label is computed from
(``[data] label_sources``) and, per target view (``[data.views.<name>]``), the view's sources. Real Spark
prepares each assignment's data once per test session."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pyarrow.parquet as pq
import pytest

from autograder.data import held_out_columns, prepare
from autograder.datasets import dataset_path
from autograder.errors import SpecError
from autograder.heldout import ID_BASE
from autograder.harness.context import load_tasks_module
from autograder.registry import discover, load_assignment, project_root
from autograder.spec import parse_spec

SLUGS = [p.parent.name for p in discover(project_root())]
# Assignments whose tasks strip labels themselves (03's harmless test rows, 06's batch, stream and HTTP
# rows): their tasks.py names the columns it drops in LABEL_COLUMNS.
STRIPPING = [slug for slug in SLUGS
             if "LABEL_COLUMNS" in (load_assignment(slug).path / "tasks.py").read_text(encoding="utf-8")]


@pytest.fixture(scope="session")
def prepared_all(spark, tmp_path_factory):
    """Every assignment's data, prepared once into a fresh cache with the session's Spark."""
    cache = tmp_path_factory.mktemp("prepared")
    return {slug: prepare(load_assignment(slug), lambda: spark, cache) for slug in SLUGS}


def columns(path: Path) -> list[str]:
    return list(pq.read_schema(path).names)


@pytest.mark.parametrize("slug", SLUGS)
def test_held_out_features_are_the_training_columns_without_the_target(prepared_all, slug):
    spec, data = load_assignment(slug), prepared_all[slug]
    train, features = columns(data.train), columns(data.test_features)
    forbidden = set(spec.data.label_columns)
    assert spec.data.label in forbidden and "label" in forbidden
    assert not forbidden & set(features), f"{slug}: held-out features contain {forbidden & set(features)}"
    assert features == [c for c in train if c not in forbidden]
    assert features == held_out_columns(spec, train)


@pytest.mark.parametrize("slug", SLUGS)
def test_each_target_view_has_its_own_features_without_its_sources(prepared_all, slug):
    """A view's held-out features equal its training frame (built by ``tasks.<view>_frame``) minus the
    view's target; the labels file carries the sources so the grader can compute the target."""
    spec, data = load_assignment(slug), prepared_all[slug]
    assert data.exists()
    labels = columns(data.test_labels)
    assert labels[0] == spec.data.id_col and set(spec.data.label_columns) <= set(labels)
    tasks = load_tasks_module(spec.path)
    for view in spec.data.views:
        features = columns(data.view_features(view.name))
        assert not (set(view.sources) | set(spec.data.label_columns)) & set(features)
        frame = getattr(tasks, f"{view.name}_frame")(data_frame(data.train))
        trained_on = [c for c in frame.columns if c != view.target]
        assert view.target in frame.columns
        assert features == trained_on, f"{slug}/{view.name}: scored {features}, trained on {trained_on}"
        assert set(view.sources) <= set(labels)
    assert {p.name for p in data.hidden_features()} == {"test_features.parquet"} | {
        f"test_features_{v.name}.parquet" for v in spec.data.views}


def data_frame(path: Path):
    from pyspark.sql import SparkSession

    return SparkSession.getActiveSession().read.parquet(str(path))


@pytest.mark.parametrize("slug", STRIPPING)
def test_tasks_that_strip_labels_strip_every_label_column(slug):
    """A task that drops labels itself drops every label column the spec declares."""
    spec = load_assignment(slug)
    tasks = load_tasks_module(spec.path)
    assert set(spec.data.label_columns) <= set(tasks.LABEL_COLUMNS), (
        f"{slug}: tasks.LABEL_COLUMNS {tasks.LABEL_COLUMNS} misses {set(spec.data.label_columns) - set(tasks.LABEL_COLUMNS)}")


def test_the_06_request_rows_carry_no_label(prepared_all):
    """06 sends its batch, stream and HTTP requests the training rows without any label column."""
    spec, data = load_assignment("06-deploy"), prepared_all["06-deploy"]
    tasks = load_tasks_module(spec.path)
    rows = tasks._request_rows(SimpleNamespace(data={"train": str(data.train)}, id_col=spec.data.id_col))
    assert not set(spec.data.label_columns) & set(rows.column_names)
    assert rows.column_names == held_out_columns(spec, columns(data.train))
    assert rows.num_rows == pq.read_metadata(data.train).num_rows


def test_the_04_regressor_cannot_read_its_target(prepared_all):
    """Issue 17, class 7: the regression view's held-out rows have no `amount`, but the labels do."""
    data = prepared_all["04-algorithms"]
    assert "amount" in columns(data.test_features)           # a feature of the classifiers
    assert "amount" not in columns(data.view_features("regression"))
    labels = pq.read_table(data.test_labels).to_pandas()
    features = pq.read_table(data.view_features("regression")).to_pandas()
    assert list(labels["id"]) == list(features["id"]) and labels["amount"].notna().all()


SYNTHETIC = [slug for slug in SLUGS if load_assignment(slug).data.synthetic]


@pytest.mark.parametrize("slug", SYNTHETIC)
def test_drawn_held_out_rows_are_no_public_rows(prepared_all, slug):
    """Issue 26: an assignment whose held-out rows are drawn has training rows that are the public rows
    outside the test fold, and held-out rows that no public row equals, under ids no public row has."""
    spec, data = load_assignment(slug), prepared_all[slug]
    d = spec.data
    public = pd.read_parquet(dataset_path(d.dataset))
    train = pq.read_table(data.train).to_pandas()
    held_out = pq.read_table(data.test_features).to_pandas()
    labels = pq.read_table(data.test_labels).to_pandas()
    assert set(train[d.id_col]) <= set(public[d.id_col])
    assert len(held_out) == (d.heldout_rows or len(public) - len(train))
    assert held_out[d.id_col].min() >= ID_BASE and list(labels[d.id_col]) == list(held_out[d.id_col])
    shared = [c for c in held_out.columns if c != d.id_col]
    assert held_out[shared].merge(public[shared], on=shared).empty
    assert set(labels["label"]) == {0.0, 1.0}


@pytest.mark.parametrize("slug", [s for s in SLUGS if load_assignment(s).data.synthetic
                                  or any(c.kind == "metric" for c in load_assignment(s).checks)])
def test_every_metric_is_judged_on_drawn_rows(slug):
    """No metric check is judged on rows whose labels a public data set gives away."""
    assert load_assignment(slug).data.synthetic


def test_prepare_without_the_secret_seed_says_how_to_make_one(spark, tmp_path):
    spec = load_assignment("02-pipelines")
    copy = tmp_path / spec.slug
    shutil.copytree(spec.path, copy, ignore=shutil.ignore_patterns("heldout.toml", "__pycache__"))
    with pytest.raises(FileNotFoundError, match=f"sparkgrade secret {spec.slug}"):
        prepare(load_assignment(copy), lambda: spark, tmp_path / "cache")


def _raw(**data):
    return {"slug": "x", "title": "t", "module": "x.py", "data": {"dataset": "credit", **data},
            "questions": [], "tasks": [], "checks": []}


@pytest.mark.parametrize("data, problem", [
    ({"label_sources": ["amount"]}, "needs a label"),
    ({"label": "status", "label_sources": ["id"]}, "must not name the id column"),
    ({"label": "status", "views": {"regression": {"target": "t", "sources": []}}}, "at least one column"),
    ({"label": "status", "views": {"regression": {"sources": ["amount"]}}}, "target: is required"),
    ({"label": "status", "views": {"regression": {"target": "t", "sources": ["amount"], "x": 1}}}, "unknown key"),
    ({"label": "status", "heldout": "fresh"}, "must be one of fold, synthetic"),
    ({"heldout": "synthetic"}, "needs a label"),
])
def test_data_keys_are_validated(data, problem):
    with pytest.raises(SpecError, match=problem):
        parse_spec(Path("/a/x/assignment.toml"), _raw(**data))


def test_students_may_build_the_label_themselves(spark, tmp_path):
    """[data] train_label = false: the training rows and the sample carry no `label` column (the raw label
    column stays, to build it from), the held-out labels are the grader's as always, and the handout README
    says so."""
    from autograder.build.templating import render

    copy = tmp_path / "02-pipelines"
    shutil.copytree(load_assignment("02-pipelines").path, copy, ignore=shutil.ignore_patterns("__pycache__"))
    toml = copy / "assignment.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('heldout = "synthetic"', 'train_label = false\nheldout = "synthetic"', 1),
                    encoding="utf-8")
    spec = load_assignment(copy)
    assert spec.data.train_label is False
    data = prepare(spec, lambda: spark, tmp_path / "cache")
    assert "label" not in columns(data.train) and "label" not in columns(data.sample)
    assert spec.data.label in columns(data.train)
    assert "label" in columns(data.test_labels) and spec.data.label not in columns(data.test_features)
    text = render("handout/README.md.j2", spec=spec, notebook_name="n.ipynb", questions=[], checks=[], public_points=0,
                  train_file="data/train.parquet", min_python="3.11", train_rows=1, about="")
    assert "no `label` column: building it from `status` is part of the work" in text
