"""How well fresh held-out rows resist a label lookup, and how they grade a model, measured side by side.

For one assignment whose ``[data] heldout = "synthetic"`` (default 02-pipelines), it prints on the real
held-out fold and on the drawn held-out rows (same count):
- the AUC of a plain model trained on the training rows only (what a student's pipeline learns);
- the AUC of a label lookup: each held-out row labelled by its nearest rows of the *whole* public data set
  (training and held-out fold, as anyone holding the source has them), with 1 and 15 neighbours;
- the AUC of the same plain model trained on every public row (the held-out fold's included);
- how many held-out rows equal a public row on every feature.
On the real fold the lookup is exact (AUC 1.0); on the drawn rows it must be no better than the model.

Usage: ``python scripts/bench_heldout.py [SLUG] [--seed N]`` (the seed defaults to a fixed public one, so the
assignment's secret seed is never printed or needed).
"""

from __future__ import annotations

import argparse

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from autograder.datasets import dataset_path, split_train_test
from autograder.heldout import synthesize
from autograder.registry import load_assignment
from autograder.spark import build_session


def encoder(frame: pd.DataFrame, features: list[str]) -> ColumnTransformer:
    text = [c for c in features if frame[c].dtype == object]
    numbers = [c for c in features if c not in text]
    return ColumnTransformer([
        ("text", make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")), text),
        ("numbers", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numbers)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slug", nargs="?", default="02-pipelines")
    parser.add_argument("--seed", type=int, default=20261207)
    args = parser.parse_args()
    spec = load_assignment(args.slug)
    d = spec.data
    spark = build_session()
    df = spark.read.parquet(str(dataset_path(d.dataset)))
    train_ids, test_ids = (set(r[0] for r in part.select(d.id_col).collect())
                           for part in split_train_test(df, d.id_col, d.test_fold, d.folds, d.salt))
    spark.stop()
    source = pd.read_parquet(dataset_path(d.dataset))
    y = (source[d.label] == d.positive).astype(int)
    features = [c for c in source.columns if c not in (d.id_col, d.label)]
    train, fold = source[source[d.id_col].isin(train_ids)], source[source[d.id_col].isin(test_ids)]
    drawn = synthesize(source, rows=len(fold), seed=args.seed, id_col=d.id_col, label=d.label, by_class=True)
    model = make_pipeline(encoder(source, features), LogisticRegression(max_iter=2000))
    model.fit(train[features], y[train.index])
    everything = make_pipeline(encoder(source, features), LogisticRegression(max_iter=2000))
    everything.fit(source[features], y)
    print(f"{spec.slug}: {len(train)} training rows, {len(fold)} held-out rows, {len(source)} public rows")
    print(f"{'held-out rows':<16}{'model AUC':>10}{'on all rows':>12}{'1-NN lookup':>13}{'15-NN lookup':>14}{'equal rows':>12}")
    for name, rows in (("real fold", fold), ("drawn", drawn)):
        truth = (rows[d.label] == d.positive).astype(int)
        auc = roc_auc_score(truth, model.predict_proba(rows[features])[:, 1])
        auc_all = roc_auc_score(truth, everything.predict_proba(rows[features])[:, 1])
        lookups = []
        for k in (1, 15):
            knn = make_pipeline(encoder(source, features), KNeighborsClassifier(n_neighbors=k))
            knn.fit(source[features], y)
            lookups.append(roc_auc_score(truth, knn.predict_proba(rows[features])[:, 1]))
        equal = len(rows[features].drop_duplicates().merge(source[features].drop_duplicates(), on=features))
        print(f"{name:<16}{auc:>10.4f}{auc_all:>12.4f}{lookups[0]:>13.4f}{lookups[1]:>14.4f}{equal:>12d}")


if __name__ == "__main__":
    main()
