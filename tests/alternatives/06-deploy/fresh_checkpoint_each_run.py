"""06 WRONG 1: each start_stream uses a fresh checkpoint folder under checkpoint_dir, so a restart ignores the old one."""
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
    """Fit build_pipeline() on the training rows; return the PipelineModel."""
    return build_pipeline().fit(train_df)


def export_model(model, train_df, export_dir):
    """Write export_dir/model (the whole PipelineModel) and export_dir/metadata.json."""
    from pyspark.sql.types import StructType
    os.makedirs(export_dir, exist_ok=True)
    model.write().overwrite().save(os.path.join(export_dir, "model"))
    input_schema = StructType([f for f in train_df.schema.fields if f.name not in LABEL_COLUMNS])
    metadata = {
        "spark_version": train_df.sparkSession.version,
        "stages": [type(stage).__name__ for stage in model.stages],
        "input_schema": input_schema.jsonValue(),
    }
    with open(os.path.join(export_dir, "metadata.json"), "w") as fh:
        json.dump(metadata, fh, indent=2)


def score_batch(spark, input_path, model_path, output_path):
    """Score input_path with the saved model into output_path (Parquet); a rerun replaces the output."""
    model = PipelineModel.load(model_path)
    spark.read.schema(INPUT_SCHEMA).parquet(input_path).createOrReplaceTempView("applicants")
    applicants = spark.sql("SELECT * FROM applicants")
    score(model, applicants).write.mode("overwrite").parquet(output_path)


def main(argv):
    """The batch job: argv = [input_path, model_path, output_path]. Return 0 on success."""
    input_path, model_path, output_path = argv
    spark = SparkSession.builder.getOrCreate()
    score_batch(spark, input_path, model_path, output_path)
    return 0


def start_stream(spark, input_dir, model_path, output_dir, checkpoint_dir, once=False):
    """Score the Parquet files arriving in input_dir into a Parquet sink, checkpointed."""
    import uuid
    model = PipelineModel.load(model_path)
    source = (spark.readStream.format("parquet").schema(INPUT_SCHEMA)
              .option("maxFilesPerTrigger", 1).load(input_dir))
    # a fresh run folder under checkpoint_dir each start, so that a stale checkpoint never blocks a restart
    run_checkpoint = os.path.join(checkpoint_dir, "run-" + uuid.uuid4().hex[:8])
    writer = (score(model, source).writeStream.format("parquet").outputMode("append")
              .option("path", output_dir).option("checkpointLocation", run_checkpoint))
    writer = writer.trigger(availableNow=True) if once else writer.trigger(processingTime="1 second")
    return writer.start()


COLUMNS = [c.split()[0] for c in INPUT_SCHEMA.split(", ")]


def create_app(model_path):
    """Return a FastAPI app that loads the model once and serves POST /predict."""
    from typing import List, Optional

    from fastapi import FastAPI
    from pydantic import BaseModel, ConfigDict, Field

    class Applicant(BaseModel):
        model_config = ConfigDict(extra="ignore")
        id: int
        seniority: int
        home: Optional[str] = Field(...)
        time: int
        age: int
        marital: Optional[str] = Field(...)
        records: Optional[str] = Field(...)
        job: Optional[str] = Field(...)
        expenses: int
        income: Optional[float] = None
        assets: Optional[float] = None
        debt: Optional[float] = None
        amount: int
        price: int

    class PredictRequest(BaseModel):
        rows: List[Applicant] = Field(min_length=1)

    spark = SparkSession.builder.getOrCreate()
    model = PipelineModel.load(model_path)            # once, when the app is created
    app = FastAPI(title="credit scoring")

    @app.post("/predict")
    def predict(request: PredictRequest):
        data = [tuple(getattr(row, c) for c in COLUMNS) for row in request.rows]
        df = spark.createDataFrame(data, INPUT_SCHEMA).coalesce(1)
        scored = score(model, df).collect()            # same order as the request rows
        return {"predictions": [{"id": r["id"], "prediction": r["prediction"], "p_bad": r["p_bad"]}
                                for r in scored]}

    return app


# Run by spark-submit (not when this file is loaded as a module or runs as a notebook): the batch job.
if __name__ == "__main__" and "ipykernel" not in sys.modules:
    sys.exit(main(sys.argv[1:]))
