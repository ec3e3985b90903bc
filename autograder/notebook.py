"""The grader of a handout notebook: ``grader = Notebook("02-pipelines", "pipelines.ipynb")``.

- ``grader.check("q2")``: the public checks of one question on the objects in this kernel (the functions
  and classes you defined, your ``spark`` session), in a second or two; no need to save or re-run the
  notebook (see :mod:`autograder.live`).
- ``grader.check_all()``: every public check the same way; ``check_all(fresh=True)`` runs them on the
  notebook as last saved, in fresh processes, exactly as the autograder does.
- ``grader.export()``: that fresh-process check of the saved notebook, then the zip to submit.

The same API as otter-grader's ``Notebook`` (``check``, ``check_all``, ``export``), so students and TAs
who know otter find their way; results display as a table (HTML in Jupyter, text in a terminal).
"""

from __future__ import annotations

import datetime as dt
import html
import sys
import tempfile
import zipfile
from pathlib import Path

from autograder.errors import SparkgradeError
from autograder.live import check_live
from autograder.live.fresh import Standbys
from autograder.live.memo import TaskMemo
from autograder.registry import HANDOUT_DIR, load_assignment
from autograder.results import GradeReport, Status
from autograder.runner import Grader
from autograder.spark import build_session
from autograder.writers import console

COLOURS = {Status.PASSED: "#1a7f37", Status.FAILED: "#cf222e", Status.ERROR: "#9a6700"}


class Results:
    """A report as the notebook shows it: an HTML table in Jupyter, a text table elsewhere."""

    def __init__(self, report: GradeReport, title: str = "", footer: str = ""):
        self.report, self.title, self.footer = report, title, footer

    @property
    def passed(self) -> bool:
        return all(c.status is Status.PASSED for c in self.report.checks)

    @property
    def score(self) -> float:
        return self.report.score

    def __repr__(self) -> str:
        text = console.render(self.report, width=110)
        return "\n".join(filter(None, [self.title, text.rstrip(), self.footer]))

    def _repr_html_(self) -> str:
        r = self.report
        rows = []
        for c in r.checks:
            message = html.escape(c.message)
            if c.hint and c.status is not Status.PASSED:
                message += f"<br><i>hint: {html.escape(c.hint)}</i>"
            rows.append(f"<tr><td style='text-align:left'><code>{html.escape(c.name)}</code></td>"
                        f"<td style='text-align:left;color:{COLOURS[c.status]};font-weight:bold'>{c.status.value}</td>"
                        f"<td>{c.score:g}/{c.max_score:g}</td><td style='text-align:left'>{message}</td></tr>")
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in r.notes)
        title = f"<p>{html.escape(self.title)}</p>" if self.title else ""
        footer = f"<p>{html.escape(self.footer)}</p>" if self.footer else ""
        return (f"{title}<table><thead><tr><th>check</th><th>status</th><th>score</th><th>message</th></tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table>"
                + (f"<ul>{notes}</ul>" if notes else "")
                + f"<p><b>total: {r.score:g}/{r.max_score:g}</b> in {r.seconds:.1f} s</p>{footer}")


def _caller_namespace(depth: int = 2) -> dict:
    """The globals of the code that called the grader: in Jupyter, the kernel's namespace."""
    try:
        from IPython import get_ipython

        ip = get_ipython()
        if ip is not None:
            return ip.user_ns
    except ImportError:
        pass
    return sys._getframe(depth).f_globals


def _session(namespace: dict):
    spark = namespace.get("spark")
    if spark is not None and hasattr(spark, "createDataFrame"):
        return spark

    return build_session()


def quiet_session(log: str | Path | None = None):
    """The notebook's Spark session, started with the JVM's own output (log4j, launcher warnings) sent to a
    log file instead of the notebook, and Spark's log level set to ERROR."""
    import os
    import tempfile

    log = Path(log) if log else Path(tempfile.gettempdir()) / "sparkgrade-spark.log"
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(log, "ab") as fh:
            os.dup2(fh.fileno(), 2)         # the JVM inherits this stderr for good
            spark = build_session()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
    if not type(spark).__module__.startswith("pyspark.sql.connect"):    # a Connect client has no SparkContext
        spark.sparkContext.setLogLevel("ERROR")
    return spark


