"""The reference's bootstrap interval and the "too good to be true" flag (no Spark: frames built here)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from autograder.checks import bounds
from autograder.checks.formulas import compute


def scored_frame(rows: int = 600, seed: int = 1, signal: float = 0.3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = (rng.random(rows) < 0.3).astype(float)
    p = np.round(np.clip(signal * y + (1 - signal) * rng.random(rows), 0, 1), 2)      # rounded: ties
    return pd.DataFrame({"label": y, "probability": [np.array([1 - v, v]) for v in p],
                         "prediction": np.round(p + 0.2 * rng.standard_normal(rows), 3)})


@pytest.mark.parametrize("metric", ["areaUnderROC", "rmse", "mse", "mae", "r2", "accuracy", "areaUnderPR"])
def test_each_resample_is_the_metric_of_those_rows(metric):
    frame = scored_frame()
    if metric == "accuracy":
        frame = frame.assign(prediction=(frame["prediction"] > 0.5).astype(float))
    picks = np.random.default_rng(7).integers(0, len(frame), size=(4, len(frame)))
    fast = bounds.resampled(frame, metric, picks)
    slow = [compute(frame.iloc[row].reset_index(drop=True), metric) for row in picks]
    assert np.allclose(fast, slow, rtol=1e-12, atol=1e-12), (fast, slow)


def test_the_interval_holds_the_value_and_is_the_same_every_run():
    frame = scored_frame()
    first, second = bounds.interval_of(frame, "areaUnderROC"), bounds.interval_of(frame, "areaUnderROC")
    assert first == second
    assert first.low < first.value < first.high and first.rows == len(frame)
    assert first.high - first.low < 0.2


def test_beyond_is_the_good_side_of_the_interval_only():
    auc = bounds.Interval("areaUnderROC", 0.78, 0.75, 0.81, 896)
    assert auc.beyond(0.95) and not auc.beyond(0.80) and not auc.beyond(0.5)
    rmse = bounds.Interval("rmse", 3.0, 2.7, 3.3, 92)
    assert rmse.beyond(1.0) and not rmse.beyond(3.1) and not rmse.beyond(9.0)


def test_a_looked_up_label_is_beyond_an_honest_model_s_interval():
    honest = scored_frame(signal=0.3)
    oracle = honest.assign(probability=[np.array([1 - y, y]) for y in honest["label"]])
    interval = bounds.interval_of(honest, "areaUnderROC")
    assert compute(oracle, "areaUnderROC") == 1.0 and interval.beyond(1.0)
    assert not interval.beyond(bounds.interval_of(scored_frame(seed=2), "areaUnderROC").value)
    message = bounds.flag_message(interval, 1.0)
    assert "1.0000 is above" in message and f"{interval.low:.4f} to {interval.high:.4f}" in message


def test_recorded_intervals_round_trip(tmp_path):
    intervals = {"q3_auc": bounds.Interval("areaUnderROC", 0.8, 0.77, 0.83, 896)}
    path = bounds.record(tmp_path, intervals)
    assert path == tmp_path / "hidden" / bounds.BOUNDS_FILE
    assert bounds.recorded(tmp_path) == intervals
    assert bounds.recorded(tmp_path / "elsewhere") == {}
