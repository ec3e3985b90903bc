"""The harness's prediction writer on real Spark: null vectors, values that are not numbers, and its own
failures raised as HarnessError (the grader's error, never the student's)."""

import pyarrow.parquet as pq
import pytest
from pyspark.ml.linalg import Vectors, VectorUDT
from pyspark.sql.types import DoubleType, LongType, StringType, StructField, StructType

from autograder.harness.artifacts import HarnessError, write_predictions

SCHEMA = StructType([StructField("id", LongType()), StructField("probability", VectorUDT()),
                     StructField("rawPrediction", VectorUDT()), StructField("prediction", StringType())])


def test_null_probabilities_become_null_arrays(spark, tmp_path):
    rows = [(2, None, None, None), (1, Vectors.dense([0.25, 0.75]), Vectors.sparse(2, [1], [3.0]), "1.0"),
            (3, Vectors.dense([1.0, 0.0]), None, "not a number")]
    write_predictions(spark.createDataFrame(rows, SCHEMA), tmp_path / "out", "id")
    table = pq.read_table(tmp_path / "out" / "part-00000.parquet").to_pylist()
    assert table == [{"id": 1, "prediction": 1.0, "probability": [0.25, 0.75], "rawPrediction": [0.0, 3.0]},
                     {"id": 2, "prediction": None, "probability": None, "rawPrediction": None},
                     {"id": 3, "prediction": None, "probability": [1.0, 0.0], "rawPrediction": None}]


def test_own_failure_is_a_harness_error_with_its_cause(spark, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the output folder's parent should be")
    df = spark.createDataFrame([(1, 0.0)], StructType([StructField("id", LongType()),
                                                       StructField("prediction", DoubleType())]))
    with pytest.raises(HarnessError, match=r"while writing .*part-00000.parquet: (FileExistsError|NotADirectoryError)"):
        write_predictions(df, blocker / "out", "id")


def test_every_numeric_and_vector_output_column_is_written_under_its_own_name(spark, tmp_path):
    schema = StructType([StructField("id", LongType()), StructField("name", StringType()),
                         StructField("is_bad", DoubleType()), StructField("p", VectorUDT())])
    write_predictions(spark.createDataFrame([(1, "x", 1.0, Vectors.dense([0.1, 0.9]))], schema), tmp_path / "o", "id")
    assert pq.read_table(tmp_path / "o" / "part-00000.parquet").to_pylist() == [
        {"id": 1, "is_bad": 1.0, "p": [0.1, 0.9]}]


def test_rows_are_ordered_by_id_nulls_first_and_ties_kept_in_partition_order(spark, tmp_path):
    schema = StructType([StructField("id", LongType()), StructField("prediction", DoubleType())])
    rows = [(5, 0.0), (None, 1.0), (2, 2.0), (5, 3.0), (None, 4.0), (1, 5.0), (2, 6.0)]
    write_predictions(spark.createDataFrame(rows, schema).repartition(1), tmp_path / "o", "id")
    got = [(r["id"], r["prediction"]) for r in pq.read_table(tmp_path / "o" / "part-00000.parquet").to_pylist()]
    assert got == [(None, 1.0), (None, 4.0), (1, 5.0), (2, 2.0), (2, 6.0), (5, 0.0), (5, 3.0)]
