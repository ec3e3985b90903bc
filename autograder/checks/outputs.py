"""The columns a saved model writes its predictions to, read by the grader from the metadata Spark saved
(never from a child): a check judges a model through its own declared ``predictionCol``,
``probabilityCol`` and ``rawPredictionCol``, not through column names the prompt does not fix.

The scoring child writes every numeric and vector column of a model's output (``artifacts.prediction_frame``);
:func:`predictions` picks the declared ones and names them by role (``prediction``, ``probability``,
``rawPrediction``), the names the metric and persistence checks compare.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from autograder.checks.pipeline import TUNED, leaves, tuned_dir
from autograder.harness.artifacts import PREDICTION_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

# role (the name the checks read) -> the param that names its column
ROLE_PARAMS = {"prediction": "predictionCol", "probability": "probabilityCol", "rawPrediction": "rawPredictionCol"}


def declared_outputs(stage_dir: Path) -> dict[str, str]:
    """Role -> column for the last stage under ``stage_dir`` that declares a ``predictionCol`` (nested
    pipelines expanded, a tuned model's best model followed); an empty or unset column param is left out.
    ``{}`` when no stage declares one (or nothing readable was saved)."""
    try:
        found = leaves(tuned_dir(Path(stage_dir)))
    except (OSError, ValueError):
        return {}
    for info, folder in reversed(found):
        if info.name in TUNED and info.is_spark:
            inner = declared_outputs(folder)
            if inner:
                return inner
            continue
        if isinstance(info.params.get("predictionCol"), str) and info.params["predictionCol"]:
            return {role: info.params[p] for role, p in ROLE_PARAMS.items()
                    if isinstance(info.params.get(p), str) and info.params[p]}
    return {}


def by_role(frame: pd.DataFrame, declared: dict[str, str], id_col: str) -> pd.DataFrame:
    """``frame`` (a scoring's output) reduced to the id and the declared columns, renamed to their roles.
    Without declared columns, the columns literally named by role are kept."""
    mapping = declared or {c: c for c in PREDICTION_COLUMNS}
    keep = {col: role for role, col in mapping.items() if col in frame.columns}
    out = frame[[id_col, *keep]].copy()
    out.columns = [id_col, *keep.values()]
    return out


def predictions(ctx, out: Path, model_dir: Path) -> pd.DataFrame:
    """The predictions a scoring request left under ``out``, columns named by role as the model saved at
    ``model_dir`` declares them."""
    return by_role(ctx.read_parquet(Path(out) / "predictions"), declared_outputs(model_dir), ctx.spec.data.id_col)


def missing_role(declared: dict[str, str], role: str = "prediction") -> str:
    """How to say a role's column is missing from a model's output."""
    col = declared.get(role, role)
    return f"the model's output has no '{col}' column (its {ROLE_PARAMS[role]})"
