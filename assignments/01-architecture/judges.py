"""Assignment-specific public checks of assignment 01 (run by the grader on saved values)."""

from autograder.results import CheckResult


def session_facts(ctx, check):
    """The dict returned by session_facts() equals what the harness read from the same session, whose
    shuffle partitions the task changed at run time before the call."""
    saved = ctx.value(check.tasks[0])
    returned, truth = saved.get("returned"), saved["truth"]
    if not isinstance(returned, dict):
        return CheckResult.failed(f"session_facts() returned {returned!r}; expected a dict with keys "
                                  f"{', '.join(truth)}")
    if "set" in saved and truth.get("shuffle_partitions") != saved["set"]:      # read in the submission's process
        return CheckResult.failed(f"the session's shuffle partitions were set to {saved['set']} but read back as "
                                  f"{truth.get('shuffle_partitions')!r} while your code ran: leave the session's "
                                  "settings as they are")
    wrong = [f"{k}: {returned.get(k, '<missing>')!r} (expected {v!r})" for k, v in truth.items()
             if returned.get(k) != v or type(returned.get(k)) is not type(v)]
    if wrong and "set" in saved and returned.get("shuffle_partitions") != saved["set"]:
        wrong.append("the session's settings were changed at run time: read them from the session (spark.conf), "
                     "not from the launch configuration")
    if wrong:
        return CheckResult.failed("session_facts() differs from the session: " + "; ".join(wrong))
    return CheckResult.passed(f"all {len(truth)} facts match the session")


def partition_count(ctx, check):
    """repartition_by_key() returns every row in exactly the requested number of partitions."""
    saved = ctx.value(check.tasks[0])
    problems = []
    if saved["partitions"] != saved["expected_partitions"]:
        problems.append(f"the DataFrame has {saved['partitions']} partitions, expected {saved['expected_partitions']}")
    if saved["rows"] != saved["train_rows"]:
        problems.append(f"it has {saved['rows']} rows, the input {saved['train_rows']}")
    if problems:
        return CheckResult.failed("; ".join(problems))
    return CheckResult.passed(f"{saved['partitions']} partitions, all {saved['rows']} rows kept")
