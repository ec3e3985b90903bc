"""Fresh held-out rows: drawn from a model of the data, so no public source can label them.

The shipped datasets are public, so a held-out row copied from one of them can be looked up, and its label
with it. :func:`synthesize` draws new rows instead, from a Gaussian copula of the source rows, fitted per
class when the label is a class (so the label's relation to every feature is kept) and over every column at
once for a numeric target. Each column keeps its own distribution (its values, its share of nulls); the
columns keep their rank (Spearman) correlations, within each class; missing values are drawn at each
column's rate in its class. No drawn row is a copy of a source row, so its
nearest public row predicts its label no better than a model of the data does (measured in
``scripts/bench_heldout.py``).

Every draw comes from one ``numpy`` generator seeded with the assignment's secret seed
(``hidden/heldout.toml``, shipped only in the Gradescope bundle), so the rows are the same on every
grader and unknown to students. Ids start at :data:`ID_BASE`: they carry no source row number.
"""

from __future__ import annotations

import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import ndtr

ID_BASE = 1_000_000_000
"""The first held-out id: above every row number of a shipped dataset."""

SHRINK = 0.01
"""Weight of the identity in each class's correlation matrix (keeps it positive definite)."""

SMOOTH_ABOVE = 30
"""A numeric column with more distinct values than this is drawn between its observed values."""

SEED_FILE = Path("hidden") / "heldout.toml"


