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
