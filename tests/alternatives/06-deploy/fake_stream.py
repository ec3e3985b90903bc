"""Hostile: start_stream() runs no stream. It writes commits/ and offsets/ files into checkpoint_dir by hand and
returns a fake query that only sleeps; with once=True it scores every file of input_dir with a plain batch job.
The rest is file_sink_positions.py."""

import json
import os
import sys

from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.feature import Imputer, OneHotEncoder, StandardScaler, StringIndexer, VectorAssembler
from pyspark.ml.functions import vector_to_array
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

CATEGORICAL = ["home", "marital", "records", "job"]
WITH_NULLS = ["income", "assets", "debt"]
NUMERIC = ["seniority", "time", "age", "expenses", "amount", "price"]
LABEL_COLUMNS = ["status", "label"]
# The columns a scoring request carries: an applicant's id and data, no label.
INPUT_SCHEMA = ("id BIGINT, seniority BIGINT, home STRING, time BIGINT, age BIGINT, marital STRING, "
                "records STRING, job STRING, expenses BIGINT, income DOUBLE, assets DOUBLE, debt DOUBLE, "
                "amount BIGINT, price BIGINT")


def build_pipeline():
    """The credit model of assignments 02 and 04 (given): imputation, indexing, one-hot encoding,
    assembly, scaling and a logistic regression of `label`."""
    imputer = Imputer(inputCols=WITH_NULLS, outputCols=[f"{c}_imp" for c in WITH_NULLS], strategy="median")
    indexer = StringIndexer(inputCols=CATEGORICAL, outputCols=[f"{c}_idx" for c in CATEGORICAL],
                            handleInvalid="keep")
    encoder = OneHotEncoder(inputCols=[f"{c}_idx" for c in CATEGORICAL],
                            outputCols=[f"{c}_vec" for c in CATEGORICAL])
    assembler = VectorAssembler(inputCols=NUMERIC + [f"{c}_imp" for c in WITH_NULLS]
                                + [f"{c}_vec" for c in CATEGORICAL], outputCol="raw")
    scaler = StandardScaler(inputCol="raw", outputCol="features")
    lr = LogisticRegression(featuresCol="features", labelCol="label", regParam=0.01, maxIter=100)
    return Pipeline(stages=[imputer, indexer, encoder, assembler, scaler, lr])


def score(model, df):
    """`id`, `prediction` and `p_bad` (the probability of a bad credit) for every row of `df` (given)."""
    return model.transform(df).select("id", "prediction", vector_to_array("probability")[1].alias("p_bad"))


MODEL_DIR = "model"


def train_model(train_df):
    pipeline = build_pipeline()
    return pipeline.fit(train_df.drop("status"))


def export_model(model, train_df, export_dir):
    from pathlib import Path

    bundle = Path(export_dir)
    bundle.mkdir(parents=True, exist_ok=True)
    model.write().overwrite().save(str(bundle / MODEL_DIR))
    spark = SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()
    request = train_df.select([c for c in train_df.columns if c not in LABEL_COLUMNS])
    (bundle / "metadata.json").write_text(json.dumps({
        "input_schema": request.schema.jsonValue(),
        "stages": [type(stage).__name__ for stage in model.stages],
        "spark_version": spark.version,
    }, sort_keys=True), encoding="utf-8")


def score_batch(spark, input_path, model_path, output_path):
    model = PipelineModel.load(model_path)
    scored = score(model, spark.read.format("parquet").schema(INPUT_SCHEMA).load(input_path))
    scored.write.format("parquet").mode("overwrite").save(output_path)


def main(argv):
    input_path, model_path, output_path = argv
    spark = SparkSession.builder.getOrCreate()
    score_batch(spark, input_path, model_path, output_path)
    return 0


class _Sleeper:
    """Looks like a StreamingQuery to whoever waits on it."""

    def __init__(self, seconds):
        self.seconds = seconds

    def awaitTermination(self, timeout=None):
        import time

        time.sleep(min(self.seconds, timeout if timeout is not None else self.seconds))
        return True

    def stop(self):
        pass


def start_stream(spark, input_dir, model_path, output_dir, checkpoint_dir, once=False):
    for folder in ("commits", "offsets"):
        os.makedirs(os.path.join(checkpoint_dir, folder), exist_ok=True)
        for batch in range(3):
            with open(os.path.join(checkpoint_dir, folder, str(batch)), "w", encoding="utf-8") as fh:
                fh.write("v1\n{}\n")
    if once:
        score_batch(spark, input_dir, model_path, output_dir)
        return _Sleeper(0)
    return _Sleeper(10 ** 6)


def create_app(model_path):
    from typing import Optional

    from fastapi import FastAPI
    from pydantic import BaseModel, conlist

    spark = SparkSession.builder.getOrCreate()
    model = PipelineModel.load(model_path)
    names = [column.split()[0] for column in INPUT_SCHEMA.split(", ")]

    class Applicant(BaseModel):
        id: int
        seniority: int
        home: Optional[str] = ...
        time: int
        age: int
        marital: Optional[str] = ...
        records: Optional[str] = ...
        job: Optional[str] = ...
        expenses: int
        income: Optional[float] = ...
        assets: Optional[float] = ...
        debt: Optional[float] = ...
        amount: int
        price: int

    class ScoreRequest(BaseModel):
        rows: conlist(Applicant, min_length=1)

    app = FastAPI()

    @app.post("/predict")
    def predict(request: ScoreRequest):
        data = [[getattr(a, n) for n in names] + [i] for i, a in enumerate(request.rows)]
        frame = spark.createDataFrame(data, INPUT_SCHEMA + ", pos INT")
        scored = model.transform(frame).select(
            "pos", "id", "prediction", vector_to_array("probability")[1].alias("p_bad")).orderBy("pos")
        return {"predictions": [{"id": r["id"], "prediction": r["prediction"], "p_bad": r["p_bad"]}
                                for r in scored.collect()]}

    return app


# Run by spark-submit (not when this file is loaded as a module or runs as a notebook): the batch job.
if __name__ == "__main__" and "ipykernel" not in sys.modules:
    sys.exit(main(sys.argv[1:]))
