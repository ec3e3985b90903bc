"""Metric formulas on a joined frame (``label`` plus a model's prediction columns named by role), as
Spark's evaluators define them, computed with numpy and scikit-learn in the grader's own process."""

from __future__ import annotations

from typing import TYPE_CHECKING

from autograder.spec.kinds import BINARY, MULTICLASS, REGRESSION

if TYPE_CHECKING:   # imported where used: the grader stays small while the children run (autograder.box)
    import numpy as np
    import pandas as pd

SMALLER_IS_BETTER = {"rmse", "mse", "mae"}


def larger_is_better(metric: str) -> bool:
    """Whether a larger value of an evaluator's metric is better (Spark's ``isLargerBetter``)."""
    return metric not in SMALLER_IS_BETTER


def positive_score(frame: pd.DataFrame) -> np.ndarray:
    """Score of the positive class: probability[1], else rawPrediction[1], else the prediction."""
    import numpy as np

    for col in ("probability", "rawPrediction"):
        if col in frame.columns:
            return np.array([v[1] if v is not None and len(v) > 1 else np.nan for v in frame[col]], dtype=float)
    return frame["prediction"].to_numpy(dtype=float)


def compute(joined: pd.DataFrame, metric: str) -> float:
    """The metric over the joined frame (``label`` plus the prediction columns), as Spark's evaluators define it."""
    import numpy as np

    from sklearn import metrics as m

    y = joined["label"].to_numpy(dtype=float)
    if metric in BINARY:
        score = positive_score(joined)
        if np.isnan(score).any():
            raise ValueError("some predictions have no score")
        if metric == "areaUnderROC":
            return float(m.roc_auc_score(y, score))
        precision, recall, _ = m.precision_recall_curve(y, score)
        return float(m.auc(recall, precision))
    pred = joined["prediction"].to_numpy(dtype=float)
    if metric == "accuracy":
        return float(m.accuracy_score(y, pred))
    if metric == "f1":
        return float(m.f1_score(y, pred, average="weighted"))
    if metric == "weightedPrecision":
        return float(m.precision_score(y, pred, average="weighted", zero_division=0))
    if metric == "weightedRecall":
        return float(m.recall_score(y, pred, average="weighted"))
    if metric == "rmse":
        return float(np.sqrt(m.mean_squared_error(y, pred)))
    if metric == "mse":
        return float(m.mean_squared_error(y, pred))
    if metric == "mae":
        return float(m.mean_absolute_error(y, pred))
    if metric == "r2":
        return float(m.r2_score(y, pred))
    raise ValueError(f"unknown metric {metric!r}; known: {sorted(BINARY | MULTICLASS | REGRESSION)}")
