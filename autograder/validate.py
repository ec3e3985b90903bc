"""Static validation of an assignment: everything that can be wrong before any Spark runs."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from autograder.checks import bounds
from autograder.checks.context import load_judges
from autograder.checks.custom import JUDGE_MODULES
from autograder.checks.fixtures import fixture_rows
from autograder.checks.param_rules import rule_problems
from autograder.datasets import dataset_path, verify_checksum
from autograder.errors import SpecError
from autograder.heldout import read_seed
from autograder.mutants import load_mutants, solution_file
from autograder.regions import has_regions
from autograder.spec import AssignmentSpec
from autograder.spec.kinds import CUSTOM_PARAMS as PARAMS
from autograder.spec.params import check_params
from autograder.starter import is_stub


def defined_names(path: Path) -> set[str]:
    """Functions and classes defined at the top level of a Python file (read, never imported)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}


def top_level_names(path: Path) -> set[str]:
    """Every name bound at the top level of a Python file: functions, classes, assignments
    (``batch = against_reference(...)``) and imports (read, never imported)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for n in tree.body:
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(n.name)
        elif isinstance(n, (ast.Assign, ast.AnnAssign)):
            for target in n.targets if isinstance(n, ast.Assign) else [n.target]:
                names |= {t.id for t in ast.walk(target) if isinstance(t, ast.Name)}
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).partition(".")[0] for a in n.names}
    return names


def _missing_function(path: Path, function: str, what: str, cache: dict[Path, set[str] | str]) -> str | None:
    """Why ``function`` is not a top-level name of ``path`` (None if it is), for a message about ``what``."""
    if path not in cache:
        try:
            cache[path] = top_level_names(path)
        except FileNotFoundError:
            cache[path] = f"{path} is missing"
        except SyntaxError as exc:
            cache[path] = f"{path} does not parse: line {exc.lineno}: {exc.msg}"
    names = cache[path]
    if isinstance(names, str):
        return f"{what}: {names}"
    if function not in names:
        return f"{what}: {path} defines no {function}"
    return None


def function_problems(spec: AssignmentSpec) -> list[str]:
    """Task functions (``function = "tasks:<name>"``) and custom judges (``params.judge``) that do not
    exist in the assignment's tasks.py, judges.py or hidden/judges.py, and custom checks whose params do not
    fit what their judge declares."""
    found, cache, judges = [], {}, {}
    for t in spec.tasks:
        if t.function:
            why = _missing_function(spec.path / "tasks.py", t.function.partition(":")[2],
                                    f"task '{t.name}' names {t.function}", cache)
            found += [why] if why else []
    for c in spec.checks:
        if c.kind != "custom":
            continue
        module, _, function = c.params["judge"].partition(":")
        what = f"check '{c.name}' names judge {c.params['judge']}"
        if module not in JUDGE_MODULES or not function:
            found.append(f"{what}: must be '<module>:<function>' with module one of {', '.join(JUDGE_MODULES)}")
            continue
        why = _missing_function(spec.path / f"{module}.py", function, what, cache)
        found += [why] if why else _judge_param_problems(spec, c, module, function, judges)
    return found


def _judge_param_problems(spec: AssignmentSpec, check, module: str, function: str,
                          loaded: dict[str, object]) -> list[str]:
    """A custom check's params held to what its judge declares with :func:`autograder.checks.sdk.takes`:
    every key besides the custom kind's own declared (a typo would otherwise fall back to a default
    silently), every value of its type, every required key given."""
    try:
        if module not in loaded:                        # each judges module imported once per validation
            loaded[module] = load_judges(spec, module)
        judge = getattr(loaded[module], function)
    except Exception as exc:  # noqa: BLE001 - a judges module that does not even import
        return [f"check '{check.name}': {module}.py could not be imported ({type(exc).__name__}: {exc})"]
    declared = getattr(judge, "params", None)
    extra = sorted(set(check.params) - {p.name for p in PARAMS})
    if declared is None:
        return [f"check '{check.name}' passes {', '.join(extra)} to judge {module}:{function}, which declares no "
                "params: declare them with @sdk.takes(Param(...), ...)"] if extra else []
    try:
        check_params(spec.path / "assignment.toml", f"check '{check.name}'.params", check.name, "custom",
                     PARAMS + tuple(declared), check.params)
    except SpecError as exc:
        return [str(exc)]
    return []


def interval_problems(spec: AssignmentSpec) -> list[str]:
    """Metric checks without the reference's recorded interval (nothing could be flagged as too good to be
    true), and recorded intervals that no longer match a metric check."""
    found, kept = [], bounds.recorded(spec.path)
    where = bounds.bounds_path(spec.path)
    metric_checks = {c.name: c.params["metric"] for c in spec.checks if c.kind == "metric"}
    for name, metric in metric_checks.items():
        if name not in kept:
            found.append(f"metric check '{name}' has no reference interval in {where}: run "
                         f"`sparkgrade verify {spec.slug} --record` (a result far beyond the reference's is flagged)")
        elif kept[name].metric != metric:
            found.append(f"{where}: '{name}' was recorded for {kept[name].metric}, the check measures {metric}: "
                         f"run `sparkgrade verify {spec.slug} --record`")
    found += [f"{where}: '{name}' is no metric check of this assignment" for name in sorted(set(kept) - set(metric_checks))]
    return found


def preprocess_problems(spec: AssignmentSpec) -> list[str]:
    """A preprocessing function (``params.preprocess``, ``predict_sample = "name"``) that no question asks
    for, and a pipeline input task (``params.input_task``) the check does not list or that saves no DataFrame."""
    found, asked = [], {f for q in spec.questions for f in q.functions}
    tasks = {t.name: t for t in spec.tasks}
    named = [(f"check '{c.name}'", c.params.get("preprocess")) for c in spec.checks]
    named += [(f"task '{t.name}' (predict_sample)", t.predict_sample) for t in spec.tasks
              if isinstance(t.predict_sample, str)]
    found += [f"{where} applies {name}(), which no question lists in its functions (the stub and the notebook "
              "would not carry it)" for where, name in named if isinstance(name, str) and name not in asked]
    for c in spec.checks:
        source = c.params.get("input_task") if c.kind == "pipeline" else None
        if source and source not in c.tasks:
            found.append(f"check '{c.name}': input_task '{source}' must be in its tasks (so it runs first)")
        elif source and tasks[source].save != "dataframe":
            found.append(f"check '{c.name}': input_task '{source}' must save = \"dataframe\" (its rows are the "
                         "pipeline's input)")
    return found


def rule_table_problems(spec: AssignmentSpec) -> list[str]:
    """Rules of pipeline checks (``params.params``) that are malformed tables."""
    return [f"check '{c.name}': params.params '{key}': {problem}" for c in spec.checks if c.kind == "pipeline"
            for key, want in dict(c.params.get("params", {})).items() for problem in rule_problems(want)]


def heldout_problems(spec: AssignmentSpec) -> list[str]:
    """Metric checks judged on held-out rows a public source labels (``heldout = "fold"``: the shipped data sets
    are public, so anyone can look the labels up), and a synthetic held-out set without its secret seed."""
    found = []
    metric_checks = [c.name for c in spec.checks if c.kind == "metric"]
    if metric_checks and not spec.data.synthetic:
        found.append(f"metric checks {metric_checks} judge held-out rows taken from the public data set "
                     f"{spec.data.dataset!r}, whose labels anyone can look up: set [data] heldout = \"synthetic\" "
                     f"and run `sparkgrade secret {spec.slug}` (docs/authoring.md, Held-out rows)")
    if spec.data.synthetic:
        try:
            read_seed(spec.path)
        except (FileNotFoundError, ValueError) as exc:
            found.append(str(exc))
    return found


def observation_problems(spec: AssignmentSpec) -> list[str]:
    """Checks on a task that measures something in the submission's process without saying whether their
    verdict uses it, and child-observed checks carrying more than the assignment's allowed share of points."""
    measuring = {t.name: t.measures for t in spec.tasks if t.measures}
    found = [f"check '{c.name}' judges task '{t}', which measures {measuring[t]} in the submission's process: "
             "declare observed = \"child\" if its verdict uses that, or \"grader\" if it judges only the outputs"
             for c in spec.checks if not c.observed for t in c.tasks if t in measuring]
    found += [f"check '{c.name}' is observed = \"child\" but none of its tasks declares what it measures"
              for c in spec.child_observed() if not any(t in measuring for t in c.tasks)]
    share = spec.child_observed_share
    if share > spec.child_observed_max + 1e-9:
        names = ", ".join(f"{c.name} ({c.points:g})" for c in spec.child_observed())
        found.append(f"checks whose facts the submission's process measured carry {share:.0%} of the points ({names}); "
                     f"at most {spec.child_observed_max:.0%} is allowed: have the grader observe those facts (sealed "
                     "outputs, a socket, a JVM the submission cannot reach) or lower their points")
    return found


