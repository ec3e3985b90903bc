"""Assignment-specific checks of assignment 04 (run by the grader on saved artifacts).

No student model is loaded here: the checks read plain values and Parquet files the tasks saved, and
compute metrics with the grader's own Spark session.
"""

import json
import math

from autograder.checks import sdk
from autograder.checks.context import MissingArtifact, ScoreRequest
from autograder.checks.outputs import declared_outputs
from autograder.checks.pipeline import leaves
from autograder.checks.sdk import Param
from autograder.harness.artifacts import read_json, stage_metadata
from autograder.results import CheckResult

MEASUREMENTS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
PENGUINS = "fixtures/penguins.json"     # the public rows the clusterer is fitted on


def penguins(ctx, fixture=PENGUINS):
    """The penguins fixture (with species) as a pandas DataFrame indexed by id (``fixture``: its path in
    the assignment folder)."""
    import pandas as pd

    spec = json.loads((ctx.spec.path / fixture).read_text(encoding="utf-8"))
    names = [part.strip().split()[0] for part in spec["schema"].split(",")]
    return pd.DataFrame(spec["rows"], columns=names).set_index("id")


def assignments(ctx, check, fixture: str = PENGUINS):
    """(complete rows of ``fixture`` with their saved cluster, None) or (None, a failed CheckResult).

    The cluster of each row is the column the clusterer's KMeans declares as its predictionCol, read from
    the saved unfitted pipeline (the check's last task). The clustering is tiny (342 rows): it is joined
    and counted with pandas; only the silhouette is computed with Spark's evaluator."""
    import pandas as pd

    path = ctx.task_dir(check.tasks[0]) / "data"
    if not path.is_dir():
        raise MissingArtifact(f"task '{check.tasks[0]}' saved no DataFrame")
    saved = pd.read_parquet(path)
    column = declared_outputs(ctx.task_dir(check.tasks[-1]) / "stage").get("prediction", "prediction")
    if "id" not in saved.columns or column not in saved.columns:
        return None, CheckResult.failed(f"the fitted clusterer's output has no '{column}' column (its "
                                        f"predictionCol); columns saved: {list(saved.columns)}")
    saved = saved[["id", column]].rename(columns={column: "prediction"})
    complete = penguins(ctx, fixture).dropna(subset=MEASUREMENTS)
    got = list(saved["id"])
    if len(got) != len(set(got)) or set(got) != set(complete.index):
        return None, CheckResult.failed(
            f"{len(set(got))} penguins were clustered ({len(got)} rows); expected exactly the {len(complete)} with "
            "all four measurements", hint="VectorAssembler(handleInvalid='skip') drops the rows with missing measurements")
    joined = complete.join(saved.set_index("id"), how="inner")
    if joined["prediction"].isna().any():
        return None, CheckResult.failed("some penguins have no cluster (null prediction)")
    joined["prediction"] = joined["prediction"].astype(int)
    k = joined["prediction"].nunique()
    if k < 2:
        return None, CheckResult.failed(f"every penguin is in the same cluster ({k} cluster); the clustering "
                                        "found no structure")
    return joined, None


@sdk.takes(Param("min", float, "the lowest passing silhouette", required=True),
           Param("fixture", str, "the rows clustered (a public or hidden fixture)", default=PENGUINS))
def silhouette(ctx, check):
    """Silhouette of the student's cluster assignments, measured in one fixed space: the four
    measurements standardised by the grader (so a clustering of unscaled data is judged fairly)."""
    from pyspark.ml.evaluation import ClusteringEvaluator
    from pyspark.ml.feature import VectorAssembler

    joined, problem = assignments(ctx, check, check.params["fixture"])
    if problem:
        return problem
    values = joined[MEASUREMENTS]
    z = ((values - values.mean()) / values.std()).assign(prediction=joined["prediction"]).reset_index()
    rows = ctx.spark.createDataFrame(z)    # the session first: constructing a pyspark.ml stage needs one
    frame = VectorAssembler(inputCols=MEASUREMENTS, outputCol="features").transform(rows)
    value = ClusteringEvaluator(featuresCol="features", predictionCol="prediction",
                                metricName="silhouette", distanceMeasure="squaredEuclidean").evaluate(frame)
    k = joined["prediction"].nunique()
    if not value >= check.params["min"]:
        return CheckResult.failed(f"silhouette {value:.4f} over {k} clusters (standardised measurements); at least "
                                  f"{check.params['min']} is required")
    return CheckResult.passed(f"silhouette {value:.4f} over {k} clusters (standardised measurements)")


