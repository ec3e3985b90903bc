"""Deploying the credit model (assignment 06).

- train on the rows without the raw `status` column;
- export with pathlib, schema written as a JSON round trip;
- batch job with rerun safety by removing the old output first (then a write partitioned by prediction);
- stream with the default (Parquet) source and sink formats, a StructType, trigger from keyword arguments;
- service: pandas frame -> Spark, a row-position column to keep the request's order, nullable fields
  with defaults, a 400 for anything that fails validation.
"""

import json
import shutil
import sys
from pathlib import Path
from typing import Optional

from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.feature import Imputer, OneHotEncoder, StandardScaler, StringIndexer, VectorAssembler
from pyspark.ml.functions import vector_to_array
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

CATEGORICAL = ["home", "marital", "records", "job"]
WITH_NULLS = ["income", "assets", "debt"]
NUMERIC = ["seniority", "time", "age", "expenses", "amount", "price"]
LABEL_COLUMNS = ["status", "label"]
# The columns a scoring request carries: an applicant's id and data, no label.
INPUT_SCHEMA = ("id BIGINT, seniority BIGINT, home STRING, time BIGINT, age BIGINT, marital STRING, "
                "records STRING, job STRING, expenses BIGINT, income DOUBLE, assets DOUBLE, debt DOUBLE, "
                "amount BIGINT, price BIGINT")
POSITION = "_request_position"


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


def _spark() -> SparkSession:
    return SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()


def _input_struct() -> StructType:
    return StructType.fromDDL(INPUT_SCHEMA)


def train_model(train_df: DataFrame) -> PipelineModel:
    """Fit build_pipeline() on the training rows; return the PipelineModel."""
    return build_pipeline().fit(train_df.drop("status"))


def export_model(model: PipelineModel, train_df: DataFrame, export_dir) -> None:
    """export_dir/model and export_dir/metadata.json."""
    root = Path(export_dir)
    root.mkdir(parents=True, exist_ok=True)
    model.write().overwrite().save((root / "model").as_posix())
    fields = [field for field in train_df.schema.fields if field.name not in LABEL_COLUMNS]
    metadata = {"spark_version": _spark().version}
    metadata["stages"] = [type(stage).__name__ for stage in model.stages]
    metadata["input_schema"] = json.loads(StructType(fields).json())
    metadata["label"] = "label"
    metadata["output_columns"] = ["id", "prediction", "p_bad"]
    with (root / "metadata.json").open("w", encoding="utf-8") as handle:
        json.dump(metadata, handle)


def score_batch(spark: SparkSession, input_path: str, model_path: str, output_path: str) -> None:
    """Score input_path into output_path; the old output is removed first, so a rerun replaces it."""
    model = PipelineModel.load(model_path)
    rows = spark.read.format("parquet").schema(_input_struct()).load(input_path)
    scored = score(model, rows).cache()
    scored.count()                       # computed before the old output goes away
    shutil.rmtree(output_path, ignore_errors=True)
    scored.write.partitionBy("prediction").parquet(output_path)
    scored.unpersist()


def main(argv: list[str]) -> int:
    """The batch job: argv = [input_path, model_path, output_path]. Return 0 on success."""
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    spark = SparkSession.builder.appName("credit batch scoring").getOrCreate()
    try:
        score_batch(spark, *argv)
    finally:
        spark.stop()
    return 0


def start_stream(spark, input_dir, model_path, output_dir, checkpoint_dir, once=False):
    """A streaming query: Parquet files in input_dir -> scored Parquet rows in output_dir."""
    model = PipelineModel.load(model_path)
    source = (spark.readStream                        # Parquet is the default source format
              .schema(_input_struct())
              .options(maxFilesPerTrigger=1)
              .load(input_dir))
    trigger = {"availableNow": True} if once else {"processingTime": "1 second"}
    query = (score(model, source).writeStream            # and the default sink format
             .options(path=output_dir, checkpointLocation=checkpoint_dir)
             .trigger(**trigger)
             .start())
    return query


def create_app(model_path: str):
    """FastAPI app: the model loaded once, POST /predict."""
    import pandas as pd
    from fastapi import FastAPI, HTTPException, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
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

    class Body(BaseModel):
        rows: list[Applicant] = Field(..., min_length=1)

    spark = _spark()
    model = PipelineModel.load(model_path)
    schema = _input_struct()
    app = FastAPI()

    @app.exception_handler(RequestValidationError)
    async def bad_request(_: Request, exc: RequestValidationError):
        return JSONResponse(status_code=400, content={"detail": [
            {"field": ".".join(map(str, e["loc"])), "problem": e["msg"]} for e in exc.errors()]})

    @app.get("/health")
    def health():
        return {"ok": True}

    @app.post("/predict")
    def predict(body: Body):
        pdf = pd.DataFrame([a.model_dump() for a in body.rows], columns=schema.fieldNames())
        pdf = pdf.astype(object).where(pdf.notna(), None)
        frame = spark.createDataFrame(pdf, schema=schema)
        frame = frame.withColumn(POSITION, F.monotonically_increasing_id())
        out = (model.transform(frame)
               .select(POSITION, "id", "prediction", vector_to_array("probability")[1].alias("p_bad"))
               .orderBy(POSITION)
               .toPandas())
        if len(out) != len(body.rows):
            raise HTTPException(status_code=500, detail="scoring lost rows")
        return {"predictions": out.drop(columns=[POSITION]).to_dict(orient="records")}

    return app


# Run by spark-submit (not when this file is loaded as a module or runs as a notebook): the batch job.
if __name__ == "__main__" and "ipykernel" not in sys.modules:
    sys.exit(main(sys.argv[1:]))