@dataclass(frozen=True)
class Margin:
    """One column of one class: its observed values in order, and its share of missing values (drawn apart
    from the copula, so that they do not bend the correlations of the values present)."""

    ordered: np.ndarray          # the values present, sorted; object for text
    missing: float               # share of rows without a value
    integral: bool
    smooth: bool

    @classmethod
    def of(cls, column: pd.Series) -> "Margin":
        present = column[column.notna()]
        missing = 1.0 - len(present) / len(column) if len(column) else 0.0
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            ordered = np.sort(present.to_numpy(dtype=float))
            return cls(ordered, missing, pd.api.types.is_integer_dtype(column),
                       len(np.unique(ordered)) > SMOOTH_ABOVE)
        return cls(np.asarray(sorted(present, key=str), dtype=object), missing, False, False)

    @property
    def numeric(self) -> bool:
        return self.ordered.dtype != object

    def ranks(self, column: pd.Series, rng: np.random.Generator) -> np.ndarray:
        """Each row's rank among the values present, in (0, 1) (ties broken at random); 0.5 where missing."""
        present = column.notna().to_numpy()
        if self.numeric:
            keys = column.to_numpy(dtype=float)[present]
        else:
            position = {v: i for i, v in enumerate(self.ordered)}
            keys = np.array([position[v] for v in column[present]], dtype=float)
        out = np.full(len(column), 0.5)
        if len(keys):
            order = np.lexsort((rng.random(len(keys)), keys))
            ranks = np.empty(len(keys))
            ranks[order] = np.arange(len(keys))
            out[present] = (ranks + 0.5) / len(keys)
        return out

    def draw(self, u: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Values at quantiles ``u`` (in (0, 1)): observed values, or between two for a smooth column; then
        missing at the column's rate."""
        n = len(self.ordered)
        if n == 0:
            return np.full(len(u), np.nan if self.numeric else None, dtype=float if self.numeric else object)
        position = np.clip(u * n - 0.5, 0, n - 1)
        if self.smooth:
            low = np.floor(position).astype(int)
            high = np.minimum(low + 1, n - 1)
            values = self.ordered[low] + (position - low) * (self.ordered[high] - self.ordered[low])
            values = np.rint(values) if self.integral else values
        else:
            values = self.ordered[np.rint(position).astype(int)]
        gone = rng.random(len(u)) < self.missing
        if self.numeric:
            return np.where(gone, np.nan, values.astype(float))
        values = values.copy()
        values[gone] = None
        return values


def _correlation(ranks: np.ndarray) -> np.ndarray:
    """The Gaussian copula's correlation from the columns' rank (Spearman) correlation, ``2 sin(pi r / 6)``,
    made positive definite; a constant column is independent of the others."""
    p = ranks.shape[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.corrcoef(ranks, rowvar=False) if len(ranks) > 1 else np.eye(p)
    r = np.nan_to_num(np.atleast_2d(r), nan=0.0)
    r = 2 * np.sin(np.pi * r / 6)
    np.fill_diagonal(r, 1.0)
    values, vectors = np.linalg.eigh(r)
    r = (vectors * np.maximum(values, 1e-3)) @ vectors.T
    scale = np.sqrt(np.diag(r))
    r = r / np.outer(scale, scale)
    return (1 - SHRINK) * r + SHRINK * np.eye(p)


def _copula_rows(frame: pd.DataFrame, rows: int, rng: np.random.Generator) -> pd.DataFrame:
    """``rows`` new rows with the columns of ``frame``, drawn from its Gaussian copula."""
    margins = {c: Margin.of(frame[c]) for c in frame.columns}
    ranks = np.column_stack([margins[c].ranks(frame[c], rng) for c in frame.columns])
    chol = np.linalg.cholesky(_correlation(ranks))
    u = ndtr(rng.standard_normal((rows, len(margins))) @ chol.T)
    drawn = {c: margins[c].draw(u[:, j], rng) for j, c in enumerate(frame.columns)}
    out = pd.DataFrame(drawn)
    for c in frame.columns:                           # back to the source's types
        if margins[c].integral and not np.isnan(out[c].to_numpy(dtype=float)).any():
            out[c] = out[c].astype(frame[c].dtype)
    return out


def _apportion(sizes: pd.Series, rows: int) -> dict:
    """``rows`` split across groups in proportion to ``sizes`` (largest remainders; the total is exact)."""
    exact = sizes / sizes.sum() * rows
    counts = np.floor(exact).astype(int)
    for key in (exact - counts).sort_values(ascending=False).index[: rows - int(counts.sum())]:
        counts[key] += 1
    return counts.to_dict()


def synthesize(source: pd.DataFrame, *, rows: int, seed: int, id_col: str, label: str | None,
               by_class: bool) -> pd.DataFrame:
    """``rows`` fresh rows like ``source`` (same columns and types): per class of ``label`` when
    ``by_class`` (each class's share kept), else from one copula of every column. Ids are
    ``ID_BASE + 0..rows-1`` in a random order of the rows."""
    if rows < 1:
        raise ValueError(f"need at least one held-out row, got {rows}")
    rng = np.random.default_rng(seed)
    features = [c for c in source.columns if c != id_col]
    if by_class:
        if not label:
            raise ValueError("drawing rows per class needs a label column")
        groups = source.groupby(label, dropna=False, sort=True)
        counts = _apportion(groups.size(), rows)
        parts = []
        for key, group in groups:
            if counts[key]:
                part = _copula_rows(group[[c for c in features if c != label]], counts[key], rng)
                parts.append(part.assign(**{label: key}))
        drawn = pd.concat(parts, ignore_index=True)
    else:
        drawn = _copula_rows(source[features], rows, rng)
    drawn = drawn.iloc[rng.permutation(len(drawn))].reset_index(drop=True)
    drawn.insert(0, id_col, np.arange(ID_BASE, ID_BASE + len(drawn), dtype="int64"))
    return drawn[[id_col, *features]]


def read_seed(assignment_dir: Path) -> int:
    """The assignment's secret seed from ``hidden/heldout.toml``, with a message that says how to make one."""
    path = Path(assignment_dir) / SEED_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: [data] heldout = \"synthetic\" draws the held-out rows with a secret seed kept "
            f"there. Run `sparkgrade secret {Path(assignment_dir).name}` to write one (keep it out of any public "
            "repository; it ships only in the Gradescope bundle)")
    seed = tomllib.loads(path.read_text(encoding="utf-8")).get("seed")
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"{path}: `seed` must be a non-negative integer, got {seed!r}")
    return seed


def write_seed(assignment_dir: Path) -> Path:
    """Write a new random secret seed to ``hidden/heldout.toml`` (never over an existing one)."""
    path = Path(assignment_dir) / SEED_FILE
    if path.exists():
        raise FileExistsError(f"{path} exists: a new seed would change every held-out row and the thresholds "
                              "recorded on them; delete it first if that is what you want")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# The secret seed of this assignment's held-out rows (sparkgrade.heldout). Ships only in the\n"
                    "# Gradescope bundle; never publish it. Changing it changes every held-out row: re-run\n"
                    "# `sparkgrade verify SLUG --record` and re-check the thresholds.\n"
                    f"seed = {secrets.randbits(62)}\n", encoding="utf-8")
    return path