@sdk.takes(Param("tolerance", float, "relative tolerance of the centres", required=True),
           Param("fixture", str, "the rows clustered (a public or hidden fixture)", default=PENGUINS))
def centers(ctx, check):
    """cluster_centers() equals, cluster by cluster, the mean measurements of the penguins assigned to it."""
    got = ctx.value(check.tasks[1])
    joined, problem = assignments(ctx, check, check.params["fixture"])
    if problem:
        return problem
    means = {int(i): [float(v) for v in row] for i, row in joined.groupby("prediction")[MEASUREMENTS].mean().iterrows()}
    if not isinstance(got, list) or len(got) != len(means):
        return CheckResult.failed(f"cluster_centers() returned {type(got).__name__} of length "
                                  f"{len(got) if isinstance(got, list) else '-'}; expected one centre per cluster "
                                  f"({len(means)})")
    tol = float(check.params["tolerance"])
    for i, centre in enumerate(got):
        if not (isinstance(centre, list) and len(centre) == len(MEASUREMENTS)
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in centre)):
            return CheckResult.failed(f"centre {i} is {centre!r}; expected a list of {len(MEASUREMENTS)} numbers")
        if i not in means:
            return CheckResult.failed(f"no penguin was assigned to cluster {i}")
        for name, a, b in zip(MEASUREMENTS, centre, means[i]):
            if not math.isclose(a, b, rel_tol=tol):
                owner = next((j for j, m in means.items() if all(math.isclose(x, y, rel_tol=tol)
                                                                  for x, y in zip(centre, m))), None)
                if owner is not None:
                    return CheckResult.failed(
                        f"centre {i} is the mean of cluster {owner}, not of cluster {i}: the centres are in mm and "
                        "g but not in cluster order", hint="return clusterCenters() in their own order (centre i is "
                        "cluster i's), each unscaled")
                return CheckResult.failed(
                    f"centre {i}: {name} is {a:.4g}, but the penguins in cluster {i} average {b:.4g}",
                    hint="KMeans centres live in the scaled space: undo the StandardScaler (x * std + mean)")
    return CheckResult.passed(f"{len(got)} centres in mm and g, each the mean of its cluster (within {tol:g})")


def importances_score_requests(ctx, check):
    """The saved forest pipeline on the public sample, with the metadata of the forest's features column
    (its slot names)."""
    stage = ctx.task_dir(check.tasks[1]) / "stage"
    try:
        forests = [(info, folder) for info, folder in leaves(stage) if info.name.endswith("ClassificationModel")]
    except (OSError, ValueError):
        return []
    if not forests:
        return []
    params = stage_metadata(forests[-1][1])
    features = (params.get("paramMap") or {}).get("featuresCol") or (params.get("defaultParamMap") or {}).get(
        "featuresCol", "features")
    named = named_column(features, [info for info, _ in leaves(stage)])
    return [ScoreRequest(model=stage, data=ctx.data.sample, out=ctx.score_dir(check, "slots"), metadata_of=named)]


# Spark's stages that keep a vector's slots in place (one output slot per input slot) but write no slot names
SLOT_PRESERVING = {"StandardScalerModel", "MinMaxScalerModel", "MaxAbsScalerModel", "RobustScalerModel", "Normalizer"}


def named_column(column, stages):
    """The column whose metadata names the slots of ``column``: itself, or, where Spark's scaler wrote it,
    the scaler's input (followed back): a forest trained on scaled features has the assembled column's
    slots, and q3_forest, not this check, judges which column it reads."""
    seen = {column}
    for info in reversed(stages):
        if info.is_spark and info.name in SLOT_PRESERVING and info.params.get("outputCol") == column:
            source = info.params.get("inputCol")
            if isinstance(source, str) and source not in seen:
                seen.add(source)
                column = source
    return column


