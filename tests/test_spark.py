"""Spark local mode: scores from mapInPandas equal findeep predict's; TorchDistributor trains.

Spark's JVM start-up alone took 92 s on the shared 2-core machine this was built on, so
these tests run only with FINDEEP_SPARK_TESTS=1 (and findeep[spark] plus Java installed);
`.ci/run` installs Java and sets it, so CI always runs them (about 40 s on a quiet machine):
    FINDEEP_SPARK_TESTS=1 python -m pytest -q tests/test_spark.py
The refusals that come before Spark starts are in tests/test_spark_checks.py.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import findeep
from findeep.data.schema import FindeepWarning
from findeep.errors import DataError, SchemaError
from findeep.testing import make_credit_frame
from tests.cli_helpers import assert_one_line_error, run

pytestmark = pytest.mark.skipif(
    os.environ.get("FINDEEP_SPARK_TESTS") != "1" or shutil.which("java") is None,
    reason="Spark tests run with FINDEEP_SPARK_TESTS=1, findeep[spark] and a Java runtime")

TIME_ZONE = "America/Los_Angeles"  # any zone but UTC: Spark hands timestamps over in it


@pytest.fixture(scope="module")
def spark_data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A streamed bundle trained on 4,000 applications with a UTC timestamp and a naive
    one among the features, and the same rows to score with an id, in a folder of two
    files, with 40 'purpose' values never seen in training."""
    from findeep.streamed import train_streamed

    folder = tmp_path_factory.mktemp("spark")
    frame = make_credit_frame(4_000, seed=21)
    applied = frame.pop("applied_on").astype("datetime64[us]")
    frame["applied_on"] = applied.dt.tz_localize("UTC")  # timestamp[us, tz=UTC] in Parquet
    frame["decided_on"] = applied + pd.Timedelta(hours=30)  # timestamp[us], no zone
    frame.to_parquet(folder / "credit.parquet", row_group_size=1000)
    with pytest.warns(FindeepWarning):  # dated rows split at random: known here
        train_streamed(folder / "credit.parquet", target="default", out=folder / "bundle",
                       verbose=0, train_options={"max_epochs": 2})
    to_score = frame.drop(columns=["default"])
    to_score.insert(0, "app_id", np.arange(len(frame)) * 7 + 1_000)
    to_score.loc[:39, "purpose"] = "yacht"
    (folder / "to_score").mkdir()
    to_score.iloc[:2_500].to_parquet(folder / "to_score" / "part-0.parquet")
    to_score.iloc[2_500:].to_parquet(folder / "to_score" / "part-1.parquet")
    return {"data": folder / "credit.parquet", "bundle": folder / "bundle",
            "to_score": folder / "to_score"}


@pytest.fixture(scope="module")
def scored(spark_data: dict[str, Path], tmp_path_factory: pytest.TempPathFactory,
           ) -> dict[str, Any]:
    """`findeep spark score` in a session whose time zone is not UTC, and `findeep predict`
    on the same folder: both results and both outputs, sorted by id."""
    from findeep.spark import spark_session

    folder = tmp_path_factory.mktemp("scored")
    spark = spark_session("local[1]")
    previous = spark.conf.get("spark.sql.session.timeZone")
    spark.conf.set("spark.sql.session.timeZone", TIME_ZONE)
    try:
        with_spark = run("spark", "score", spark_data["bundle"], spark_data["to_score"],
                         "--out", folder / "spark", "--id-column", "app_id",
                         "--master", "local[1]")
    finally:
        spark.conf.set("spark.sql.session.timeZone", previous)
    with_predict = run("predict", spark_data["bundle"], spark_data["to_score"],
                       "--out", folder / "local.parquet", "--id-column", "app_id")
    assert with_spark.exit_code == 0, with_spark.output
    assert with_predict.exit_code == 0, with_predict.output

    def read(path: Path) -> pd.DataFrame:
        return pd.read_parquet(path).sort_values("app_id").reset_index(drop=True)

    return {"spark": with_spark, "predict": with_predict, "spark_scores": read(folder / "spark"),
            "predict_scores": read(folder / "local.parquet")}


def test_spark_scores_equal_findeep_predict_in_any_time_zone(scored):
    """mapInPandas scoring writes the same probabilities and labels, row for row, as
    findeep predict, though the session's time zone is not UTC and timestamps are features.

    Equal to float32 rounding: Spark's batches (one per file) are not predict's chunk, and
    the network's matrix products round by batch size (1 row in 4,000 differs by 1.5e-8);
    a timestamp read in the wrong zone moves scores by up to 0.06."""
    spark, local = scored["spark_scores"], scored["predict_scores"]
    assert len(spark) == len(local) == 4_000
    assert (spark["app_id"] == local["app_id"]).all()
    np.testing.assert_allclose(spark["probability_1"], local["probability_1"], rtol=1e-6,
                               atol=0)
    np.testing.assert_array_equal(spark["predicted"].astype(str), local["predicted"].astype(str))


