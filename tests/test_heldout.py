"""Fresh held-out rows (autograder.heldout): like the data, reproducible from the secret seed, and labelled by
no public row. Pure pandas/scikit-learn (no Spark): the prepared files are tested in test_data_leaks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from autograder.datasets import dataset_path
from autograder.heldout import ID_BASE, read_seed, synthesize, write_seed


@pytest.fixture(scope="module")
def credit() -> pd.DataFrame:
    return pd.read_parquet(dataset_path("credit"))


@pytest.fixture(scope="module")
def drawn(credit) -> pd.DataFrame:
    return synthesize(credit, rows=1500, seed=11, id_col="id", label="status", by_class=True)


def features(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c not in ("id", "status")]


def encoded(frame: pd.DataFrame) -> ColumnTransformer:
    text = [c for c in features(frame) if frame[c].dtype == object]
    numbers = [c for c in features(frame) if c not in text]
    return ColumnTransformer([
        ("text", make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")), text),
        ("numbers", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numbers)])


def bad(frame: pd.DataFrame) -> np.ndarray:
    return (frame["status"] == "bad").astype(int).to_numpy()


def test_drawn_rows_have_the_sources_columns_types_and_fresh_ids(credit, drawn):
    assert list(drawn.columns) == list(credit.columns)
    assert dict(drawn.dtypes) == dict(credit.dtypes)
    assert len(drawn) == 1500 and drawn["id"].is_unique
    assert drawn["id"].min() == ID_BASE and drawn["id"].max() == ID_BASE + 1499


def test_each_class_keeps_its_share_and_each_column_its_values(credit, drawn):
    share = credit["status"].value_counts(normalize=True)
    assert (drawn["status"].value_counts() - (share * 1500)).abs().max() <= 1
    for column in features(credit):
        if credit[column].dtype == object:
            assert set(drawn[column].dropna()) <= set(credit[column].dropna()), column
        else:
            low, high = credit[column].min(), credit[column].max()
            assert drawn[column].dropna().between(low, high).all(), column
            assert abs(drawn[column].median() - credit[column].median()) <= 0.25 * credit[column].std(), column
        # missing values kept where the source has them, at about the same rate
        assert abs(drawn[column].isna().mean() - credit[column].isna().mean()) < 0.03, column


def test_the_seed_decides_every_row(credit, drawn):
    again = synthesize(credit, rows=1500, seed=11, id_col="id", label="status", by_class=True)
    other = synthesize(credit, rows=1500, seed=12, id_col="id", label="status", by_class=True)
    pd.testing.assert_frame_equal(drawn, again)
    assert not drawn[features(credit)].equals(other[features(credit)])


def test_no_public_row_labels_a_drawn_row(credit, drawn):
    """The lookup a student holding the public data set would try: on the real rows it is exact, on the
    drawn rows its nearest public row predicts no better than a model fitted on the same rows does."""
    cols = features(credit)
    assert drawn[cols].merge(credit[cols], on=cols).empty, "a drawn row equals a public row"
    lookup = make_pipeline(encoded(credit), KNeighborsClassifier(n_neighbors=1)).fit(credit[cols], bad(credit))
    model = make_pipeline(encoded(credit), LogisticRegression(max_iter=2000)).fit(credit[cols], bad(credit))
    sample = credit.sample(1500, random_state=0)
    assert roc_auc_score(bad(sample), lookup.predict_proba(sample[cols])[:, 1]) == 1.0
    looked_up = roc_auc_score(bad(drawn), lookup.predict_proba(drawn[cols])[:, 1])
    modelled = roc_auc_score(bad(drawn), model.predict_proba(drawn[cols])[:, 1])
    assert looked_up < modelled - 0.1, (looked_up, modelled)


def test_drawn_rows_grade_a_model_as_real_rows_do(credit, drawn):
    """A model fitted on real rows ranks the drawn rows about as well as real rows it never saw."""
    cols = features(credit)
    train, real = credit.iloc[: 3500], credit.iloc[3500:]
    model = make_pipeline(encoded(credit), LogisticRegression(max_iter=2000)).fit(train[cols], bad(train))
    on_real = roc_auc_score(bad(real), model.predict_proba(real[cols])[:, 1])
    on_drawn = roc_auc_score(bad(drawn), model.predict_proba(drawn[cols])[:, 1])
    assert 0.75 < on_drawn and abs(on_drawn - on_real) < 0.06, (on_real, on_drawn)


def test_a_numeric_target_is_drawn_with_its_features():
    """Regression (cars): no classes; the target keeps its rank correlation with the features."""
    cars = pd.read_parquet(dataset_path("cars")).drop(columns=["name"])
    drawn = synthesize(cars, rows=800, seed=3, id_col="id", label="miles_per_gallon", by_class=False)
    real = cars["miles_per_gallon"].corr(cars["weight_in_lbs"], method="spearman")
    fresh = drawn["miles_per_gallon"].corr(drawn["weight_in_lbs"], method="spearman")
    assert real < -0.8 and abs(fresh - real) < 0.1, (real, fresh)


def test_the_seed_file_is_written_once_and_read_back(tmp_path):
    path = write_seed(tmp_path)
    assert path == tmp_path / "hidden" / "heldout.toml"
    seed = read_seed(tmp_path)
    assert isinstance(seed, int) and seed >= 0
    with pytest.raises(FileExistsError, match="change every held-out row"):
        write_seed(tmp_path)
    assert read_seed(tmp_path) == seed


def test_a_missing_seed_says_how_to_make_one(tmp_path):
    with pytest.raises(FileNotFoundError, match="sparkgrade secret"):
        read_seed(tmp_path)
    (tmp_path / "hidden").mkdir()
    (tmp_path / "hidden" / "heldout.toml").write_text('seed = "abc"\n')
    with pytest.raises(ValueError, match="non-negative integer"):
        read_seed(tmp_path)
