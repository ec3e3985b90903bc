"""Value checks with hidden inputs: every public fixture has a hidden counterpart with other ids, the
judges' own expectations agree with Spark, hidden fixtures ship in the Gradescope bundle and never in a
handout, and answers looked up from a public fixture lose the hidden points."""

from __future__ import annotations

import hashlib
import json
import shutil
import tomllib
import zipfile
from pathlib import Path

import pytest

from autograder.build.leaks import hidden_fixtures, scan
from autograder.build.pipeline import build
from autograder.checks.fixtures import fixture_rows
from autograder.registry import discover, load_assignment, project_root
from autograder.results import Status

ROOT = Path(__file__).resolve().parent.parent
SLUGS = [p.parent.name for p in discover(project_root())]
CASES = tomllib.loads((ROOT / "tests" / "hostile" / "corpus.toml").read_text(encoding="utf-8"))["assignment_case"]


def public_fixtures(slug: str) -> list[Path]:
    return sorted((load_assignment(slug).path / "fixtures").glob("*.json"))


@pytest.mark.parametrize("slug", SLUGS)
def test_every_public_fixture_has_a_hidden_counterpart_with_other_ids(slug):
    spec = load_assignment(slug)
    hidden = {p.stem: p for p in hidden_fixtures(spec)}
    for public in public_fixtures(slug):
        counterpart = hidden.get(f"{public.stem}_hidden")
        assert counterpart, f"{slug}: fixtures/{public.name} has no hidden/fixtures/{public.stem}_hidden.json"
        public_ids = {r["id"] for r in fixture_rows(public) if "id" in r}
        hidden_ids = {r["id"] for r in fixture_rows(counterpart) if "id" in r}
        assert not public_ids & hidden_ids, f"{slug}: {counterpart.name} reuses ids {public_ids & hidden_ids}"
    for path in hidden.values():
        assert fixture_rows(path), path
        used = [c for c in spec.checks if c.params.get("fixture") == path.stem or path.stem in str(c.params)]
        tasks = (spec.path / "tasks.py").read_text(encoding="utf-8")
        assert used or path.stem in tasks or path.stem.replace("_hidden", "") in tasks, f"{path} is used by nothing"


@pytest.mark.parametrize("slug", SLUGS)
def test_hidden_variants_are_hidden_and_carry_most_points(slug):
    """A hidden variant (``params.twins`` names the public checks it mirrors) is hidden and worth at least
    as much as its public twins together; every public check that runs on a public fixture has one."""
    spec = load_assignment(slug)
    by_name = {c.name: c for c in spec.checks}
    twinned = set()
    for check in spec.checks:
        twins = check.params.get("twins")
        if twins is None:
            continue
        assert check.visibility == "hidden", check.name
        assert all(not by_name[t].hidden for t in twins), (check.name, twins)
        assert check.points >= sum(by_name[t].points for t in twins), check.name
        twinned |= set(twins)
    tasks = (spec.path / "tasks.py").read_text(encoding="utf-8")
    for public in public_fixtures(slug):
        users = [c for c in spec.public_checks() if any(t in tasks_using(spec, tasks, public.stem) for t in c.tasks)]
        untwinned = [c.name for c in users if c.name not in twinned and c.kind in ("value", "values", "schema", "custom")]
        untwinned = [name for name in untwinned if name not in ON_TRAINING_ROWS.get(slug, ())]
        assert not untwinned, f"{slug}: {untwinned} run on fixtures/{public.name} without a hidden variant"


# Checks whose task reads a public fixture but whose judged output is computed on the training rows (03's
# fit gets the canary fixture as its test rows; q2_* and q4_scaled judge train_out).
ON_TRAINING_ROWS = {"03-features": ("q2_fitted", "q2_train_output", "q4_scaled")}


