"""Code that runs inside the sandboxed child processes (student phase and scoring phase).

Nothing written here is trusted by the grader as a verdict: children only leave artifacts (saved Spark
stages, Parquet predictions, small JSON outcomes) that the grader's checks judge afterwards.
"""