def stub_form_problems(spec: AssignmentSpec, root: Path) -> list[str]:
    """Functions a question asks for whose stub is not in the handout's stub form (a docstring and
    ``raise NotImplementedError``): the handout would give the answer away, and an unfilled one could not
    be told apart. Said in terms of the single source when there is one."""
    stub, solution = spec.path / spec.module, solution_file(spec, root)
    if not stub.is_file():
        return []
    try:
        tree = ast.parse(stub.read_text(encoding="utf-8"))
    except SyntaxError:
        return []
    wanted = {f for q in spec.questions for f in q.functions}
    given = sorted(n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))
                   and n.name in wanted and not is_stub(n))
    single = solution.is_file() and has_regions(solution.read_text(encoding="utf-8"))
    fix = (f"mark its body in {solution} with `# BEGIN SOLUTION` ... `# END SOLUTION`" if single else
           "leave only its docstring and `raise NotImplementedError(...)` in the stub")
    return [f"{name}() is asked for by a question but the student's stub already has a body: {fix}" for name in given]


def todo_problems(spec: AssignmentSpec, root: Path) -> list[str]:
    """TODO markers left for the instructor (``sparkgrade new`` writes them) in the spec and in the
    stub's docstring (the stub's own ``# TODO`` lines are the student's)."""
    found = []
    source = solution_file(spec, root)
    module = source if source.is_file() and has_regions(source.read_text(encoding="utf-8")) else spec.path / spec.module
    for path, marker in ((spec.path / "assignment.toml", "TODO"), (module, "TODO (instructor)")):
        if path.is_file():
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if marker in line:
                    found.append(f"{shown(path, root)} line {number} still has a TODO: {line.strip()[:120]}")
    return found