class Notebook:
    """The checker of one handout notebook (``Notebook("02-pipelines", "pipelines.ipynb")``)."""

    def __init__(self, assignment: str, path: str | Path, standby: bool = True, memo: bool = True):
        self.assignment = assignment
        self.path = Path(path)
        # Tasks whose inputs (the code they run, the data, the session) did not change since an earlier
        # check are not run again (``memo``): re-checking one question re-runs only what was edited.
        self._memo = TaskMemo(Path(tempfile.mkdtemp(prefix="sparkgrade-memo-"))) if memo else None
        # A fresh scoring process kept ready while the student works (``standby``): a persistence check then
        # only loads and predicts, its interpreter and JVM already up. Without it, one starts per check.
        self._standbys = Standbys(Path(tempfile.mkdtemp(prefix="sparkgrade-standby-"))) if standby else None
        if self._standbys is not None:
            self._standbys.start()

    def _spec(self):
        return load_assignment(self.assignment)

    def _live(self, questions: tuple[str, ...], namespace: dict | None) -> Results:
        namespace = namespace if namespace is not None else _caller_namespace(3)
        report = check_live(self._spec(), namespace, _session(namespace), questions, standbys=self._standbys,
                            memo=self._memo)
        return Results(report, footer="Checked on the functions as defined in this kernel (run a cell again after "
                                      "editing it). Before you submit: grader.export() checks the saved notebook "
                                      "exactly as the autograder does.")

    def _fresh(self, questions: tuple[str, ...] = ()) -> Results:
        if not self.path.is_file():
            raise FileNotFoundError(f"{self.path}: no such file; run the checks from the notebook's own folder")
        saved = dt.datetime.fromtimestamp(self.path.stat().st_mtime).strftime("%H:%M:%S")
        print(f"Checking {self.path.name} as last saved at {saved}, in fresh processes (save it first) ...",
              flush=True)
        report = Grader().grade(self._spec(), self.path, public_only=True, questions=questions)
        return Results(report, title=f"{self.path.name} as saved at {saved}, graded in fresh processes")

    def check(self, question: str, namespace: dict | None = None) -> Results:
        """The public checks of one question on the objects defined in this kernel."""
        return self._live((question,), namespace)

    def check_all(self, fresh: bool = False, namespace: dict | None = None) -> Results:
        """Every public check: on this kernel's objects, or (``fresh=True``) on the saved notebook in fresh
        processes, exactly as the autograder runs it."""
        return self._fresh() if fresh else self._live((), namespace)

    def export(self, out: str | Path | None = None) -> Results:
        """Check the saved notebook in fresh processes as the autograder does, then write the zip to submit
        (``<name>.zip`` beside it). Save the notebook first (Ctrl-S): this uses the saved file."""
        results = self._fresh()
        target = Path(out) if out else self.path.with_suffix(".zip")
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(self.path, self.path.name)
        results.footer = (f"Wrote {target} ({self.path.name} as saved): upload it (or {self.path.name}) to the "
                          f"assignment. Hidden checks run after you submit.")
        return results


def handout_of(path: str | Path) -> tuple[Path, str] | None:
    """(the handout's ``.sparkgrade`` folder, its assignment's slug) for a file or folder inside an unzipped
    handout (at any depth), or None outside one."""
    here = Path(path).resolve()
    for folder in (here if here.is_dir() else here.parent, *here.parents):
        found = sorted((folder / HANDOUT_DIR).glob("assignments/*/assignment.toml"))
        if len(found) == 1:
            return folder / HANDOUT_DIR, found[0].parent.name
    return None


def locate_check(assignment: str | None, submission: str | None) -> tuple[str, str, Path | None]:
    """What ``sparkgrade check [ASSIGNMENT] FILE`` checks, from any folder: (assignment, submission, the
    handout's ``.sparkgrade`` folder to grade with, if the file is in a handout). With one argument it is
    the file, and the assignment is the one of the handout the file is in."""
    if submission is None:
        if assignment is None:
            raise SparkgradeError("name the file to check, for example: sparkgrade check pipelines.ipynb")
        assignment, submission = None, assignment
    if not Path(submission).exists():
        raise SparkgradeError(f"{submission}: no such file")
    handout = handout_of(submission)
    if assignment is None:
        if handout is None:
            raise SparkgradeError(f"{submission} is not inside an unzipped handout (no .sparkgrade folder above it); "
                                  "name the assignment too, for example: sparkgrade check 02-pipelines "
                                  f"{submission}")
        assignment = handout[1]
    return assignment, submission, handout[0] if handout else None


__all__ = ["Notebook", "Results", "handout_of", "locate_check", "quiet_session"]
