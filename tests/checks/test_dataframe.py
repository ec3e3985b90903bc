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
