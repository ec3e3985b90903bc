"""Assignment 06, written from the prompt: the classifier writes its outputs under names of its own
(predictionCol, probabilityCol and rawPredictionCol renamed in train_model), and score() reads them through
the fitted classifier's getters, so every output still has the columns the prompt fixes: id, prediction,
p_bad."""

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
# Where the classifier writes its outputs (the model's own columns; the outputs keep the prompt's names).
MODEL_COLUMNS = {"predictionCol": "bad_guess", "probabilityCol": "bad_odds", "rawPredictionCol": "bad_margin"}


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
    """`id`, `prediction` and `p_bad` for every row of `df`, read from the columns the fitted classifier
    (the model's last stage) declares."""
    classifier = model.stages[-1]
    scored = model.transform(df)
    return scored.select(F.col("id"), F.col(classifier.getPredictionCol()).alias("prediction"),
                         vector_to_array(F.col(classifier.getProbabilityCol()))[1].alias("p_bad"))


def train_model(train_df):
    """build_pipeline() with the classifier's output columns renamed, fitted on the training rows."""
    pipeline = build_pipeline()
    classifier = pipeline.getStages()[-1]
    classifier.setParams(**MODEL_COLUMNS)
    return pipeline.fit(train_df)


def export_model(model, train_df, export_dir):
    """export_dir/model (the whole PipelineModel) and export_dir/metadata.json."""
    os.makedirs(export_dir, exist_ok=True)
    model.write().overwrite().save(os.path.join(export_dir, "model"))
    kept = [c for c in train_df.columns if c not in LABEL_COLUMNS]
    metadata = {
        "spark_version": train_df.sparkSession.version,
        "stages": [type(stage).__name__ for stage in model.stages],
        "input_schema": train_df.select(*kept).schema.jsonValue(),
    }
    with open(os.path.join(export_dir, "metadata.json"), "w", encoding="utf-8") as handle:
        json.dump(metadata, handle, indent=1)


def score_batch(spark, input_path, model_path, output_path):
    """input_path (Parquet, INPUT_SCHEMA) scored by the model at model_path into output_path (replaced)."""
    rows = spark.read.schema(INPUT_SCHEMA).parquet(input_path)
    model = PipelineModel.load(model_path)
    score(model, rows).write.mode("overwrite").parquet(output_path)


def main(argv):
    """The batch job: argv = [input_path, model_path, output_path]."""
    if len(argv) != 3:
        print("usage: deploy.py <input_path> <model_path> <output_path>", file=sys.stderr)
        return 2
    spark = SparkSession.builder.getOrCreate()
    score_batch(spark, argv[0], argv[1], argv[2])
    return 0


def start_stream(spark, input_dir, model_path, output_dir, checkpoint_dir, once=False):
    """The Parquet files arriving in input_dir, one per micro-batch, scored into a checkpointed Parquet sink."""
    model = PipelineModel.load(model_path)
    arriving = spark.readStream.schema(INPUT_SCHEMA).option("maxFilesPerTrigger", 1).parquet(input_dir)
    writer = (score(model, arriving).writeStream.outputMode("append").format("parquet")
              .option("checkpointLocation", checkpoint_dir))
    writer = writer.trigger(availableNow=True) if once else writer.trigger(processingTime="1 second")
    return writer.start(output_dir)


def create_app(model_path):
    """A FastAPI app holding the model loaded once; POST /predict scores the request's rows in order."""
    from fastapi import FastAPI
    from pydantic import BaseModel, Field

    class Applicant(BaseModel):
        id: int
        seniority: int
        home: Optional[str] = None
        time: int
        age: int
        marital: Optional[str] = None
        records: Optional[str] = None
        job: Optional[str] = None
        expenses: int
        income: Optional[float] = None
        assets: Optional[float] = None
        debt: Optional[float] = None
        amount: int
        price: int

    class Request(BaseModel):
        rows: List[Applicant] = Field(min_length=1)

    spark = SparkSession.builder.getOrCreate()
    model = PipelineModel.load(model_path)
    names = spark.createDataFrame([], INPUT_SCHEMA).schema.fieldNames()
    app = FastAPI(title="credit scoring")

    @app.post("/predict")
    def predict(request: Request):
        values = [tuple(getattr(applicant, name) for name in names) for applicant in request.rows]
        scored = {row["id"]: row for row in score(model, spark.createDataFrame(values, INPUT_SCHEMA)).collect()}
        return {"predictions": [{"id": a.id, "prediction": scored[a.id]["prediction"], "p_bad": scored[a.id]["p_bad"]}
                                for a in request.rows]}

    return app


# Run by spark-submit (not when this file is loaded as a module or runs as a notebook): the batch job.
if __name__ == "__main__" and "ipykernel" not in sys.modules:
    sys.exit(main(sys.argv[1:]))