def tasks_using(spec, tasks_source: str, fixture: str) -> set[str]:
    """Names of the tasks whose function reads ``fixture`` (directly or through a helper of tasks.py)."""
    import ast

    tree = ast.parse(tasks_source)
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    constants = {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets
                 if isinstance(t, ast.Name) and fixture in ast.unparse(n.value)}

    def reads(name, seen=()):
        node = functions.get(name)
        if node is None or name in seen:
            return False
        text = ast.unparse(node)
        if f"'{fixture}'" in text or f'"{fixture}"' in text or any(c in text for c in constants):
            return True
        called = {n.func.id for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        return any(reads(c, (*seen, name)) for c in called)

    return {t.name for t in spec.tasks if t.function and reads(t.function.split(":", 1)[1])}


def test_05_judge_metrics_agree_with_spark(spark):
    """The hidden 05 judge computes ROC area, accuracy, MAE and the cosine silhouette in plain Python;
    Spark's evaluators give the same numbers on the hidden tables."""
    import importlib.util

    from pyspark.ml.evaluation import (BinaryClassificationEvaluator, ClusteringEvaluator,
                                       MulticlassClassificationEvaluator, RegressionEvaluator)
    from pyspark.ml.feature import VectorAssembler

    spec = load_assignment("05-tuning")
    module = importlib.util.spec_from_file_location("_hidden_05", spec.path / "hidden" / "judges.py")
    judges = importlib.util.module_from_spec(module)
    module.loader.exec_module(judges)
    folder = spec.path / "hidden" / "fixtures"

    def frame(name):
        import json

        raw = json.loads((folder / f"{name}.json").read_text())
        return spark.createDataFrame([tuple(r) for r in raw["rows"]], raw["schema"])

    clusters = VectorAssembler(inputCols=["x", "y"], outputCol="features").transform(frame("cluster_cases_hidden"))
    spark_values = {
        "binary": BinaryClassificationEvaluator(metricName="areaUnderROC").evaluate(frame("binary_cases_hidden")),
        "multiclass": MulticlassClassificationEvaluator(metricName="accuracy").evaluate(frame("multiclass_cases_hidden")),
        "regression": RegressionEvaluator(metricName="mae").evaluate(frame("regression_cases_hidden")),
        "clustering": ClusteringEvaluator(distanceMeasure="cosine").evaluate(clusters),
    }
    for kind, value in spark_values.items():
        name = "cluster_cases_hidden" if kind == "clustering" else f"{kind}_cases_hidden"
        assert judges.METRICS[kind](fixture_rows(folder / f"{name}.json")) == pytest.approx(value, rel=1e-12, abs=1e-12)


def test_hidden_fixtures_ship_in_the_bundle_never_in_the_handout(tmp_path, grader):
    spec = load_assignment("02-pipelines")
    (result,) = build([spec], tmp_path / "dist", ROOT, grader.prepared)
    secret = {hashlib.sha256(p.read_bytes()).hexdigest(): p.name for p in hidden_fixtures(spec)}
    assert secret
    with zipfile.ZipFile(result.handout_zip) as zf:
        for name in zf.namelist():
            assert hashlib.sha256(zf.read(name)).hexdigest() not in secret, name
            assert "_hidden" not in Path(name).name, name
    with zipfile.ZipFile(result.bundle_zip) as zf:
        shipped = {hashlib.sha256(zf.read(n)).hexdigest() for n in zf.namelist() if "/hidden/fixtures/" in n}
    assert set(secret) <= shipped
    planted = tmp_path / "handout"
    shutil.copytree(result.handout_dir, planted)
    shutil.copyfile(hidden_fixtures(spec)[0], planted / ".sparkgrade" / "assignments" / spec.slug / "fixtures" / "x.json")
    leaks = scan(planted, spec, ROOT, grader.prepared(spec))
    assert any("is the hidden data file hidden/fixtures/" in leak for leak in leaks), leaks


@pytest.fixture(scope="module")
def case_reports(request, tmp_path_factory):
    """Each assignment's cases graded as one class through the batch path (two workers), on the test
    session's warm Spark Connect server where the assignment allows it, else with local Spark; graded on
    first use, then kept: {assignment: {student: report}}."""
    from autograder.batch import grade_class
    from autograder.spark import SparkOptions

    graded: dict[str, dict] = {}

    def reports(slug: str) -> dict:
        if slug not in graded:
            spec = load_assignment(slug)
            root = tmp_path_factory.mktemp(f"cases-{slug}")
            klass = root / "class"
            klass.mkdir()
            for case in (c for c in CASES if c["assignment"] == slug):
                shutil.copyfile(ROOT / "tests" / "hostile" / case["file"], klass / case["file"])
            server = request.getfixturevalue("connect_server") if spec.spark_connect else None
            options = SparkOptions(remote=server.url) if server else SparkOptions()
            result = grade_class(spec, klass, root / "graded", options, workers=2, progress=False,
                                 work_root=server.work_root if server else None, server=server)
            graded[slug] = result.reports
        return graded[slug]

    return reports


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_answers_from_a_public_fixture_lose_the_hidden_points(case_reports, case):
    report = case_reports(case["assignment"])[Path(case["file"]).stem]
    verdicts = report.by_name()
    passed = sorted(n for n, c in verdicts.items() if c.status is Status.PASSED)
    assert passed == sorted(case["passes"]), report.to_json()
    assert not [n for n, c in verdicts.items() if c.status is Status.ERROR], report.to_json()
    assert report.score == case["score"]
    assert sorted(c.name for c in report.flagged) == sorted(case.get("flags", [])), report.to_json()
    for name, wanted in case.get("messages", {}).items():
        assert wanted in verdicts[name].message, verdicts[name].message
    if case.get("student_never_sees"):
        seen = student_visible_text(report)
        assert not [s for s in case["student_never_sees"] if s in seen], seen


def student_visible_text(report) -> str:
    """All a student can read of ``report``: the feedback files with every check released, and the
    Gradescope results (whatever their tests' visibility)."""
    from autograder.build.templating import render
    from autograder.feedback import view
    from autograder.writers.gradescope import to_gradescope

    mine = view(report, "student", release="published")
    return "\n".join([render("feedback/report.md.j2", view=mine), json.dumps(mine),
                      json.dumps(to_gradescope(report))])


@pytest.mark.slow
def test_a_metric_beyond_the_reference_interval_is_flagged_not_trusted(grader, tmp_path):
    """The flag end to end on real Spark: with a recorded interval whose good end lies below what the
    reference reaches on the drawn rows, the reference's q3_auc keeps its points and is flagged (no
    submission can look a drawn row's label up, so this is how a too-good result looks)."""
    shutil.copytree(ROOT / "assignments" / "02-pipelines", tmp_path / "02-pipelines")
    recorded = tmp_path / "02-pipelines" / "hidden" / "reference_metrics.json"
    entry = json.loads(recorded.read_text(encoding="utf-8"))["q3_auc"]
    entry.update(value=entry["low"] - 0.05, low=entry["low"] - 0.08, high=entry["low"] - 0.02)
    recorded.write_text(json.dumps({"q3_auc": entry}), encoding="utf-8")
    spec = load_assignment(tmp_path / "02-pipelines")
    report = grader.grade(spec, ROOT / "solutions" / "02-pipelines" / "pipelines.py")
    auc = report.by_name()["q3_auc"]
    assert auc.status is Status.PASSED and report.score == 15.0, report.to_json()
    assert [c.name for c in report.flagged] == ["q3_auc"]
    assert "reference" in auc.flag, auc.flag


@pytest.mark.parametrize("years", [[1973, 1975], [1973, 1975, 1975, 1973], [1970, 1973, 1975, 1980, 1981, 1982],
                                   list(range(1970, 1983)) * 40 + [1974]])
def test_03_median_years_hold_the_median_sparks_imputer_fills_in(spark, years):
    """03's hidden judge accepts the era of Spark's approximate median (a year of the data, the lower middle one
    where pandas averages two) as well as pandas' exact median: a correct Imputer never loses the check."""
    import importlib.util

    from pyspark.ml.feature import Imputer

    path = load_assignment("03-features").path / "hidden" / "judges.py"
    module_spec = importlib.util.spec_from_file_location("hidden_judges_03", path)
    judges = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(judges)
    frame = spark.createDataFrame([(float(y),) for y in years] + [(None,)], "year double")
    filled = Imputer(strategy="median", inputCols=["year"], outputCols=["year_imp"]).fit(frame).surrogateDF.first()[0]
    allowed = judges.median_years(years)
    assert filled in allowed, (filled, sorted(allowed))
    assert sorted(years)[(len(years) - 1) // 2] in allowed and len(allowed) <= 3
