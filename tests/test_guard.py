"""The shared server's guard (autograder.engine.guard): no code a client sends runs in the server's JVM.
A real client of the session's server tries every way in measured on Spark 4.3 (JDBC to the embedded
Derby included); each is refused, the class it shipped never runs, and ordinary SQL still works."""

import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from autograder.engine.javac import javac
from autograder.spark import session_ids, with_session

pytestmark = [pytest.mark.slow, pytest.mark.skipif(javac() is None, reason="no javac: class runs use local Spark")]

PLANTED = """
public class Planted implements org.apache.spark.sql.api.java.UDF1<Integer, Integer> {
    static {
        try {
            java.nio.file.Files.writeString(java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "PLANTED-RAN"), "ran");
        } catch (Exception e) { }
    }
    public Integer call(Integer x) { return x; }
}
"""

CLIENT = textwrap.dedent("""
    import json, sys
    from pyspark.sql import SparkSession
    url, jar = sys.argv[1], sys.argv[2]
    spark = SparkSession.builder.remote(url).getOrCreate()
    attempts = {
        "add jar": lambda: spark.sql(f"ADD JAR '{jar}'"),
        "add file": lambda: spark.sql(f"ADD FILE '{jar}'"),
        "create function": lambda: spark.sql("CREATE TEMPORARY FUNCTION planted AS 'Planted'"),
        "create function using jar": lambda: spark.sql(f"CREATE TEMPORARY FUNCTION p2 AS 'Planted' USING JAR '{jar}'"),
        "addArtifacts": lambda: spark.addArtifacts(jar),
        "registerJavaFunction": lambda: spark.udf.registerJavaFunction("planted3", "Planted"),
        "jdbc": lambda: spark.read.format("jdbc").option("url", "jdbc:derby:memory:guard;create=true")
                        .option("dbtable", "SYSIBM.SYSDUMMY1").load().collect(),
        "ordinary": lambda: spark.range(4).createOrReplaceTempView("v") or spark.sql("SELECT sum(id) AS s FROM v").collect(),
        "sql function": lambda: spark.sql("CREATE TEMPORARY FUNCTION plus1(x INT) RETURNS INT RETURN x + 1").collect(),
    }
    outcome = {}
    for name, attempt in attempts.items():
        try:
            attempt()
            outcome[name] = "allowed"
        except Exception as exc:
            outcome[name] = str(exc)[:300]
    print(json.dumps(outcome))
""")