def _column_of(slot, columns):
    for col in sorted(columns, key=len, reverse=True):
        if slot == col or slot.startswith(col + "_"):
            return col
    return None


def forest_weights(stage_dir) -> list[float] | None:
    """featureImportances of the last tree ensemble in a saved PipelineModel, computed as Spark does from
    the trees it saved (per tree: gain x impurity count of every split, normalised; then the sum over trees,
    normalised), so no object the submission could replace after the fit is read. None: no saved forest."""
    import pandas as pd

    forests = [folder for info, folder in leaves(stage_dir) if info.name.endswith("ClassificationModel")
               and info.name.startswith(("RandomForest", "GBT")) and (folder / "data").is_dir()]
    if not forests:
        return None
    nodes = pd.read_parquet(forests[-1] / "data")
    size = int(stage_metadata(forests[-1]).get("numFeatures", 0))
    total = [0.0] * size
    for _, tree in nodes.groupby("treeID"):
        per = [0.0] * size
        for node in tree["nodeData"]:
            if node["leftChild"] != -1:
                per[int(node["split"]["featureIndex"])] += float(node["gain"]) * float(sum(node["impurityStats"]))
        norm = sum(per)
        if norm != 0:
            total = [t + p / norm for t, p in zip(total, per)]
    norm = sum(total)
    return [t / norm for t in total] if norm != 0 else total


@sdk.takes(Param("columns", list, "the data columns the importances must name", items=str, required=True),
           Param("tolerance", float, "tolerance of the importances", required=True))
def importances(ctx, check):
    """forest_importances() gives each data column the sum of the forest's importances over its slots. The
    importances come from the fitted forest as it was saved when its fit ended (the check's second task),
    never from the live model the student's function was given (which it could change); the slot names
    from that saved pipeline's features column on the public sample, transformed where the submission is
    never imported (:func:`importances_score_requests`)."""
    answer = ctx.value(check.tasks[0], "answer")
    columns = list(check.params["columns"])
    scored = ctx.scored(ctx.score_dir(check, "slots"))
    if scored.get("status") != "ok":
        return CheckResult.failed("the saved forest pipeline could not score the public sample in a fresh process: "
                                  f"{scored.get('message') or scored.get('status')}")
    attrs = read_json(ctx.score_dir(check, "slots") / "column_metadata.json").get("ml_attr", {}).get("attrs", {})
    slots = {a["idx"]: a["name"] for group in attrs.values() for a in group}
    weights = forest_weights(ctx.task_dir(check.tasks[1]) / "stage")
    if weights is None:
        return CheckResult.failed("the saved forest pipeline has no fitted RandomForestClassificationModel")
    if len(slots) != len(weights):
        return CheckResult.failed(f"the forest's features column has {len(slots)} named slots for {len(weights)} "
                                  "importances; train the forest on the assembled column (its metadata names slots)")
    expected = dict.fromkeys(columns, 0.0)
    for slot, weight in enumerate(weights):
        col = _column_of(slots[slot], columns)
        if col is None:
            return CheckResult.failed(f"slot {slot} ({slots[slot]!r}) of the forest's features comes from no data "
                                      "column")
        expected[col] += weight
    if set(answer) != set(columns):
        missing, extra = sorted(set(columns) - set(answer)), sorted(set(answer) - set(columns))
        return CheckResult.failed(f"forest_importances() keys differ from the data columns: missing {missing}, "
                                  f"unexpected {extra}", hint="sum the one-hot slots of a column into one number")
    tol = float(check.params["tolerance"])
    for col in columns:
        value = answer[col]
        if not isinstance(value, (int, float)) or abs(value - expected[col]) > tol:
            return CheckResult.failed(f"importance of '{col}' is {value!r}; the forest gives {expected[col]:.6f}")
    top = max(expected, key=expected.get)
    return CheckResult.passed(f"importances of {len(columns)} columns as in the forest (top: {top}, "
                              f"{expected[top]:.3f})")
