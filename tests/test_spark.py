"""Spark local mode: scores from mapInPandas equal findeep predict's; TorchDistributor trains.

Spark's JVM start-up alone took 92 s on the shared 2-core machine this was built on, so
these tests run only with FINDEEP_SPARK_TESTS=1 (and findeep[spark] plus Java installed);
`.ci/run` installs Java and sets it, so CI always runs them (about 40 s on a quiet machine):
    FINDEEP_SPARK_TESTS=1 python -m pytest -q tests/test_spark.py
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

import findeep
from findeep.testing import make_credit_frame
from findeep.workflow import predict_bundle

pytestmark = pytest.mark.skipif(
    os.environ.get("FINDEEP_SPARK_TESTS") != "1" or shutil.which("java") is None,
    reason="Spark tests run with FINDEEP_SPARK_TESTS=1, findeep[spark] and a Java runtime")


@pytest.fixture(scope="module")
def spark_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from findeep.streamed import train_streamed

    folder = tmp_path_factory.mktemp("spark")
    data = folder / "credit.parquet"
    make_credit_frame(4_000, seed=21).drop(columns=["applied_on"]).to_parquet(
        data, row_group_size=1000)
    train_streamed(data, target="default", out=folder / "bundle", verbose=0,
                   train_options={"max_epochs": 2})
    return data, folder / "bundle"


def test_spark_scores_equal_findeep_predict(spark_data, tmp_path):
    """mapInPandas scoring writes the same probabilities, row for row, as findeep predict."""
    from findeep.spark import score_with_spark

    data, bundle = spark_data
    score_with_spark(bundle, data, tmp_path / "spark", id_column="age", master="local[1]")
    predict_bundle(bundle, data, tmp_path / "local.parquet", id_column="age")
    spark = pd.read_parquet(tmp_path / "spark")
    local = pd.read_parquet(tmp_path / "local.parquet")
    assert len(spark) == len(local) == 4000
    key = ["age", "probability_1"]
    pd.testing.assert_frame_equal(spark[key].sort_values(key).reset_index(drop=True),
                                  local[key].sort_values(key).reset_index(drop=True))


def test_torch_distributor_trains_a_bundle(spark_data, tmp_path):
    """Two ranks under TorchDistributor (local mode) write one loadable bundle."""
    from findeep.spark import train_with_spark

    data, _ = spark_data
    train_with_spark([str(data), "--target", "default", "--out", str(tmp_path / "m"),
                      "--max-epochs", "2"], num_processes=2, master="local[1]")
    model = findeep.load(tmp_path / "m")
    assert model.training_["processes"] == 2
