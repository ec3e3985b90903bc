"""The ``sparkgrade`` command: list | validate | grade | check | build | verify | bench. Each command imports
the modules it runs when it runs, so ``sparkgrade --help`` or ``check`` does not load the grader, the build
and the warm engine first."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.errors import SparkgradeError
from autograder.registry import discover, load_assignment, project_root
from autograder.spark import SHORT_JVM_OPTIONS
from autograder.cli_authoring import cmd_dataset_add, cmd_new, cmd_secret
from autograder.cli_tools import cmd_bench, cmd_measure, cmd_prepare, spark_options


def _add_spark_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--master", default=None, help="Spark master URL (default local[N], N = the box's whole CPUs, "
                                                  "1 or 2), e.g. spark://host:7077")
    p.add_argument("--remote", default=None, help="Spark Connect URL, e.g. sc://localhost:15002")
    p.add_argument("--driver-memory", default=None,
                   help="spark.driver.memory of the grading JVMs (default: sized to the box's memory, at most 1g)")
    p.add_argument("--java-options", default=None,
                   help=f"driver JVM options (default '{SHORT_JVM_OPTIONS}', tuned for short grading runs, plus caps "
                        "on the JVM's memory outside its heap in boxes under 2 GB; pass '' for long jobs on big data)")


def cmd_list(args) -> int:
    from autograder.spec import load_spec

    for path in discover():
        spec = load_spec(path)
        public = sum(c.points for c in spec.public_checks())
        print(f"{spec.slug:28} {spec.total_points:5g} pts ({public:g} public)  {spec.title}")
    return 0


def cmd_validate(args) -> int:
    from autograder.validate import problems

    spec = load_assignment(args.assignment)
    found = problems(spec, project_root())
    for p in found:
        print(f"{spec.slug}: {p}", file=sys.stderr)
    if not found:
        print(f"{spec.slug}: valid ({len(spec.checks)} checks, {spec.total_points:g} points; "
              f"{spec.child_observed_share:.0%} of the points on facts the submission's process measured: "
              f"{', '.join(c.name for c in spec.child_observed()) or 'none'})")
    return 1 if found else 0


def _write(text: str, out: str | None) -> None:
    if out:
        path = Path(out)
        if path.is_dir():
            raise SparkgradeError(f"--out {out} is a folder; give the path of a file (a folder of submissions "
                                  "is graded with --class)")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    else:
        sys.stdout.write(text)


def _looks_like_class(folder: Path, spec) -> bool:
    """A folder with several per-student entries and no module or notebook of its own at the top."""
    if not folder.is_dir() or (folder / spec.module).exists() or (folder / f"{spec.module_name}.ipynb").exists():
        return False
    entries = [e for e in folder.iterdir() if not e.name.startswith((".", "_"))
               and (e.is_dir() or e.suffix.lower() in (".py", ".ipynb", ".zip"))]
    return len(entries) >= 2


def cmd_grade(args, public_only: bool = False) -> int:
    from autograder.feedback import internal_notes, withheld_details
    from autograder.results import CheckResult, GradeReport, Status
    from autograder.runner import Grader, attach
    from autograder.writers import WRITERS

    spec = load_assignment(args.assignment)
    if getattr(args, "klass", False):
        return cmd_grade_class(args, spec)
    if _looks_like_class(Path(args.submission), spec):
        print(f"sparkgrade: note: grading {args.submission} as ONE submission; to grade each file or folder in "
              "it as one student's submission, add --class", file=sys.stderr)
    questions = tuple(args.question or ())
    render = WRITERS[args.writer]
    if args.out:
        pending = CheckResult.error("grading did not finish (the grader was stopped before writing a result); "
                                    "please report this to your instructor")
        checks = [c for c in (spec.public_checks() if public_only else spec.checks)
                  if not questions or c.question in questions]
        fallback = GradeReport(spec.slug, str(args.submission), tuple(attach(pending, c) for c in checks))
        _write(render(fallback), args.out)
    grader = Grader(spark_options=spark_options(args), keep_workdir=args.keep)
    report = grader.grade(spec, Path(args.submission), public_only=public_only, questions=questions)
    _write(render(report), args.out)
    if args.writer == "gradescope":       # what the student must not see goes to the instructor's log
        for note in internal_notes(report) + withheld_details(report):
            print(f"sparkgrade: instructor note: {note}", file=sys.stderr)
    _append_summary(report, getattr(args, "summary", None))
    if getattr(args, "timings", False):
        from autograder.timings import table

        print(table(report.timings, report.seconds), file=sys.stderr)
    if args.exit_code and any(c.status is not Status.PASSED for c in report.checks):
        return 1
    return 0


def cmd_grade_class(args, spec) -> int:
    from autograder.batch import INSTRUCTOR, grade_class

    if not args.out:
        raise SparkgradeError(f"--class grades the folder {args.submission} as one submission per student: give "
                              "--out <folder> for the per-student feedback and the gradebook")
    result = grade_class(spec, Path(args.submission), Path(args.out), spark_options(args), workers=args.workers,
                         engine_kind=args.engine, release=args.release, outputs=args.outputs)
    wrote = f"gradebook: {result.gradebook}" if result.gradebook else \
        "wrote: " + ", ".join(str(f) for files in result.outputs.values() for f in files)
    print(f"graded {result.graded}, skipped {result.skipped} already graded, in {result.seconds:.1f} s; {wrote}")
    unfinished = {s: r.grader_errors for s, r in sorted(result.reports.items()) if r.grader_errors}
    if unfinished:
        print(f"{len(unfinished)} student(s) have checks the grader could not grade (not their fault; "
              f"{INSTRUCTOR}/<student>.md says why): "
              + "; ".join(f"{s} ({', '.join(c.name for c in checks)})" for s, checks in unfinished.items())
              + ". Their totals are not final: canvas.csv leaves them blank. Run the same command again to "
                "grade them again.", file=sys.stderr)
    for problem in result.problems:
        print(f"not written: {problem}", file=sys.stderr)
    return 1 if result.problems else 0


def cmd_build(args) -> int:
    from autograder.build import build
    from autograder.runner import Grader

    specs = [load_assignment(a) for a in args.assignments] if args.assignments else \
        [load_assignment(p.parent) for p in discover()]
    grader = Grader(spark_options=spark_options(args))
    for result in build(specs, Path(args.out), project_root(), grader.prepared):
        print(f"{result.slug}: {result.handout_zip}  {result.bundle_zip}")
    return 0


def _append_summary(report, path: str | None) -> None:
    """Append the report as a markdown table to ``path`` (a job summary such as $GITHUB_STEP_SUMMARY)."""
    if path:
        from autograder.writers.markdown import render as markdown

        with open(path, "a", encoding="utf-8") as fh:
            fh.write(markdown(report))


def cmd_check(args) -> int:
    import os

    from autograder.notebook import locate_check

    args.assignment, args.submission, handout = locate_check(args.assignment, args.submission)
    if handout is not None and not os.environ.get("SPARKGRADE_ROOT"):
        os.environ["SPARKGRADE_ROOT"] = str(handout)      # the handout's public checks, from any folder
    if args.auto:
        from autograder.build.worked import choose

        spec = load_assignment(args.assignment)
        chosen, why = choose(Path(args.submission), f"{spec.module_name}.ipynb", spec.module)
        print(f"sparkgrade: checking {chosen.name}: {why}", file=sys.stderr)
        args.submission = str(chosen)
    return cmd_grade(args, public_only=True)


def cmd_verify(args) -> int:
    from autograder.verify import verify

    return verify([load_assignment(a) for a in args.assignments] if args.assignments else None,
                   spark_options(args), mutants=args.mutants, record=args.record, engine_kind=args.engine,
                   questions=tuple(args.question or ()))


def _class_outputs(value: str) -> tuple[str, ...]:
    from autograder.writers.classes import class_outputs

    try:
        return class_outputs(value)
    except SparkgradeError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    from autograder.writers import CLASS_OUTPUTS, WRITERS

    parser = argparse.ArgumentParser(prog="sparkgrade", description="Gradeable Spark MLlib assignments.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the assignments").set_defaults(func=cmd_list)
    p = sub.add_parser("validate", help="check an assignment's spec, stubs, solution, data and mutants")
    p.add_argument("assignment")
    p.set_defaults(func=cmd_validate)
    for name, func, helptext in (("grade", cmd_grade, "grade a submission with every check"),
                                 ("check", cmd_check, "run the public checks on your own work")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("assignment", help="slug (02-pipelines), number (02) or folder"
                       + (" (may be left out for a file inside an unzipped handout)" if name == "check" else ""))
        p.add_argument("submission", nargs="?" if name == "check" else None,
                       help="one submission: .py module, .ipynb notebook, folder or .zip"
                       + (" (with --class: a folder of submissions, one file or folder per student)"
                          if name == "grade" else ""))
        p.add_argument("--writer", choices=sorted(WRITERS), default="console")
        p.add_argument("--out", help="write the report here instead of standard output")
        p.add_argument("--keep", action="store_true", help="keep the working folder (for debugging)")
        p.add_argument("--question", action="append", help="only the checks of this question (repeatable)")
        p.add_argument("--exit-code", action="store_true", help="exit 1 unless every selected check passed")
        if name == "grade":
            p.add_argument("--timings", action="store_true",
                           help="also print where the grading's time went (stage, each child's start-up, each "
                                "task and scoring request, judges) to standard error")
            p.add_argument("--class", dest="klass", action="store_true",
                           help="grade a folder of submissions (one file or folder per student) into --out FOLDER")
            p.add_argument("--release", choices=("none", "due_date", "published"), default="none",
                           help="--class: which delayed checks (visibility after_due_date / after_published) the "
                                "students' feedback shows; hidden checks are never shown (default: none)")
            p.add_argument("--outputs", type=_class_outputs, default=tuple(CLASS_OUTPUTS), metavar="NAMES",
                           help=f"--class: the class-level outputs, comma-separated, from {','.join(CLASS_OUTPUTS)} "
                                "(default: all); each student's feedback files are always written")
        p.add_argument("--workers", type=int, default=0, help="--class: parallel submissions (default: cores)")
        p.add_argument("--engine", choices=("connect", "local"), default="connect",
                       help="--class: one warm Spark Connect server (default) or local Spark per submission")
        _add_spark_args(p)
        p.set_defaults(func=func)
        if name == "check":
            p.add_argument("--auto", action="store_true",
                           help="SUBMISSION is a handout folder: check the notebook or the module, whichever "
                                "differs from the handout's stub (the notebook when both or neither do)")
            p.add_argument("--summary", metavar="FILE", help="also append a markdown table of the results to "
                                                             "FILE (for example $GITHUB_STEP_SUMMARY)")
    p = sub.add_parser("build", help="build student handouts and Gradescope bundles into dist/")
    p.add_argument("assignments", nargs="*")
    p.add_argument("--out", default="dist")
    _add_spark_args(p)
    p.set_defaults(func=cmd_build)
    p = sub.add_parser("bench", help="warm batch vs cold process per submission, side by side")
    p.add_argument("assignment", nargs="?", help="one assignment (or --all)")
    p.add_argument("--all", action="store_true", help="every assignment, one after the other, and a summary table")
    p.add_argument("--n", type=int, default=0,
                   help="number of submissions (reference, stub, mutants, alternatives, cycled; default 30)")
    p.add_argument("--workers", type=int, default=0,
                   help="submissions at a time, the same both ways (default: as `grade --class`, one per core)")
    p.add_argument("--timings", action="store_true", help="also print where the reference's cold grading spent its time")
    p.add_argument("--cold-path", action="store_true",
                   help="instead: the reference graded cold with and without `sparkgrade prepare`, side by side")
    p.add_argument("--rounds", type=int, default=2, help="--cold-path: gradings of each kind (best is kept)")
    p.add_argument("--scales", help="instead: time grading the reference at these data scale factors, e.g. 1,10,100")
    _add_spark_args(p)
    p.set_defaults(func=cmd_bench)
    p = sub.add_parser("measure", help="grade the reference in cgroup boxes; record the smallest with full marks")
    p.add_argument("assignment")
    p.add_argument("--memory", help="box memory sizes to try, in MB (default 768,1024,1536,2048,3072,4096)")
    p.add_argument("--cpus", type=float, default=0.5, help="CPU quota of the boxes (default 0.5, Gradescope's)")
    p.add_argument("--timeout", type=float, default=600.0, help="time limit per grading (default 600 s)")
    p.add_argument("--dry-run", action="store_true", help="print the result without recording it")
    p.set_defaults(func=cmd_measure)
    p = sub.add_parser("prepare", help="prepare what every grading would otherwise redo: the class-data archive "
                                       "of the grading JVMs (setup.sh runs this once per installation)")
    p.set_defaults(func=cmd_prepare)
    p = sub.add_parser("new", help="write the skeleton of a new assignment from a data set (docs/authoring.md)")
    p.add_argument("slug", help="NN-name, e.g. 07-loans")
    p.add_argument("--module", required=True, help="the student's file, e.g. loans.py")
    p.add_argument("--dataset", required=True, help="a data set under datasets/ (its name, without .parquet)")
    p.add_argument("--label", required=True, help="the column to predict")
    p.add_argument("--positive", help="for a classification: the label value that counts as 1.0")
    p.add_argument("--from-otter", metavar="MASTER.ipynb",
                   help="take the single source and the questions from an otter-grader master notebook "
                        "(its solution regions; its tests are not taken: write the checks)")
    p.set_defaults(func=cmd_new)
    p = sub.add_parser("dataset", help="data sets under datasets/ (`sparkgrade dataset add FILE ...`)")
    dsub = p.add_subparsers(dest="dataset_command", required=True)
    p = dsub.add_parser("add", help="add a CSV, Parquet or JSON-lines file as a data set (checksums.json keeps the others)")
    p.add_argument("file")
    p.add_argument("--label", required=True, help="the label column")
    p.add_argument("--source", required=True, help="where the rows come from (a generated set: its script and seed)")
    p.add_argument("--license", required=True, help="the terms the rows are under")
    p.add_argument("--name", help="the data set's name (default: the file's name, snake_cased)")
    p.add_argument("--replace", action="store_true", help="replace an existing data set of that name")
    p.set_defaults(func=cmd_dataset_add)
    p = sub.add_parser("secret", help="write the secret seed of an assignment's drawn held-out rows (hidden/heldout.toml)")
    p.add_argument("assignment")
    p.set_defaults(func=cmd_secret)
    p = sub.add_parser("verify", help="grade every reference solution and stub (and mutants) and print a table")
    p.add_argument("assignments", nargs="*")
    p.add_argument("--mutants", action="store_true", help="also grade every mutant")
    p.add_argument("--record", action="store_true",
                   help="write the reference's held-out metric intervals (hidden/reference_metrics.json): a "
                        "submission beyond them is flagged for the instructor")
    p.add_argument("--question", action="append",
                   help="only this question's checks and tasks (repeatable): a fast loop while writing one")
    p.add_argument("--engine", choices=("connect", "local"), default="connect",
                   help="connect (default): grade the assignments that run on Spark Connect on one warm local "
                        "server, as a class run does; local: every submission in cold local Spark, as on Gradescope")
    _add_spark_args(p)
    p.set_defaults(func=cmd_verify)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SparkgradeError as exc:
        print(f"sparkgrade: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
