"""The built-in check kinds as the spec declares them: each kind's ``params`` keys (with types and
defaults), the keys of which at least one is required, whether other keys pass on to a custom judge, and a
one-line summary. Loading a spec holds every check to these (:func:`autograder.spec.parse.parse_spec`);
:mod:`autograder.checks` pairs each kind with its judge. The declarations live here, apart from the
judges, so the spec is compiled without importing the check library (which imports the spec)."""

from __future__ import annotations

from dataclasses import dataclass

from autograder.spec.params import ANY, Param

BINARY = frozenset({"areaUnderROC", "areaUnderPR"})
MULTICLASS = frozenset({"accuracy", "f1", "weightedPrecision", "weightedRecall"})
REGRESSION = frozenset({"rmse", "mse", "mae", "r2"})

VALUE_PARAMS = (
    Param("expected", ANY, "the value the task must return (a TOML value; tables and lists compare element-wise)",
          required=True),
    Param("tolerance", float, "relative tolerance for floats", default=1e-9),
)

PIPELINE_PARAMS = (
    Param("type", str, "the class of the saved stage ('Pipeline'; 'A|B' for either)"),
    Param("stages", list, "the leaf stages exactly, in order (nested pipelines expanded)", items=str),
    Param("contains", list, "leaf stages that must appear in this order, others allowed between", items=str),
    Param("params", dict, "'<Stage>.<param>' -> required value; a list: any of its values; a table of rules: "
          "equals (exactly this value, e.g. a list param), any_of, includes (a list param holds each of these, "
          "in any order), min, max (e.g. { max = 5 })"),
    Param("wiring", bool, "every stage reads existing columns and no label reaches the features", default=False),
    Param("not_features", list, "with wiring: label columns besides the final estimator's labelCol", items=str),
    Param("all_used", bool, "every column a stage writes is read by a later stage (the last stage aside)",
          default=False),
    Param("artifact", str, "the saved folder of the task to read", default="stage"),
    Param("input_task", str, "with wiring: the task whose saved DataFrame (save = \"dataframe\") is the pipeline's "
          "input, e.g. the student's preprocessing of the training rows; default: the training rows"),
)

SCHEMA_PARAMS = (
    Param("columns", dict, "column -> type name the output must have ('double', 'string', 'vector', "
          "'array<string>')", items=str),
    Param("absent", list, "columns that must not be in the output", items=str),
    Param("rows", int, "the exact number of rows"),
    Param("vector_size", dict, "vector column -> the size every vector in it must have", items=int),
    Param("no_nulls", list, "columns that must hold no null, and no NaN (inside vectors too)", items=str),
)

VALUES_PARAMS = (
    Param("key", str, "the column that identifies a row", required=True),
    Param("expected", list, "the rows the output must hold (tables of column -> value, each with the key)",
          required=True, items=dict),
    Param("tolerance", float, "relative tolerance for floats", default=1e-9),
)

METRIC_PARAMS = (
    Param("metric", str, "the metric computed on the held-out rows", required=True,
          choices=tuple(sorted(BINARY)) + tuple(sorted(MULTICLASS)) + tuple(sorted(REGRESSION))),
    Param("min", float, "the lowest passing value"),
    Param("max", float, "the highest passing value (at least one of min and max is required)"),
    Param("preprocess", str, "a student function f(df) -> df applied to the held-out rows before the model scores "
          "them (the shape 'preprocess, then fit a pipeline'); it must keep every row"),
)

PERSISTENCE_PARAMS = (
    Param("saved", str, "where the student's save function wrote, '<task>/<name>' under the artifacts",
          required=True),
    Param("model_task", str, "the task whose in-memory predictions on the public sample the reloaded model "
          "must reproduce (without loader)"),
    Param("loader", str, "the student's own load function, run in a fresh process on a copy of the saved folder"),
    Param("model_class", str, "with loader: the short name of the Spark class the loader must return"),
    Param("same_metrics", bool, "with loader: the loaded model keeps the saved model's validation metrics",
          default=False),
    Param("preprocess", str, "a student function f(df) -> df applied to the rows before the reloaded model scores "
          "them (give the model task predict_sample = the same name)"),
)

CUSTOM_PARAMS = (
    Param("judge", str, "'judges:<function>' (judges.py) or 'hidden/judges:<function>' (hidden/judges.py); "
          "an optional '<function>_score_requests' beside it asks for scoring first", required=True),
    Param("twins", list, "a hidden variant: the public checks it mirrors (it must be hidden and worth at least "
          "as much as they are together)", items=str),
)


@dataclass(frozen=True)
class KindDeclaration:
    """What the spec knows of a check kind: its ``params`` keys, declared once (checked when a spec is loaded,
    defaults filled in, listed in docs/check-kinds.md)."""

    params: tuple[Param, ...] = ()
    summary: str = ""
    open_params: bool = False       # keys besides ``params`` are passed on (to a custom judge)
    one_of: tuple[str, ...] = ()    # at least one of these params must be given


KINDS: dict[str, KindDeclaration] = {
    "task_ok": KindDeclaration(summary="every task of the check ran without error"),
    "value": KindDeclaration(VALUE_PARAMS, "the task's returned value equals `expected`"),
    "pipeline": KindDeclaration(PIPELINE_PARAMS, "stage types and order, column wiring, stage params and label "
                                                 "leakage, read from the saved metadata"),
    "schema": KindDeclaration(SCHEMA_PARAMS, "a saved DataFrame's columns, types, vector sizes, row count and nulls"),
    "values": KindDeclaration(VALUES_PARAMS, "rows of a saved DataFrame, keyed by a column, equal `expected`"),
    "metric": KindDeclaration(METRIC_PARAMS, "a threshold on a metric of the model's predictions on held-out rows; "
                                             "a value beyond the reference's recorded bootstrap interval "
                                             "(`verify --record`) is flagged for the instructor",
                              one_of=("min", "max")),
    "persistence": KindDeclaration(PERSISTENCE_PARAMS, "the saved model, reloaded in a fresh process, predicts "
                                                       "identically"),
    "custom": KindDeclaration(CUSTOM_PARAMS, "an assignment's own judge function; any other key is the judge's own",
                              open_params=True),
}

__all__ = ["BINARY", "CUSTOM_PARAMS", "KINDS", "KindDeclaration", "METRIC_PARAMS", "MULTICLASS", "PERSISTENCE_PARAMS",
           "PIPELINE_PARAMS", "REGRESSION", "SCHEMA_PARAMS", "VALUES_PARAMS", "VALUE_PARAMS"]
