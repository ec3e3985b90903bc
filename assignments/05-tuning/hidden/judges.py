"""Hidden checks of assignment 05: the tuned model against the untuned baseline on the hidden test fold."""

from autograder.checks import sdk
from autograder.checks.context import ScoreRequest
from autograder.checks.sdk import CheckResult, Param, compute, held_out
from autograder.harness.context import load_tasks_module


def _tuned_source(ctx, check):
    """(check, label) whose scores hold the tuned model's predictions: those of the metric check named by
    ``params.reuse`` (same task, same hidden rows, always graded with this one), else this check's own."""
    name = check.params.get("reuse")
    other = next((c for c in ctx.spec.checks if c.name == name), None)
    if other is not None and other.kind == "metric" and other.tasks[:1] == check.tasks[:1] \
            and other.hidden == check.hidden and other.question == check.question:
        return other, "hidden"
    return check, "tuned"


def beats_baseline_score_requests(ctx, check):
    """The untuned baseline, built in the scoring process: the estimator of the unfitted tuner (task
    ``params.tuner``, as Spark saved it) fitted on the tuning rows, then scored on the hidden test features;
    and, unless a metric check already does, the tuned model. Nothing the submission runs takes part."""
    tasks = load_tasks_module(ctx.spec.path)
    estimator = ctx.task_dir(check.params["tuner"]) / "stage" / "estimator"
    requests = [ScoreRequest(model=estimator, data=ctx.data.test_features, out=ctx.score_dir(check, "baseline"),
                             fit=ctx.data.train, where=tasks.tuning_rows(ctx.spec.data.id_col))]
    source, label = _tuned_source(ctx, check)
    if source is check:
        requests.append(ctx.model_request(check, check.tasks[0], ctx.data.test_features, label))
    return requests


@sdk.takes(Param("metric", str, "the metric compared on the hidden rows", required=True),
           Param("margin", float, "how much the tuned model must beat the untuned one by", required=True),
           Param("reuse", str, "a check whose scoring of the same tuned model this one shares"),
           Param("tuner", str, "the task that saved the unfitted tuner whose estimator is the baseline", required=True))
def beats_baseline(ctx, check):
    """The tuned model's metric on the hidden rows is better than the untuned estimator's by a margin."""
    metric, margin = check.params["metric"], float(check.params["margin"])
    values, rows = {}, 0
    source, label = _tuned_source(ctx, check)
    for name, (which, where) in {"tuned": (source, label), "baseline": (check, "baseline")}.items():
        joined, problem = held_out(ctx, which, where)
        if joined is None:
            return CheckResult.failed(f"the {name} model: {problem}")
        values[name], rows = compute(joined, metric), len(joined)
    tuned, base = values["tuned"], values["baseline"]
    if not tuned >= base + margin:
        return CheckResult.failed(f"{metric} on the held-out rows: tuned {tuned:.4f}, untuned estimator {base:.4f}; "
                                  f"tuning should gain at least {margin}",
                                  hint="tune the params that matter (expansion degree, regularisation) on the "
                                       "training rows and keep the best point")
    return CheckResult.passed(f"{metric} on {rows} held-out rows: tuned {tuned:.4f} vs untuned {base:.4f}")


# ---- evaluators on hidden tables: the metric values are computed here, in plain Python --------------

def area_under_roc(rows):
    """Share of (positive, negative) pairs ordered by the score, ties counting one half (Spark's
    trapezoidal ROC area over distinct thresholds is the same number)."""
    pos = [r["rawPrediction"] for r in rows if r["label"] == 1.0]
    neg = [r["rawPrediction"] for r in rows if r["label"] != 1.0]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def accuracy(rows):
    return sum(r["label"] == r["prediction"] for r in rows) / len(rows)


def mean_absolute_error(rows):
    return sum(abs(r["label"] - r["prediction"]) for r in rows) / len(rows)


def cosine_silhouette(rows):
    """Mean silhouette with the cosine distance 1 - cos(u, v); a point alone in its cluster scores 0."""
    import math

    def dist(a, b):
        dot = a["x"] * b["x"] + a["y"] * b["y"]
        return 1.0 - dot / (math.hypot(a["x"], a["y"]) * math.hypot(b["x"], b["y"]))

    clusters = {}
    for r in rows:
        clusters.setdefault(r["prediction"], []).append(r)
    scores = []
    for r in rows:
        own = [o for o in clusters[r["prediction"]] if o is not r]
        if not own:
            scores.append(0.0)
            continue
        a = sum(dist(r, o) for o in own) / len(own)
        b = min(sum(dist(r, o) for o in members) / len(members)
                for k, members in clusters.items() if k != r["prediction"])
        scores.append((b - a) / max(a, b))
    return sum(scores) / len(scores)


METRICS = {"binary": area_under_roc, "multiclass": accuracy, "regression": mean_absolute_error,
           "clustering": cosine_silhouette}


@sdk.takes(Param("expected", dict, "evaluator kind -> the params it must have", required=True))
def evaluators(ctx, check):
    """Each evaluator on its hidden table gives the value computed here (class, metric and direction as
    asked for in params.expected)."""
    from dataclasses import replace

    from autograder.checks.sdk import hidden_fixture

    expected = {}
    for kind, want in check.params["expected"].items():
        expected[kind] = {**want, "value": METRICS[kind](hidden_fixture(ctx, f"{kind}_cases_hidden".replace(
            "clustering", "cluster")))}
    return ctx.public_judges().evaluators(ctx, replace(check, params={**check.params, "expected": expected}))