def test_client_code_is_refused_counted_and_never_runs(connect_server, tmp_path):
    build = tmp_path / "build"
    build.mkdir()
    (build / "Planted.java").write_text(PLANTED)
    import pyspark

    jars = str(Path(pyspark.__file__).parent / "jars" / "*")
    subprocess.run([javac(), "-nowarn", "-cp", jars, "-d", str(build), str(build / "Planted.java")], check=True)
    folder = connect_server.work_root / "guard-test"         # a work folder: where a child would write its jar
    folder.mkdir(mode=0o755)
    jar = folder / "planted.jar"
    with zipfile.ZipFile(jar, "w") as out:
        out.write(build / "Planted.class", "Planted.class")
    jar.chmod(0o644)
    url = with_session(connect_server.url)
    connect_server.allow_sessions(session_ids(url, 0))
    before = len(connect_server.refusals())
    done = subprocess.run([sys.executable, "-c", CLIENT, url, str(jar)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    refused = ("add jar", "add file", "create function", "create function using jar", "addArtifacts",
               "registerJavaFunction")
    assert outcome["jdbc"] != "allowed", outcome    # no JDBC connection opens (Derby's SQL can run a jar)
    for name in refused:
        assert outcome[name] != "allowed", (name, outcome)
    for name in ("add jar", "create function", "addArtifacts"):
        assert "SPARKGRADE_REFUSED" in outcome[name], (name, outcome[name])
    assert outcome["ordinary"] == "allowed" and outcome["sql function"] == "allowed", outcome
    assert len(connect_server.refusals()) >= before + len(refused)      # each counted: the grading is redone locally
    assert not list((connect_server.workdir / "server").rglob("PLANTED-RAN"))
    assert connect_server.alive()


def test_a_session_the_grader_did_not_open_is_refused_and_counted(connect_server):
    """A child's extra session (a streaming query in it would outlive the child's grading) is refused; the
    grader's own session works."""
    code = ("import sys\nfrom pyspark.sql import SparkSession\n"
            "s = SparkSession.builder.remote(sys.argv[1]).getOrCreate()\nprint(s.range(3).count())\n")
    before = len(connect_server.refusals())
    foreign = subprocess.run([sys.executable, "-c", code, with_session(connect_server.url)], capture_output=True,
                             text=True, timeout=300)
    assert foreign.returncode != 0 and "SPARKGRADE_REFUSED" in foreign.stderr, foreign.stderr[-2000:]
    assert len(connect_server.refusals()) > before
    opened = with_session(connect_server.url)
    connect_server.allow_sessions(session_ids(opened, 0))
    own = subprocess.run([sys.executable, "-c", code, opened], capture_output=True, text=True, timeout=300)
    assert own.returncode == 0 and own.stdout.strip().endswith("3"), own.stderr[-2000:]
    assert connect_server.responsive()


FILES_CLIENT = textwrap.dedent("""
    import json, sys
    from pyspark.sql import SparkSession
    url, folder = sys.argv[1], sys.argv[2]
    spark = SparkSession.builder.remote(url).getOrCreate()

    def stream_outside():
        query = (spark.readStream.format("rate").load().writeStream.format("noop")
                 .option("checkpointLocation", "/tmp/sparkgrade-guard-checkpoint").start())
        try:
            query.awaitTermination(60)
        finally:
            query.stop()
        return query.exception()

    def ordinary():
        spark.range(5).write.mode("overwrite").parquet(folder + "/out")
        from pyspark.ml.feature import StringIndexer
        from pyspark.ml import Pipeline, PipelineModel
        df = spark.createDataFrame([("a",), ("b",)], ["c"])
        Pipeline(stages=[StringIndexer(inputCol="c", outputCol="i")]).fit(df).write().overwrite().save(folder + "/m")
        PipelineModel.load(folder + "/m").transform(df).collect()
        spark.range(3).createOrReplaceTempView("kept")
        return spark.read.parquet(folder + "/out").count() + spark.table("kept").count()

    attempts = {
        "ordinary": ordinary,
        "server log": lambda: spark.read.text("/proc/self/fd/1").collect(),
        "server log's schema": lambda: spark.read.parquet("/proc/self/fd/1").schema,    # AnalyzePlan: a unary call
        "fd listing": lambda: spark.read.format("binaryFile").load("/proc/self/fd").select("path").collect(),
        "link in own folder": lambda: spark.read.text(folder + "/link/status").collect(),
        "outside file": lambda: spark.read.text("/etc/hostname").collect(),
        "write outside": lambda: spark.range(1).write.mode("overwrite").parquet("/tmp/sparkgrade-guard-out"),
        "conf set": lambda: spark.conf.set("fs.file.impl.disable.cache", "true"),
        "spark.hadoop conf set": lambda: spark.conf.set("spark.hadoop.fs.file.impl", "org.apache.hadoop.fs.RawLocalFileSystem"),
        "reader option": lambda: spark.read.option("fs.file.impl", "org.apache.hadoop.fs.RawLocalFileSystem")
                                  .option("fs.file.impl.disable.cache", "true").text(folder + "/out").collect(),
        "sql set": lambda: spark.sql("SET fs.file.impl.disable.cache=true").collect(),
        "sql options": lambda: spark.sql("CREATE TEMPORARY VIEW t USING text OPTIONS "
                                         f"(path '{folder}/out', 'fs.file.impl.disable.cache' 'true')").collect(),
        "table": lambda: spark.range(3).write.saveAsTable("shared"),
        "sql table": lambda: spark.sql("CREATE TABLE t2 (x INT) USING parquet").collect(),
        "global view": lambda: spark.range(3).createGlobalTempView("everyone"),
        "database": lambda: spark.sql("CREATE DATABASE other").collect(),
        "stream checkpoint outside": stream_outside,
        "catalog plug-in": lambda: spark.conf.set("spark.sql.catalog.mine", "org.apache.spark.sql.execution."
                                                  "datasources.v2.jdbc.JDBCTableCatalog") or spark.range(1).collect(),
    }
    outcome = {}
    for name, attempt in attempts.items():
        try:
            value = attempt()
            outcome[name] = "allowed" if value is None or name == "ordinary" else f"allowed: {value}"
        except Exception as exc:
            outcome[name] = str(exc)[:400]
    print(json.dumps(outcome))
""")


def test_files_outside_the_work_root_and_file_system_keys_are_refused(connect_server):
    """The server's file systems reach only its work root: its own /proc (log, open files naming other
    students' folders), a link a child made, any other folder, and a streaming checkpoint elsewhere are
    refused; so is every way of setting a Hadoop fs.* key, and anything every session would share (tables,
    databases, global views). Each refusal is counted for the session that asked, not for a classmate's.
    Models, temporary views and files in the student's own folder work."""
    folder = connect_server.work_root / "files-test"
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)
    (folder / "link").symlink_to("/proc/self")
    url = with_session(connect_server.url)
    connect_server.allow_sessions(session_ids(url, 0))
    before = len(connect_server.refusals())
    done = subprocess.run([sys.executable, "-c", FILES_CLIENT, url, str(folder)], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome.pop("ordinary") == "allowed", outcome
    stream = outcome.pop("stream checkpoint outside")
    assert stream != "allowed" and "SPARKGRADE_REFUSED" in stream, stream
    link = outcome.pop("link in own folder")      # the server's mount follows no link (Linux 5.10+), else refused
    assert "SPARKGRADE_REFUSED" in link or "symbolic links" in link, link
    for name, result in outcome.items():
        assert "SPARKGRADE_REFUSED" in result, (name, result)
    assert len(connect_server.refusals()) >= before + len(outcome)
    assert len(connect_server.refusals(session_ids(url, 0))) >= len(outcome)      # counted for this session
    assert len(connect_server.refusals(["a-classmate"])) < len(outcome)             # not for another one
    assert not Path("/tmp/sparkgrade-guard-out").exists()
    assert connect_server.responsive()
