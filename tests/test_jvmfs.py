"""Hadoop's local file system without a forked chmod: built with javac, same permissions, no processes."""

import os
import stat
import subprocess
import sys
import textwrap

import pytest

from autograder.engine.server import spark_home
from autograder.engine.javac import javac
from autograder.engine.localfs import FS_CLASS, local_fs_jar

needs_javac = pytest.mark.skipif(javac() is None, reason="no javac: the server keeps Hadoop's file system")


@needs_javac
def test_the_jar_is_built_once_per_source(tmp_path):
    jar = local_fs_jar(tmp_path, spark_home())
    assert jar is not None and jar.is_file()
    built = jar.stat().st_mtime_ns
    assert local_fs_jar(tmp_path, spark_home()) == jar and jar.stat().st_mtime_ns == built


def _save_a_model(tmp_path, conf: dict) -> tuple[list[str], int]:
    """Fit and save a small PipelineModel with local Spark, PATH's chmod replaced by a recorder; returns
    the recorded chmod calls and the mode of a folder Spark created."""
    bin_dir, log = tmp_path / "bin", tmp_path / "chmod.log"
    bin_dir.mkdir(parents=True)
    (bin_dir / "chmod").write_text(f'#!/bin/sh\necho "$@" >> {log}\nexec /bin/chmod "$@"\n')
    (bin_dir / "chmod").chmod(0o755)
    model = tmp_path / "model"
    script = textwrap.dedent(f"""
        from pyspark.ml import Pipeline
        from pyspark.ml.feature import StandardScaler, VectorAssembler
        from pyspark.ml.pipeline import PipelineModel
        from autograder.spark import SparkOptions, build_session
        spark = build_session(SparkOptions(conf={conf!r}))
        df = spark.range(20).selectExpr("cast(id as double) as x")
        stages = [VectorAssembler(inputCols=["x"], outputCol="v"), StandardScaler(inputCol="v", outputCol="s")]
        Pipeline(stages=stages).fit(df).write().save({str(model)!r})
        assert PipelineModel.load({str(model)!r}).transform(df).count() == 20
        """)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True, timeout=300,
                   cwd=tmp_path)
    calls = log.read_text().splitlines() if log.exists() else []
    return calls, stat.S_IMODE((model / "stages").stat().st_mode)


@pytest.mark.slow
@needs_javac
def test_saving_a_model_forks_no_chmod_and_sets_the_same_permissions(tmp_path):
    jar = local_fs_jar(tmp_path / "cache", spark_home())
    hadoop_calls, hadoop_mode = _save_a_model(tmp_path / "hadoop", {})
    calls, mode = _save_a_model(tmp_path / "nio", {"spark.driver.extraClassPath": str(jar),
                                                    "spark.hadoop.fs.file.impl": FS_CLASS})
    assert len(hadoop_calls) > 10, "Hadoop's own file system should fork chmod for each folder"
    assert calls == []
    assert mode == hadoop_mode