def shown(path: Path, root: Path) -> str:
    """``path`` relative to the project ``root`` when it is inside it (assignments/07-loans/assignment.toml)."""
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def readme_problems(spec: AssignmentSpec) -> list[str]:
    """A table of points in the assignment's README.md, which ships inside the handout's README: the handout
    README's own table is generated from assignment.toml, so a hand-kept one can only drift from it."""
    path = spec.path / "README.md"
    if not path.is_file():
        return []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        cells = [c.strip().lower() for c in line.strip().strip("|").split("|")] if line.lstrip().startswith("|") else []
        if "points" in cells:
            return [f"README.md line {number} starts a table of points: the handout README lists each question's "
                    "points, generated from assignment.toml; remove the table (a hand-kept copy drifts)"]
    return []


def hidden_twin_problems(spec: AssignmentSpec) -> list[str]:
    """Public fixtures without a hidden counterpart of other ids (``hidden/fixtures/<name>_hidden.json``):
    answers looked up from a public fixture would earn every point; and hidden variants (``params.twins``)
    that are visible, mirror hidden checks or are worth less than the public checks they mirror."""
    found = []
    hidden_dir = spec.path / "hidden" / "fixtures"
    for public in sorted((spec.path / "fixtures").glob("*.json")):
        twin = hidden_dir / f"{public.stem}_hidden.json"
        if not twin.is_file():
            found.append(f"fixtures/{public.name} has no hidden counterpart hidden/fixtures/{twin.name} (other ids "
                         "and values, for a hidden check worth more than the public one)")
            continue
        try:
            shared = ({r["id"] for r in fixture_rows(public) if "id" in r}
                      & {r["id"] for r in fixture_rows(twin) if "id" in r})
        except (ValueError, KeyError, TypeError) as exc:
            found.append(f"{twin.name} or {public.name} cannot be read: {exc}")
            continue
        if shared:
            found.append(f"hidden/fixtures/{twin.name} reuses ids of fixtures/{public.name}: {sorted(shared)[:5]}")
    by_name = {c.name: c for c in spec.checks}
    for check in spec.checks:
        twins = check.params.get("twins")
        if twins is None:
            continue
        unknown = [t for t in twins if t not in by_name]
        if unknown:
            found.append(f"check '{check.name}': twins {unknown} are not checks of this assignment")
            continue
        if not check.hidden:
            found.append(f"check '{check.name}' mirrors {list(twins)} on hidden inputs but is visible")
        if any(by_name[t].hidden for t in twins):
            found.append(f"check '{check.name}': its twins must be public checks, not {[t for t in twins if by_name[t].hidden]}")
        if check.points < sum(by_name[t].points for t in twins):
            found.append(f"check '{check.name}' ({check.points:g} points) is worth less than its public twins "
                         f"{list(twins)} ({sum(by_name[t].points for t in twins):g}): the public answer would pay more")
    return found