def test_spark_output_types_match_findeep_predict(scored):
    """The same columns with the same types: an integer class is predicted as int64."""
    spark, local = scored["spark_scores"], scored["predict_scores"]
    assert spark.dtypes.to_dict() == local.dtypes.to_dict()
    assert local["predicted"].dtype == np.int64


def test_spark_score_warns_once_about_unseen_categories_as_predict_does(scored):
    """The workers' reports are summed into the one warning findeep predict gives."""
    def category_lines(result: Any) -> list[str]:
        return [line for line in result.stderr.splitlines() if "never seen in training" in line]

    assert category_lines(scored["predict"]) == category_lines(scored["spark"])
    assert len(category_lines(scored["spark"])) == 1
    assert "'purpose' 40" in category_lines(scored["spark"])[0]


def test_spark_scores_a_blend_with_catboost_as_findeep_predict_does(spark_data, tmp_path):
    """A `default+catboost` bundle: the workers read its CatBoost part from the bundle and
    blend as findeep predict does, timestamps handed over in the session's zone included."""
    pytest.importorskip("catboost")
    from findeep.estimators import TabularClassifier

    frame = pd.read_parquet(spark_data["data"])
    blend = TabularClassifier(model="default+catboost", max_epochs=2, bagging=1, verbose=0)
    blend.fit(frame.drop(columns=["default"]), frame["default"]).save(tmp_path / "blend")
    spark_run = run("spark", "score", tmp_path / "blend", spark_data["to_score"], "--out",
                    tmp_path / "spark", "--id-column", "app_id", "--master", "local[1]")
    local_run = run("predict", tmp_path / "blend", spark_data["to_score"], "--out",
                    tmp_path / "local.parquet", "--id-column", "app_id")
    assert spark_run.exit_code == 0 and local_run.exit_code == 0, spark_run.output

    def read(path: Path) -> pd.DataFrame:
        return pd.read_parquet(path).sort_values("app_id").reset_index(drop=True)

    spark, local = read(tmp_path / "spark"), read(tmp_path / "local.parquet")
    np.testing.assert_allclose(spark["probability_1"], local["probability_1"], rtol=1e-6,
                               atol=1e-7)
    network_alone = findeep.load(tmp_path / "blend")
    network_alone.pipeline_.partner = None
    alone = network_alone.predict_proba(pd.read_parquet(spark_data["to_score"]))[:, 1]
    assert np.abs(np.sort(alone) - np.sort(spark["probability_1"].to_numpy())).max() > 1e-3


def test_score_dataframe_without_an_id_column_warns_the_rows_are_not_in_order(spark_data):
    """Scores that cannot be joined back to their rows come with a warning naming the fix."""
    from findeep.spark import score_dataframe, spark_session

    frame = spark_session("local[1]").read.parquet(str(spark_data["to_score"]))
    with pytest.warns(FindeepWarning, match="row order.*--id-column"):
        score_dataframe(frame, spark_data["bundle"])


def test_score_dataframe_refuses_a_frame_without_a_trained_column(spark_data):
    """A Spark DataFrame lacking a trained column is refused before any job runs, in
    findeep predict's words, instead of scoring it as if the column were missing."""
    from findeep.spark import score_dataframe, spark_session

    frame = spark_session("local[1]").read.parquet(str(spark_data["to_score"]))
    with pytest.raises(SchemaError, match="'income'"):
        score_dataframe(frame.drop("income"), spark_data["bundle"], id_column="app_id")


def test_bad_values_found_by_a_worker_are_one_findeep_error(spark_data, tmp_path):
    """A value findeep refuses inside a Spark task (an infinite income) comes back as the
    FindeepError the worker raised, not a Java traceback, and no scores are written."""
    from findeep.spark import score_with_spark

    frame = pd.read_parquet(spark_data["to_score"]).head(200)
    frame.loc[5, "income"] = np.inf
    frame.to_parquet(tmp_path / "inf.parquet")
    with pytest.raises(DataError, match="infinite"):
        score_with_spark(spark_data["bundle"], tmp_path / "inf.parquet", tmp_path / "scores",
                         id_column="app_id", master="local[1]")
    assert not (tmp_path / "scores").exists()


def test_a_file_damaged_past_its_footer_is_one_sentence_not_a_java_traceback(spark_data,
                                                                              tmp_path):
    """The footer reads (so the checks before Spark pass), a data page does not: Spark's
    failure inside the scoring job is said in one line naming the file, exit 2."""
    frame = pd.read_parquet(spark_data["to_score"]).head(500)
    frame.to_parquet(tmp_path / "clean.parquet", compression=None)
    damaged = bytearray((tmp_path / "clean.parquet").read_bytes())
    for i in range(200, len(damaged) // 2, 7):
        damaged[i] ^= 0xFF
    (tmp_path / "damaged.parquet").write_bytes(bytes(damaged))
    result = run("spark", "score", spark_data["bundle"], tmp_path / "damaged.parquet",
                 "--out", tmp_path / "scores", "--id-column", "app_id", "--master", "local[1]")
    assert_one_line_error(result, "Spark cannot read")
    assert "damaged.parquet" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "scores").exists()


