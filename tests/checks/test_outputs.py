"""The prediction columns a saved model declares, read from the metadata Spark's own writers saved:
renamed columns, a pipeline's last predicting stage, a tuned model's best model."""

import pandas as pd
from pyspark.ml import Pipeline
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.clustering import KMeans
from pyspark.ml.evaluation import BinaryClassificationEvaluator
from pyspark.ml.feature import VectorAssembler
from pyspark.ml.tuning import CrossValidator, ParamGridBuilder

from autograder.checks.outputs import by_role, declared_outputs


def _rows(spark):
    return spark.createDataFrame([(i, float(i % 7), float(i % 3), float(i % 2)) for i in range(40)],
                                 "id long, a double, b double, label double")


def test_renamed_columns_of_the_last_predicting_stage(spark, tmp_path):
    lr = LogisticRegression(predictionCol="is_bad", probabilityCol="p", rawPredictionCol="margin", maxIter=5)
    model = Pipeline(stages=[VectorAssembler(inputCols=["a", "b"], outputCol="features"), lr]).fit(_rows(spark))
    model.write().overwrite().save(str(tmp_path / "m"))
    assert declared_outputs(tmp_path / "m") == {"prediction": "is_bad", "probability": "p", "rawPrediction": "margin"}
    frame = pd.DataFrame({"id": [1], "is_bad": [1.0], "prediction": [0.0], "p": [[0.2, 0.8]]})
    assert by_role(frame, declared_outputs(tmp_path / "m"), "id").to_dict("list") == {
        "id": [1], "prediction": [1.0], "probability": [[0.2, 0.8]]}


def test_defaults_clusterer_and_tuned_best_model(spark, tmp_path):
    assembler = VectorAssembler(inputCols=["a", "b"], outputCol="features")
    Pipeline(stages=[assembler, KMeans(k=2, seed=1, predictionCol="cluster")]).write().save(str(tmp_path / "k"))
    assert declared_outputs(tmp_path / "k") == {"prediction": "cluster"}
    lr = LogisticRegression(maxIter=5)
    cv = CrossValidator(estimator=Pipeline(stages=[assembler, lr]), numFolds=2, seed=3,
                        estimatorParamMaps=ParamGridBuilder().addGrid(lr.regParam, [0.0, 0.1]).build(),
                        evaluator=BinaryClassificationEvaluator())
    cv.fit(_rows(spark)).write().save(str(tmp_path / "cv"))
    assert declared_outputs(tmp_path / "cv") == {"prediction": "prediction", "probability": "probability",
                                                 "rawPrediction": "rawPrediction"}
    assert declared_outputs(tmp_path / "nothing") == {}
