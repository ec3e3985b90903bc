"""The clients' shortcuts for saved stages' metadata agree with Spark: what they read is what Spark reads
from folders Spark wrote, what they write Spark reads back, and they step aside (Spark does it, with its
own errors) whenever the folder is not plainly one small text file on this machine."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from autograder.engine.shared_files import local_path, read_metadata_file, read_metadata_locally, write_metadata_file, \
    write_metadata_locally


@pytest.fixture(scope="module")
def saved(spark, tmp_path_factory) -> Path:
    """A fitted pipeline saved by Spark: a JVM stage and a pure-Python stage (DefaultParamsWriter)."""
    from pyspark.ml import Pipeline
    from pyspark.ml.feature import SQLTransformer, VectorAssembler

    df = spark.createDataFrame([(1.0, 2.0), (3.0, 4.0)], ["a", "b"])
    model = Pipeline(stages=[SQLTransformer(statement="SELECT *, a * b AS ab FROM __THIS__"),
                             VectorAssembler(inputCols=["a", "ab"], outputCol="features")]).fit(df)
    path = tmp_path_factory.mktemp("shared") / "model"
    model.write().save(str(path))
    return path


def spark_metadata(spark, path: Path) -> str:
    return spark.read.text(str(path / "metadata")).first()[0]


def stage_folders(path: Path) -> list[Path]:
    return sorted((path / "stages").iterdir())


def test_reads_what_spark_reads_for_the_pipeline_and_each_stage(spark, saved):
    for folder in [saved, *stage_folders(saved)]:
        assert read_metadata_file(str(folder)) == spark_metadata(spark, folder)
        assert read_metadata_file("file:" + str(folder)) == spark_metadata(spark, folder)


def test_steps_aside_for_other_file_systems_relative_paths_and_missing_folders(saved, tmp_path):
    assert local_path("hdfs://namenode/models/m") is None
    assert local_path("models/m") is None
    assert read_metadata_file("s3a://bucket/models/m") is None
    assert read_metadata_file("model") is None
    assert read_metadata_file(str(tmp_path / "missing")) is None


def test_steps_aside_for_several_compressed_or_empty_files(saved, tmp_path):
    text = (saved / "metadata")
    part = next(p for p in text.iterdir() if p.name.startswith("part-"))
    several = tmp_path / "several" / "metadata"
    several.mkdir(parents=True)
    (several / part.name).write_bytes(part.read_bytes())
    (several / "part-00001").write_bytes(part.read_bytes())
    assert read_metadata_file(str(several.parent)) is None
    packed = tmp_path / "packed" / "metadata"
    packed.mkdir(parents=True)
    (packed / "part-00000.gz").write_bytes(gzip.compress(part.read_bytes()))
    assert read_metadata_file(str(packed.parent)) is None
    empty = tmp_path / "empty" / "metadata"
    empty.mkdir(parents=True)
    (empty / "part-00000").write_bytes(b"")
    assert read_metadata_file(str(empty.parent)) is None


def test_the_patched_reader_loads_the_same_metadata_and_raises_the_same_error(spark, saved, tmp_path, monkeypatch):
    from pyspark.errors import AnalysisException
    from pyspark.ml.pipeline import PipelineModel
    from pyspark.ml.util import DefaultParamsReader

    before = {str(f): DefaultParamsReader.loadMetadata(str(f), spark) for f in [saved, *stage_folders(saved)]}
    monkeypatch.setattr(DefaultParamsReader, "loadMetadata", DefaultParamsReader.loadMetadata)
    read_metadata_locally()
    read_metadata_locally()                     # a second call does not wrap the reader twice
    assert getattr(DefaultParamsReader.loadMetadata, "reads_locally", False)
    assert {f: DefaultParamsReader.loadMetadata(f, spark) for f in before} == before
    df = spark.createDataFrame([(1.0, 2.0)], ["a", "b"])
    assert PipelineModel.load(str(saved)).transform(df).collect() == \
        PipelineModel.read().load(str(saved)).transform(df).collect()
    with pytest.raises(AnalysisException, match="PATH_NOT_FOUND"):
        DefaultParamsReader.loadMetadata(str(tmp_path / "missing"), spark)


def data_files(folder: Path) -> list[str]:
    """A folder's listing without Hadoop's checksum files, part names reduced to their shape."""
    return sorted("part-*.txt" if f.name.startswith("part-") else f.name for f in folder.iterdir()
                  if not f.name.endswith(".crc"))


def test_writes_the_files_spark_writes_and_spark_reads_them_back(spark, tmp_path):
    line = '{"class":"x.Y","uid":"Y_1","paramMap":{"a":"\u00e9"}}'
    spark.createDataFrame([(line,)], schema=["value"]).coalesce(1).write.text(str(tmp_path / "by_spark" / "metadata"))
    assert write_metadata_file(str(tmp_path / "by_client"), line)
    assert data_files(tmp_path / "by_client" / "metadata") == data_files(tmp_path / "by_spark" / "metadata")
    assert spark_metadata(spark, tmp_path / "by_client") == line == read_metadata_file(str(tmp_path / "by_client"))


def test_the_writer_leaves_existing_and_foreign_folders_to_spark(tmp_path):
    (tmp_path / "taken" / "metadata").mkdir(parents=True)
    assert not write_metadata_file(str(tmp_path / "taken"), "{}")
    assert list((tmp_path / "taken" / "metadata").iterdir()) == []
    assert not write_metadata_file("hdfs://namenode/m", "{}")
    assert not write_metadata_file("relative/m", "{}")


def test_a_python_stage_saved_with_the_shortcut_loads_as_before(spark, tmp_path, monkeypatch):
    from pyspark.errors import AnalysisException
    from pyspark.ml.feature import SQLTransformer
    from pyspark.ml.util import DefaultParamsWriter

    stage = SQLTransformer(statement="SELECT * FROM __THIS__")
    monkeypatch.setattr(DefaultParamsWriter, "saveMetadata", DefaultParamsWriter.saveMetadata)
    write_metadata_locally()
    write_metadata_locally()                    # a second call does not wrap the writer twice
    target = tmp_path / "stage"
    DefaultParamsWriter.saveMetadata(stage, str(target), spark)
    assert data_files(target / "metadata") == ["_SUCCESS", "part-*.txt"]
    meta = load_metadata(spark, target)
    assert meta["uid"] == stage.uid and meta["class"].endswith("SQLTransformer")
    with pytest.raises(AnalysisException, match="PATH_ALREADY_EXISTS"):
        DefaultParamsWriter.saveMetadata(stage, str(target), spark)


def load_metadata(spark, path: Path) -> dict:
    from pyspark.ml.util import DefaultParamsReader

    return DefaultParamsReader.loadMetadata(str(path), spark)
