"""Assignment 06, written from the prompt: metadata from the model's own saved metadata; the batch job
overwrites through the DataFrameWriter's save(); the stream is Spark's Parquet file sink started with
toTable-free start(path); the service keeps the request order with a position column and orderBy."""

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


def start_stream(spark, input_dir, model_path, output_dir, checkpoint_dir, once=False):
    model = PipelineModel.load(model_path)
    arrivals = (spark.readStream.format("parquet").schema(INPUT_SCHEMA)
                .option("maxFilesPerTrigger", "1").load(input_dir))
    writer = (score(model, arrivals).writeStream.format("parquet").outputMode("append")
              .option("checkpointLocation", checkpoint_dir))
    trigger = {"availableNow": True} if once else {"processingTime": "1 second"}
    return writer.trigger(**trigger).start(output_dir)


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
