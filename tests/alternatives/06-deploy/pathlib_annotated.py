"""Assignment 06: pathlib, an argparse main, a trigger chosen from a dict, pydantic Annotated fields."""

import argparse
import json
import sys
from pathlib import Path

from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.feature import Imputer, OneHotEncoder, StandardScaler, StringIndexer, VectorAssembler
from pyspark.ml.functions import vector_to_array
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

CATEGORICAL = ["home", "marital", "records", "job"]
WITH_NULLS = ["income", "assets", "debt"]
NUMERIC = ["seniority", "time", "age", "expenses", "amount", "price"]
LABEL_COLUMNS = ["status", "label"]
INPUT_SCHEMA = ("id BIGINT, seniority BIGINT, home STRING, time BIGINT, age BIGINT, marital STRING, "
                "records STRING, job STRING, expenses BIGINT, income DOUBLE, assets DOUBLE, debt DOUBLE, "
                "amount BIGINT, price BIGINT")
OUTPUT_COLUMNS = ["id", "prediction", "p_bad"]


def build_pipeline():
    """The credit model of assignments 02 and 04 (given)."""
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
    """`id`, `prediction` and `p_bad` for every row of `df` (given)."""
    return model.transform(df).select("id", "prediction", vector_to_array("probability")[1].alias("p_bad"))


def train_model(train_df):
    pipeline = build_pipeline()
    return pipeline.fit(train_df)


def export_model(model, train_df, export_dir):
    bundle = Path(export_dir)
    bundle.mkdir(parents=True, exist_ok=True)
    model.write().overwrite().save(str(bundle / "model"))
    request_schema = StructType([f for f in train_df.schema.fields if f.name not in LABEL_COLUMNS])
    spark = SparkSession.getActiveSession() or train_df.sparkSession
    (bundle / "metadata.json").write_text(json.dumps({
        "stages": [stage.__class__.__name__ for stage in model.stages],
        "input_schema": request_schema.jsonValue(),
        "spark_version": spark.version,
    }), encoding="utf-8")


def score_batch(spark, input_path, model_path, output_path):
    df = spark.read.format("parquet").schema(INPUT_SCHEMA).load(input_path)
    scored = score(PipelineModel.load(model_path), df)
    scored.write.format("parquet").mode("overwrite").save(output_path)


def main(argv):
    parser = argparse.ArgumentParser(prog="deploy.py", description="batch scoring of credit applicants")
    parser.add_argument("input_path")
    parser.add_argument("model_path")
    parser.add_argument("output_path")
    args = parser.parse_args(argv)
    spark = SparkSession.builder.getOrCreate()
    score_batch(spark, args.input_path, args.model_path, args.output_path)
    return 0


TRIGGERS = {True: {"availableNow": True}, False: {"processingTime": "1 second"}}


def start_stream(spark, input_dir, model_path, output_dir, checkpoint_dir, once=False):
    model = PipelineModel.load(model_path)
    source = (spark.readStream.format("parquet").schema(INPUT_SCHEMA)
              .option("maxFilesPerTrigger", 1).load(input_dir))
    return (score(model, source).writeStream
            .outputMode("append")
            .trigger(**TRIGGERS[bool(once)])
            .start(path=output_dir, format="parquet", checkpointLocation=checkpoint_dir))


def create_app(model_path):
    from typing import Annotated, Optional

    from fastapi import FastAPI
    from pydantic import BaseModel, Field

    class Applicant(BaseModel):
        id: int
        seniority: int
        home: Optional[str] = Field(...)
        time: int
        age: int
        marital: Optional[str] = Field(...)
        records: Optional[str] = Field(...)
        job: Optional[str] = Field(...)
        expenses: int
        income: Optional[float] = Field(...)
        assets: Optional[float] = Field(...)
        debt: Optional[float] = Field(...)
        amount: int
        price: int

    class Batch(BaseModel):
        rows: Annotated[list[Applicant], Field(min_length=1)]

    spark = SparkSession.builder.getOrCreate()
    model = PipelineModel.load(model_path)
    columns = [c.split()[0] for c in INPUT_SCHEMA.split(", ")]
    app = FastAPI()

    @app.post("/predict")
    def predict(batch: Batch):
        rows = [tuple(getattr(a, c) for c in columns) for a in batch.rows]
        frame = spark.createDataFrame(rows, schema=INPUT_SCHEMA).withColumn("_order", F.monotonically_increasing_id())
        scored = model.transform(frame).select(
            "_order", "id", "prediction", vector_to_array("probability")[1].alias("p_bad")).orderBy("_order")
        return {"predictions": [{c: r[c] for c in OUTPUT_COLUMNS} for r in scored.collect()]}

    return app


# Run by spark-submit (not when this file is loaded as a module or runs as a notebook): the batch job.
if __name__ == "__main__" and "ipykernel" not in sys.modules:
    sys.exit(main(sys.argv[1:]))
