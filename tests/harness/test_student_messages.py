"""The student child's failure messages: what a task's exception becomes in the report."""

from autograder.harness.child_runtime import LARGE_DATA_ADVICE, jvm_broken
from autograder.harness.student import _student_frames


class Py4JJavaError(Exception):
    """Shaped like py4j's: its text is fetched from the JVM, and that call fails when the JVM is out of
    memory (the driver then cannot report why the collect failed)."""

    errmsg = "An error occurred while calling o52.collectToPython.\n"

    def __str__(self):
        raise ConnectionError("Answer from Java side is empty")


def raise_in(path: str, exc: BaseException) -> BaseException:
    code = compile("def add_ratio(exc):\n    raise exc\n", path, "exec")
    scope: dict = {}
    exec(code, scope)
    try:
        scope["add_ratio"](exc)
    except BaseException as caught:  # noqa: BLE001
        return caught
    raise AssertionError("not raised")


def test_a_java_error_the_driver_cannot_report_names_the_call_the_cause_and_the_advice():
    exc = raise_in("/work/home/submission.py", Py4JJavaError())
    message = _student_frames(exc, "/work/home/submission.py")
    assert message.startswith("Py4JJavaError: An error occurred while calling o52.collectToPython.")
    assert "could not report its error" in message and "out of memory" in message
    assert LARGE_DATA_ADVICE in message
    assert "(at /work/home/submission.py line 2" in message
    assert jvm_broken(message)            # so the child checks the driver and restarts it if it died


def test_a_readable_java_error_keeps_its_java_line():
    class Readable(Exception):
        def __str__(self):
            return ("An error occurred while calling o7.fit.\n: java.lang.OutOfMemoryError: Java heap space\n"
                    "\tat org.apache.spark.Foo")

    message = _student_frames(raise_in("/s.py", Readable()), "/s.py")
    assert "java.lang.OutOfMemoryError: Java heap space" in message
    assert "ran out of its memory limit" in message


def test_an_ordinary_error_is_not_taken_for_a_broken_driver():
    message = _student_frames(raise_in("/s.py", ValueError("no column named r")), "/s.py")
    assert message.startswith("ValueError: no column named r")
    assert not jvm_broken(message)
