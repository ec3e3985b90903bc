"""Assignment 06 -- deploying the credit model.

Batch scoring through a temporary view and Spark SQL, metadata built from a JSON round trip of the
schema, a streaming query with a name, and a FastAPI service with a validation handler of its own
(400 with a list of problems) and an async endpoint.
"""

import datetime as _dt
import json
import os
import sys
from typing import List, Optional

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
REQUEST_VIEW = "credit_requests"


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


def _columns():
    return [part.split()[0] for part in INPUT_SCHEMA.split(",")]


def train_model(train_df):
    """Fit build_pipeline() on the training rows; return the PipelineModel."""
    training = train_df.cache()
    model = build_pipeline().fit(training)
    training.unpersist()
    return model


def export_model(model, train_df, export_dir):
    """Write export_dir/model (the whole PipelineModel) and export_dir/metadata.json."""
    if not os.path.isdir(export_dir):
        os.makedirs(export_dir)
    model_dir = os.path.join(export_dir, "model")
    model.write().overwrite().save(model_dir)
    kept = [c for c in train_df.columns if c not in set(LABEL_COLUMNS)]
    info = {
        "format": "spark-pipeline-model",
        "exported_at": _dt.datetime.now(_dt.timezone.utc).isoformat(),
        "stages": list(map(lambda s: s.__class__.__name__, model.stages)),
        "input_schema": json.loads(train_df.select(*kept).schema.json()),
        "spark_version": SparkSession.active().version,
        "model_path": "model",
    }
    with open(os.path.join(export_dir, "metadata.json"), "w") as out:
        out.write(json.dumps(info, sort_keys=True, indent=1))


def score_batch(spark, input_path, model_path, output_path):
    """Score the Parquet rows at input_path into output_path; a rerun replaces the output."""
    spark.read.schema(INPUT_SCHEMA).parquet(input_path).createOrReplaceTempView(REQUEST_VIEW)
    requests = spark.sql(f"SELECT {', '.join(_columns())} FROM {REQUEST_VIEW}")
    scored = score(PipelineModel.read().load(model_path), requests)
    scored.write.save(output_path, format="parquet", mode="overwrite")


def main(argv):
    """The batch job: argv = [input_path, model_path, output_path]. Return 0 on success."""
    input_path, model_path, output_path = argv
    spark = SparkSession.builder.getOrCreate()
    score_batch(spark, input_path, model_path, output_path)
    return 0


def start_stream(spark, input_dir, model_path, output_dir, checkpoint_dir, once=False):
    """Start and return the streaming query (Parquet in, Parquet out, checkpointed)."""
    pipeline_model = PipelineModel.load(model_path)
    incoming = (spark.readStream
                .option("maxFilesPerTrigger", "1")
                .schema(INPUT_SCHEMA)
                .parquet(input_dir))
    writer = (score(pipeline_model, incoming)
              .writeStream
              .queryName("credit_stream_scoring")
              .option("checkpointLocation", checkpoint_dir)
              .format("parquet"))
    writer = writer.trigger(availableNow=True) if once else writer.trigger(processingTime="1 second")
    return writer.start(output_dir)


def create_app(model_path):
    """A FastAPI app that loads the model once and serves POST /predict."""
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from pydantic import BaseModel, StrictInt, conlist

    class Applicant(BaseModel):
        id: StrictInt
        seniority: StrictInt
        home: Optional[str] = None
        time: StrictInt
        age: StrictInt
        marital: Optional[str] = None
        records: Optional[str] = None
        job: Optional[str] = None
        expenses: StrictInt
        income: Optional[float] = None
        assets: Optional[float] = None
        debt: Optional[float] = None
        amount: StrictInt
        price: StrictInt

    class PredictRequest(BaseModel):
        rows: conlist(Applicant, min_length=1)

    class Prediction(BaseModel):
        id: int
        prediction: float
        p_bad: float

    class PredictResponse(BaseModel):
        predictions: List[Prediction]

    spark = SparkSession.builder.getOrCreate()
    loaded = PipelineModel.load(model_path)
    columns = _columns()
    app = FastAPI(title="credit-scoring")

    @app.exception_handler(RequestValidationError)
    async def explain(request: Request, exc: RequestValidationError):
        problems = [".".join(str(part) for part in err.get("loc", ())) + ": " + err.get("msg", "")
                    for err in exc.errors()]
        return JSONResponse(status_code=400, content={"error": "invalid request", "problems": problems})

    @app.post("/predict", response_model=PredictResponse)
    async def predict(body: PredictRequest):
        data = [tuple(getattr(a, c) for c in columns) for a in body.rows]
        frame = spark.createDataFrame(data, INPUT_SCHEMA)
        by_id = {r.id: r for r in score(loaded, frame).collect()}
        return PredictResponse(predictions=[
            Prediction(id=a.id, prediction=by_id[a.id].prediction, p_bad=by_id[a.id].p_bad) for a in body.rows])

    return app


if __name__ == "__main__" and "ipykernel" not in sys.modules:
    raise SystemExit(main(sys.argv[1:]))
