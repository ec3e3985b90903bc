"""Too good to be true: a held-out metric far beyond what the reference solution reaches on the same rows.

``sparkgrade verify SLUG --record`` grades the reference and writes, per metric check, its value and a
bootstrap interval of that value over the held-out rows (``hidden/reference_metrics.json``, shipped only in
the autograder bundle). A submission whose metric lies beyond the interval's good end keeps its points,
but the check carries a ``flag``: the class gradebook lists it, the Canvas import leaves that score blank,
and the instructor decides. A held-out set cannot tell a lucky model from one that looked the labels up
(the credit data set is public); the flag makes the difference visible instead of silently awarded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograder.checks.formulas import compute, positive_score

if TYPE_CHECKING:   # imported where used: the grader stays small while the children run (autograder.box)
    import numpy as np
    import pandas as pd

BOUNDS_FILE = "reference_metrics.json"
SMALLER_IS_BETTER = frozenset({"rmse", "mse", "mae"})
RESAMPLES = 1000
LEVEL = 0.99
SEED = 20261206


@dataclass(frozen=True)
class Interval:
    """The reference's value of one metric on the held-out rows, with its bootstrap interval."""

    metric: str
    value: float
    low: float
    high: float
    rows: int

    def beyond(self, value: float) -> bool:
        """``value`` lies past the interval's good end (above it, or below it for an error metric)."""
        return value < self.low if self.metric in SMALLER_IS_BETTER else value > self.high

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "value": self.value, "low": self.low, "high": self.high, "rows": self.rows,
                "resamples": RESAMPLES, "level": LEVEL, "seed": SEED}


def bounds_path(assignment_dir: Path) -> Path:
    return Path(assignment_dir) / "hidden" / BOUNDS_FILE


def recorded(assignment_dir: Path) -> dict[str, Interval]:
    """The recorded intervals by check name (none when ``verify --record`` was never run)."""
    path = bounds_path(assignment_dir)
    if not path.is_file():
        return {}
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {name: Interval(d["metric"], float(d["value"]), float(d["low"]), float(d["high"]), int(d["rows"]))
            for name, d in raw.items()}


def record(assignment_dir: Path, intervals: dict[str, Interval]) -> Path:
    """Write the intervals (sorted, one file); returns its path."""
    path = bounds_path(assignment_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {name: intervals[name].to_dict() for name in sorted(intervals)}
    path.write_text(json.dumps(body, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def flag_message(interval: Interval, value: float) -> str:
    """What the instructor and the student read when ``value`` is beyond the reference's interval."""
    side = "below" if interval.metric in SMALLER_IS_BETTER else "above"
    return (f"{interval.metric} {value:.4f} is {side} what the reference solution reaches on these "
            f"{interval.rows} held-out rows ({interval.value:.4f}; {LEVEL:.0%} bootstrap interval "
            f"{interval.low:.4f} to {interval.high:.4f}): the points stand, and your instructor will look at "
            "this result before the grade is final")


def interval_of(joined: pd.DataFrame, metric: str) -> Interval:
    """``metric`` over ``joined`` with its percentile bootstrap interval:
    RESAMPLES resamples of the rows with replacement, a fixed seed."""
    import numpy as np

    value = compute(joined, metric)
    rng = np.random.default_rng(SEED)
    picks = rng.integers(0, len(joined), size=(RESAMPLES, len(joined)))
    values = resampled(joined, metric, picks)
    values = values[np.isfinite(values)]
    if not len(values):             # too few rows of some class for any resample to define the metric
        return Interval(metric, float(value), float(value), float(value), len(joined))
    tail = (1 - LEVEL) / 2
    low, high = (float(v) for v in np.quantile(values, [tail, 1 - tail]))
    return Interval(metric, float(value), low, high, len(joined))


def resampled(joined: pd.DataFrame, metric: str, picks: np.ndarray) -> np.ndarray:
    """The metric on every resample (a row of ``picks``): vectorised for AUC, accuracy and the error
    metrics, one ``compute`` per resample for the rest."""
    import numpy as np
    from scipy.stats import rankdata

    y = joined["label"].to_numpy(dtype=float)
    if metric == "areaUnderROC":
        scores = positive_score(joined)[picks]
        truth = y[picks] == 1.0
        ranks = rankdata(scores, axis=1)
        positives = truth.sum(axis=1)
        negatives = truth.shape[1] - positives
        with np.errstate(invalid="ignore", divide="ignore"):
            return ((ranks * truth).sum(axis=1) - positives * (positives + 1) / 2) / (positives * negatives)
    if metric in ("rmse", "mse", "mae", "r2"):
        error = joined["prediction"].to_numpy(dtype=float)[picks] - y[picks]
        if metric == "mae":
            return np.abs(error).mean(axis=1)
        mse = (error ** 2).mean(axis=1)
        if metric == "r2":
            with np.errstate(invalid="ignore", divide="ignore"):
                return 1 - mse / y[picks].var(axis=1)
        return np.sqrt(mse) if metric == "rmse" else mse
    if metric == "accuracy":
        return (joined["prediction"].to_numpy(dtype=float)[picks] == y[picks]).mean(axis=1)
    return np.array([compute(joined.iloc[row], metric) for row in picks], dtype=float)
