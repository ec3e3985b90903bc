"""The instructor's authoring commands of ``sparkgrade``: ``new`` (a new assignment's skeleton, or one
from an otter master notebook), ``dataset add`` (a data set stored as the shipped ones are) and ``secret``
(the held-out rows' seed). :mod:`autograder.cli` parses the arguments; the heavy modules (pandas) are
imported by the command that runs."""

from __future__ import annotations

from pathlib import Path

from autograder.registry import load_assignment, project_root


def cmd_new(args) -> int:
    from autograder.scaffold import create, create_from_otter, plan

    root = project_root()
    data = plan(args.dataset, args.label, args.positive)
    if args.from_otter:
        written, master = create_from_otter(root, args.slug, args.module, data, Path(args.from_otter))
        for q in master.questions:
            print(f"question {q.name}: {q.title!r}, functions {', '.join(q.functions) or 'none'}"
                  + (f"; {q.tests} otter test cell(s) not imported: write its checks" if q.tests else ""))
        for what in master.left_out:
            print(f"left out: {what}")
    else:
        written = create(root, args.slug, args.module, data)
    for path in written:
        print(f"wrote {path.relative_to(root)}")
    print(f"next: fill in the TODOs (`sparkgrade validate {args.slug}` lists them), then "
          f"`sparkgrade verify {args.slug} --mutants --record`; see docs/authoring.md")
    return 0


def cmd_dataset_add(args) -> int:
    from autograder.dataset_add import add

    added = add(Path(args.file), args.label, args.source, args.license, name=args.name, replace=args.replace)
    print(f"wrote {added.path} ({added.rows} rows x {added.columns} columns, {added.missing} missing cells; "
          f"label `{added.label}`: {added.balance}) and its entry in checksums.json")
    print("add this row to the table in datasets/README.md:")
    print(added.readme_row(args.source, args.license))
    print(f"next: {added.next_command()}")
    return 0


def cmd_secret(args) -> int:
    from autograder.heldout import write_seed

    path = write_seed(load_assignment(args.assignment).path)
    print(f"wrote {path}: the secret seed of the held-out rows (ships only in the Gradescope bundle); "
          f"next: `sparkgrade verify {args.assignment} --record`, then set the thresholds from the values it prints")
    return 0
