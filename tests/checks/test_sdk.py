"""The judges' SDK: scoring requests as ScoreRequest (the same plain mappings the scoring phase reads),
and the shared helpers the assignments' judges reach through it (no Spark needed)."""

from pathlib import Path

import pytest

from autograder.checks import CHECK_KINDS
from autograder.checks.context import JudgeContext, ScoreRequest
from autograder.data import PreparedData
from autograder.registry import load_assignment
from autograder.runner import unique_requests


def test_score_request_is_the_plain_mapping_the_scorer_reads():
    plain = ScoreRequest(Path("/a/model"), Path("/d.parquet"), Path("/s/c-hidden")).to_dict()
    assert plain == {"model": "/a/model", "data": "/d.parquet", "out": "/s/c-hidden"}
    with_loader = ScoreRequest("/a/model", "/d.parquet", "/s/c-loader", loader="load_model")
    assert with_loader.to_dict() == {"model": "/a/model", "data": "/d.parquet", "out": "/s/c-loader",
                                     "loader": "load_model"}
    assert ScoreRequest.from_dict(with_loader.to_dict()) == with_loader
    assert ScoreRequest.of(plain) == ScoreRequest.of(ScoreRequest.from_dict(plain))


def test_unique_requests_scores_each_model_data_out_once():
    a = ScoreRequest("/m", "/d", "/s/x")
    b = {"model": "/m", "data": "/d", "out": "/s/y"}
    same_as_a = {"model": "/m", "data": "/d", "out": "/s/x", "loader": "f"}
    assert unique_requests([a, b, same_as_a]) == [same_as_a, b]       # the last of equal requests, first place
    assert all(isinstance(r, dict) for r in unique_requests([a]))


@pytest.fixture
def ctx(tmp_path):
    spec = load_assignment("05-tuning")
    return JudgeContext(spec=spec, artifacts=tmp_path / "artifacts", scores=tmp_path / "scores",
                        data=PreparedData(tmp_path / "data"), spark_factory=lambda: None)


def test_builtin_kinds_ask_for_the_same_scorings(ctx, tmp_path):
    metric = next(c for c in ctx.spec.checks if c.kind == "metric")
    assert [r.to_dict() for r in CHECK_KINDS["metric"].score_requests(ctx, metric)] == [
        {"model": str(tmp_path / "artifacts" / metric.tasks[0] / "stage"),
         "data": str(tmp_path / "data" / "hidden" / "test_features.parquet"),
         "out": str(tmp_path / "scores" / f"{metric.name}-hidden")}]


def test_custom_judges_reach_the_public_judges_through_the_context(ctx):
    public = ctx.public_judges()
    assert public.__file__ == str(ctx.spec.path / "judges.py") and callable(public.evaluators)
    hidden = ctx.judges("hidden/judges")
    assert hidden.__file__ == str(ctx.spec.path / "hidden" / "judges.py")
    check = next(c for c in ctx.spec.checks if c.params.get("judge") == "hidden/judges:beats_baseline")
    requests = CHECK_KINDS["custom"].score_requests(ctx, check)
    assert requests and all(isinstance(r, ScoreRequest) for r in requests)
    # the untuned baseline: the saved tuner's estimator, fitted by the scoring process on the tuning rows
    assert requests[0].to_dict() == {"model": str(ctx.task_dir(check.params["tuner"]) / "stage" / "estimator"),
                                     "data": str(ctx.data.test_features),
                                     "out": str(ctx.score_dir(check, "baseline")), "fit": str(ctx.data.train),
                                     "where": f"abs(xxhash64(`{ctx.spec.data.id_col}`, 29) % 6) < 2"}


def test_no_judge_loads_another_judges_module_by_path(root):
    """Judges reach shared helpers through the SDK (``ctx.public_judges()``), never a pasted loader."""
    for path in sorted((root / "assignments").glob("*/**/judges.py")):
        assert "spec_from_file_location" not in path.read_text(encoding="utf-8"), path


def test_a_custom_judge_reads_its_declared_defaults_without_restating_them(ctx, monkeypatch):
    """The custom kind hands its judge (and the judge's ``_score_requests``) the check's params with every
    default the judge declares filled in; a given key keeps its value, an undeclared one passes through."""
    import types
    from dataclasses import replace

    from autograder.checks import custom, sdk

    seen = []

    @sdk.takes(sdk.Param("tolerance", float, "t", default=1e-6), sdk.Param("fixture", str, "f"))
    def judge(ctx, check):
        seen.append(dict(check.params))
        return sdk.CheckResult.passed("ok")

    def judge_score_requests(ctx, check):
        seen.append(dict(check.params))
        return []

    module = types.SimpleNamespace(judge=judge, judge_score_requests=judge_score_requests)
    monkeypatch.setattr(type(ctx), "judges", lambda self, name: module)
    check = replace(ctx.spec.checks[0], kind="custom", params={"judge": "judges:judge"})
    custom.score_requests(ctx, check)
    custom.judge(ctx, check)
    custom.judge(ctx, replace(check, params={"judge": "judges:judge", "tolerance": 0.5, "fixture": "x"}))
    assert seen == [{"judge": "judges:judge", "tolerance": 1e-6}] * 2 + [
        {"judge": "judges:judge", "tolerance": 0.5, "fixture": "x"}]