def test_torch_distributor_trains_a_bundle_and_says_so_once(spark_data, tmp_path):
    """Two ranks under TorchDistributor (local mode) write one loadable bundle; the command
    says so once, with no stray warning about an unclosed file."""
    result = run("spark", "train", "--num-processes", "2", "--master", "local[1]", "--",
                 spark_data["data"], "--target", "default", "--out", tmp_path / "m",
                 "--max-epochs", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("bundle written") == 1
    assert "unclosed file" not in result.stderr
    assert findeep.load(tmp_path / "m").training_["processes"] == 2


def test_torch_distributor_failure_in_the_ranks_is_one_line_and_no_success(spark_data,
                                                                          tmp_path):
    """An error the ranks find themselves stops the command with their one line, exit 2,
    and no 'bundle written'."""
    result = run("spark", "train", "--num-processes", "1", "--master", "local[1]", "--",
                 spark_data["data"], "--target", "default", "--out", tmp_path / "m",
                 "--test-fraction", "1.5")
    assert result.exit_code == 2, result.output
    assert "bundle written" not in result.stdout and "Traceback" not in result.output
    assert result.stderr.strip().splitlines()[-1].startswith(
        "findeep: training under Spark's TorchDistributor stopped: test_fraction")
    assert not (tmp_path / "m").exists()


def test_a_fresh_spark_score_prints_findeep_lines_not_the_jvm_log(spark_data, tmp_path):
    """In a new process (so findeep starts the JVM), a successful `findeep spark score`
    writes findeep's own lines: none of Spark's start-up log (hostname, native library,
    'Setting default log level'), stage progress bars in a log file, or PySpark's generic
    pandas-version warning. The JDK's own 'Using incubator modules' line is the JVM's, not
    a log line, and may remain."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("SPARK_CONF_DIR", "SPARK_HOME")}
    done = subprocess.run(
        [sys.executable, "-m", "findeep", "spark", "score", str(spark_data["bundle"]),
         str(spark_data["to_score"]), "--out", str(tmp_path / "scores"),
         "--id-column", "app_id", "--master", "local[1]"],
        capture_output=True, text=True, env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "scored 4,000 rows" in done.stdout
    other = [line for line in done.stderr.splitlines()
             if line.strip() and not line.startswith("findeep: ")
             and "incubator modules" not in line]
    assert other == [], done.stderr
    assert "does not yet fully support pandas" not in done.stderr
    assert "[Stage" not in done.stderr


def test_storage_spark_cannot_reach_is_one_line(spark_data, tmp_path):
    """A remote path Spark has no file system for (s3a:// without the Hadoop AWS jars) is
    one line naming Java's cause and exit 2, not a py4j traceback."""


    result = run("spark", "score", spark_data["bundle"], "s3a://no-bucket/scores.parquet",
                 "--out", tmp_path / "scores", "--master", "local[1]")
    assert_one_line_error(result, "s3a://no-bucket/scores.parquet", "S3AFileSystem")
    assert not (tmp_path / "scores").exists()


def test_an_out_uri_is_written_replaced_and_refused_through_sparks_file_system(spark_data,
                                                                               tmp_path):
    """``--out`` given as a URI goes through Spark's own (Hadoop) file system, as on a
    cluster's HDFS or S3: the scores land there, an existing folder is kept without
    --force and replaced with it, a folder of other files is never replaced, and no staging
    folder is left behind."""
    out = tmp_path / "scores"
    args = ("spark", "score", spark_data["bundle"], spark_data["to_score"], "--out",
            out.as_uri(), "--id-column", "app_id", "--master", "local[1]")
    assert run(*args).exit_code == 0
    first = pd.read_parquet(out).sort_values("app_id", ignore_index=True)
    assert len(first) == 4_000 and first["app_id"].is_unique


    assert_one_line_error(run(*args), out.as_uri(), "already exists", "--force")
    assert run(*args, "--force").exit_code == 0
    again = pd.read_parquet(out).sort_values("app_id", ignore_index=True)
    pd.testing.assert_frame_equal(again, first)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scores"]  # no staging left
    kept = tmp_path / "notes"
    kept.mkdir()
    (kept / "notes.txt").write_text("not Spark's")
    refused = run("spark", "score", spark_data["bundle"], spark_data["to_score"], "--out",
                  kept.as_uri(), "--master", "local[1]", "--force")
    assert_one_line_error(refused, "not a folder of Spark's Parquet output", "notes.txt")
    assert (kept / "notes.txt").read_text() == "not Spark's"
