"""Assignment 06, written from the prompt: the stream writes each micro-batch itself (foreachBatch) into a
folder named by its batch id, replaced whole when a batch runs again after a crash, so a replayed batch
cannot add rows; the service is declared with pydantic models of its own."""

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


def train_model(train_df):
    return build_pipeline().fit(train_df)


def export_model(model, train_df, export_dir):
    os.makedirs(export_dir, exist_ok=True)
    model.write().overwrite().save(os.path.join(export_dir, "model"))
    kept = [field for field in train_df.schema.fields if field.name not in LABEL_COLUMNS]
    metadata = {
        "spark_version": train_df.sparkSession.version,
        "stages": [stage.__class__.__name__ for stage in model.stages],
        "input_schema": {"type": "struct", "fields": [field.jsonValue() for field in kept]},
    }
    with open(os.path.join(export_dir, "metadata.json"), "w", encoding="utf-8") as fh:
        json.dump(metadata, fh, indent=2)


def score_batch(spark, input_path, model_path, output_path):
    rows = spark.read.schema(INPUT_SCHEMA).parquet(input_path)
    scored = score(PipelineModel.load(model_path), rows)
    scored.write.mode("overwrite").parquet(output_path)


def main(argv):
    if len(argv) != 3:
        print("usage: deploy.py <input_path> <model_path> <output_path>", file=sys.stderr)
        return 2
    score_batch(SparkSession.builder.getOrCreate(), *argv)
    return 0


def start_stream(spark, input_dir, model_path, output_dir, checkpoint_dir, once=False):
    model = PipelineModel.load(model_path)

    def write_batch(batch, batch_id):
        # One folder per micro-batch, replaced whole: a batch run again after a crash rewrites its own folder.
        score(model, batch).write.mode("overwrite").parquet(os.path.join(output_dir, f"batch={batch_id}"))

    stream = (spark.readStream.schema(INPUT_SCHEMA).option("maxFilesPerTrigger", 1).parquet(input_dir)
              .writeStream.foreachBatch(write_batch).option("checkpointLocation", checkpoint_dir))
    stream = stream.trigger(availableNow=True) if once else stream.trigger(processingTime="1 second")
    return stream.start()


def create_app(model_path):
    from typing import List, Optional

    from fastapi import FastAPI
    from pydantic import BaseModel, Field

    class Applicant(BaseModel):
        id: int
        seniority: int
        home: Optional[str]
        time: int
        age: int
        marital: Optional[str]
        records: Optional[str]
        job: Optional[str]
        expenses: int
        income: Optional[float]
        assets: Optional[float]
        debt: Optional[float]
        amount: int
        price: int

    class Batch(BaseModel):
        rows: List[Applicant] = Field(min_length=1)

    spark = SparkSession.builder.getOrCreate()
    model = PipelineModel.load(model_path)
    columns = [part.strip().split(" ")[0] for part in INPUT_SCHEMA.split(",")]
    app = FastAPI(title="credit scoring")

    @app.post("/predict")
    def predict(batch: Batch):
        records = [tuple(getattr(row, c) for c in columns) for row in batch.rows]
        frame = spark.createDataFrame(records, INPUT_SCHEMA)
        by_id = {r["id"]: r for r in score(model, frame).collect()}
        return {"predictions": [{"id": row.id, "prediction": float(by_id[row.id]["prediction"]),
                                 "p_bad": float(by_id[row.id]["p_bad"])} for row in batch.rows]}

    return app


# Run by spark-submit (not when this file is loaded as a module or runs as a notebook): the batch job.
if __name__ == "__main__" and "ipykernel" not in sys.modules:
    sys.exit(main(sys.argv[1:]))
