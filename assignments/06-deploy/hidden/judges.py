"""Hidden checks of assignment 06: the batch job's rerun and the service's answers to bad input."""

import json

from autograder.checks import sdk
from autograder.checks.sdk import CheckResult, Param


def rerun_score_requests(ctx, check):
    return ctx.public_judges().reference_requests(ctx, check)


def _rerun_outputs(ctx, check, expected):
    first, second = ctx.frame(check.tasks[0], "first"), ctx.frame(check.tasks[0], "second")
    yield second, expected, "after a second run, the output", f" (the first run left {len(first)} rows)"
    yield CheckResult.passed(f"a second run left the same {len(second)} rows")


@sdk.takes(Param("tolerance", float, "largest gap between a prediction and the grader's own scoring", required=True))
def rerun(ctx, check):
    """After the spark-submit run, score_batch() on the same paths: the output still has each row once."""
    return ctx.public_judges().judge_outputs(ctx, check, _rerun_outputs)


def bad_input_score_requests(ctx, check):
    public = ctx.public_judges()
    return [public.probe_request(ctx, public.SERVE_PROBE, "serve_probe")]


def _message(body: str) -> str:
    """The error text of a reply (FastAPI puts it under 'detail'); the raw body otherwise."""
    try:
        data = json.loads(body)
    except (TypeError, ValueError):
        return str(body)
    return json.dumps(data.get("detail", data) if isinstance(data, dict) else data)


@sdk.takes(Param("named", dict, "bad request -> the field its error message must name", required=True),
           Param("any_4xx", list, "bad requests that only need a 4xx answer", items=str, required=True))
def bad_input(ctx, check):
    """Each bad request gets a 4xx (never a 5xx or a 200), with a message that names the faulty field."""
    public = ctx.public_judges()
    exchanges, problem = public.observed(ctx, public.SERVE_PROBE, "serving create_app(model_path)")
    if problem:
        return problem
    labels = {"wrong_type": "a row whose age is the text 'forty'", "missing_field": "a row without price",
              "empty": "an empty rows list", "not_json": "a body that is not JSON"}
    problems = []
    for name in list(check.params["named"]) + list(check.params["any_4xx"]):
        reply = exchanges.get(name) or {}
        status, body = reply.get("status"), str(reply.get("body", ""))
        what = labels.get(name, name)
        if not isinstance(status, int) or not 400 <= status < 500:
            problems.append(f"{what} got {status} ({body[:120]!r}); expected a 4xx answer")
            continue
        field = check.params["named"].get(name)
        if field and field not in _message(body):
            problems.append(f"{what} got {status} but the message does not name '{field}': {body[:160]!r}")
    if problems:
        return CheckResult.failed("; ".join(problems))
    return CheckResult.passed(f"{len(labels)} bad requests answered with 4xx naming the problem")
