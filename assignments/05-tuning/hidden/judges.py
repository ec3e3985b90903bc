"""Hidden checks of assignment 05: the tuned model against the untuned baseline on the hidden test fold."""

from autograder.checks.metrics import compute, held_out
from autograder.results import CheckResult


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
    """Score the untuned baseline (and, unless a metric check already does, the tuned model) on the hidden
    test features in a fresh process."""
    requests = [{"model": str(ctx.task_dir(check.tasks[1]) / "stage"), "data": str(ctx.data.test_features),
                 "out": str(ctx.score_dir(check, "baseline"))}]
    source, label = _tuned_source(ctx, check)
    if source is check:
        requests.append({"model": str(ctx.task_dir(check.tasks[0]) / "stage"), "data": str(ctx.data.test_features),
                         "out": str(ctx.score_dir(check, label))})
    return requests


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
