from autograder.checks.dataframe import close_enough, type_name, vector_values


def test_vector_values_dense_and_sparse():
    assert vector_values({"type": 1, "size": None, "indices": None, "values": [1.0, 2.0]}) == [1.0, 2.0]
    assert vector_values({"type": 0, "size": 4, "indices": [1, 3], "values": [5.0, 6.0]}) == [0.0, 5.0, 0.0, 6.0]


def test_close_enough():
    assert close_enough(1.0 + 1e-12, 1.0, 1e-9)
    assert not close_enough(1.1, 1.0, 1e-9)
    assert close_enough(None, float("nan"), 1e-9)
    assert not close_enough(0.0, float("nan"), 1e-9)
    assert close_enough([1.0, 2.0], [1.0, 2.0], 0)
    assert not close_enough([1.0], [1.0, 2.0], 0)


def test_type_names():
    assert type_name("double") == "double"
    assert type_name({"type": "udt", "class": "org.apache.spark.ml.linalg.VectorUDT"}) == "vector"
    assert type_name({"type": "array", "elementType": "string"}) == "array<string>"


def test_holds_nan_inside_vectors_and_numbers_but_not_in_words():
    from autograder.checks.dataframe import holds_nan

    assert holds_nan(float("nan"))
    assert holds_nan({"type": 1, "size": None, "indices": None, "values": [1.0, float("nan")]})
    assert holds_nan({"type": 0, "size": 3, "indices": [2], "values": [float("nan")]})
    assert not holds_nan({"type": 0, "size": 3, "indices": [1], "values": [2.0]})
    assert not holds_nan(["nan", "ford"])          # a word is not a number
    assert not holds_nan(None) and not holds_nan(3)


def test_strict_nulls_tell_a_null_from_nan(tmp_path):
    """An expected null matches a null or NaN, unless the prompt asks for null (``strict_nulls``): pandas
    reads both as NaN, so the grader reads the saved rows with Arrow, which keeps them apart."""
    from dataclasses import replace

    import pyarrow as pa
    import pyarrow.parquet as pq

    from autograder.checks.context import JudgeContext
    from autograder.checks.fixtures import judge_rows
    from autograder.data import PreparedData
    from autograder.registry import load_assignment
    from autograder.results import Status

    spec = load_assignment("02-pipelines")
    ctx = JudgeContext(spec=spec, artifacts=tmp_path / "artifacts", scores=tmp_path / "scores",
                       data=PreparedData(tmp_path / "data"), spark_factory=lambda: None)
    check = replace(spec.checks[0], tasks=("ratio",))
    expected = [{"id": 1, "r": 2.0}, {"id": 2, "r": None}]
    for name, second in (("null", None), ("nan", float("nan"))):
        folder = ctx.task_dir("ratio") / "data"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table({"id": [1, 2], "r": pa.array([2.0, second], pa.float64())}), folder / "part.parquet")
        lenient = judge_rows(ctx, check, expected)
        strict = judge_rows(ctx, check, expected, strict_nulls=True)
        assert lenient.status is Status.PASSED, (name, lenient.message)
        assert strict.status is (Status.PASSED if name == "null" else Status.FAILED), (name, strict.message)
    assert strict.message == "for id=2, 'r' is NaN; expected null"