def problems(spec: AssignmentSpec, root: Path) -> list[str]:
    """Every problem found; an empty list means the assignment is consistent."""
    found = []
    stub, solution = spec.path / spec.module, solution_file(spec, root)
    wanted = {f for q in spec.questions for f in q.functions}
    for label, path in (("student stub", stub), ("reference solution", solution)):
        if not path.is_file():
            found.append(f"{label} {path} is missing")
            continue
        try:
            missing = wanted - defined_names(path)
        except SyntaxError as exc:
            found.append(f"{label} {path} does not parse: line {exc.lineno}: {exc.msg}")
            continue
        if missing:
            found.append(f"{label} {path} does not define {', '.join(sorted(missing))}")
    used = {t for c in spec.checks for t in c.tasks}
    for t in spec.tasks:
        if t.name not in used:
            found.append(f"task '{t.name}' is used by no check")
    found += function_problems(spec)
    found += interval_problems(spec)
    found += observation_problems(spec)
    found += heldout_problems(spec)
    found += preprocess_problems(spec)
    found += rule_table_problems(spec)
    found += todo_problems(spec, root)
    found += stub_form_problems(spec, root)
    found += hidden_twin_problems(spec)
    found += readme_problems(spec)
    for q in spec.questions:
        if not any(c.question == q.name for c in spec.checks):
            found.append(f"question '{q.name}' has no check")
    for fixture in sorted((spec.path / "fixtures").glob("*.json")):
        try:
            data = json.loads(fixture.read_text(encoding="utf-8"))
            assert isinstance(data["schema"], str) and isinstance(data["rows"], list)
        except Exception:
            found.append(f"fixture {fixture} must be JSON with a 'schema' string and a 'rows' list")
    try:
        dataset_path(spec.data.dataset)
        verify_checksum(spec.data.dataset)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        found.append(f"dataset: {exc}")
    try:
        mutants = load_mutants(spec)
        if solution.is_file():
            reference = solution.read_text(encoding="utf-8")
            for m in mutants:
                mutated = m.apply(reference, str(solution))
                try:
                    compile(mutated, f"mutant {m.name}", "exec")
                except SyntaxError as exc:
                    line = mutated.splitlines()[exc.lineno - 1].strip() if exc.lineno else ""
                    found.append(f"mutant '{m.name}' in {spec.path / 'mutants' / 'mutants.toml'} is not valid Python "
                                 f"once applied (line {exc.lineno}: {exc.msg}: {line[:80]!r}); in a TOML string a "
                                 "newline is \\n inside double quotes or a real line break inside triple quotes")
        if len(mutants) < 3:
            found.append(f"only {len(mutants)} mutants in {spec.path / 'mutants' / 'mutants.toml'}; declare at least 3")
    except Exception as exc:
        found.append(str(exc))
    return found
