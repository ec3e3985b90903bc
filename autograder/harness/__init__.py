"""The two child phases, both sides of each process boundary.

Child side (runs inside the sandboxed children, in the submission's interpreter): :mod:`.student`,
:mod:`.scorer`, :mod:`.child_runtime`, :mod:`.context`, :mod:`.processes`, :mod:`.entry`, and the
child half of :mod:`.sealing`. Grader side: :mod:`.student_phase`, :mod:`.scoring_phase` and the
:class:`~.sealing.TaskSequencer`. The contract between them is :mod:`.jobs` (what the grader asks) and
files in the formats of :mod:`.artifacts` (what the children leave).

Nothing written by a child is trusted by the grader as a verdict: children only leave artifacts (saved
Spark stages, Parquet predictions, small JSON outcomes) that the grader's checks judge afterwards.
"""
