"""Assignment 06: only the export is done."""

import json
import os
import sys

from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.feature import Imputer, OneHotEncoder, StandardScaler, StringIndexer, VectorAssembler
from pyspark.ml.functions import vector_to_array
from pyspark.sql import SparkSession

CATEGORICAL = ["home", "marital", "records", "job"]
WITH_NULLS = ["income", "assets", "debt"]
NUMERIC = ["seniority", "time", "age", "expenses", "amount", "price"]
LABEL_COLUMNS = ["status", "label"]
INPUT_SCHEMA = ("id BIGINT, seniority BIGINT, home STRING, time BIGINT, age BIGINT, marital STRING, "
                "records STRING, job STRING, expenses BIGINT, income DOUBLE, assets DOUBLE, debt DOUBLE, "
                "amount BIGINT, price BIGINT")


def build_pipeline():
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
    return model.transform(df).select("id", "prediction", vector_to_array("probability")[1].alias("p_bad"))


def train_model(train_df):
    return build_pipeline().fit(train_df)


def export_model(model, train_df, export_dir):
    if not os.path.isdir(export_dir):
        os.makedirs(export_dir)
    model.write().overwrite().save(export_dir + "/model")
    meta = {"spark_version": train_df.sparkSession.version,
            "stages": [type(s).__name__ for s in model.stages],
            "input_schema": train_df.select([c for c in train_df.columns if c not in LABEL_COLUMNS]).schema.jsonValue()}
    with open(export_dir + "/metadata.json", "w") as fh:
        json.dump(meta, fh)


def score_batch(spark, input_path, model_path, output_path):
    """Score the Parquet rows at input_path with the saved model into output_path (rerunnable)."""
    # TODO
    raise NotImplementedError("score_batch is not written yet")


def main(argv):
    """spark-submit deploy.py <input_path> <model_path> <output_path>"""
    # TODO
    raise NotImplementedError("main is not written yet")


def start_stream(spark, input_dir, model_path, output_dir, checkpoint_dir, once=False):
    """Start and return the fault-tolerant scoring query (see the question)."""
    # TODO
    raise NotImplementedError("start_stream is not written yet")


def create_app(model_path):
    """Return a FastAPI app that loads the model once and serves POST /predict (see the question)."""
    # TODO
    raise NotImplementedError("create_app is not written yet")


# Run by spark-submit (not when this file is loaded as a module or runs as a notebook): the batch job.
if __name__ == "__main__" and "ipykernel" not in sys.modules:
    sys.exit(main(sys.argv[1:]))
