"""`findeep spark score|train` refuse bad input in one line, exit 2, before Spark starts.

None of these start Spark or need Java, so they run in the plain suite (with pyspark
installed, as findeep[dev] has it); the Spark runs themselves are in tests/test_spark.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.core import TyperOption

from findeep.cli import app
from findeep.spark import TRAIN_FLAGS, TrainArguments
from findeep.testing import make_credit_frame
from tests.cli_helpers import assert_one_line_error, run

pytest.importorskip("pyspark")  # the commands ask for findeep[spark] before anything else


@pytest.fixture(scope="module")
def scoring_inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A streamed bundle and the inputs a user gets wrong: a folder whose second file lacks
    a trained column, a file without it, a CSV, a path that does not exist."""
    from findeep.streamed import train_streamed

    folder = tmp_path_factory.mktemp("spark-checks")
    frame = make_credit_frame(2_000, seed=5).drop(columns=["applied_on"])
    frame.to_parquet(folder / "credit.parquet", row_group_size=500)
    train_streamed(folder / "credit.parquet", target="default", out=folder / "bundle",
                   verbose=0, train_options={"max_epochs": 1})
    (folder / "mixed").mkdir()
    frame.iloc[:1000].to_parquet(folder / "mixed" / "part-0.parquet")
    frame.iloc[1000:].drop(columns=["income"]).to_parquet(folder / "mixed" / "part-1.parquet")
    frame.drop(columns=["income"]).to_parquet(folder / "no_income.parquet")
    frame.to_csv(folder / "credit.csv", index=False)
    return {"folder": folder, "bundle": folder / "bundle", "data": folder / "credit.parquet"}


@pytest.mark.parametrize(("data", "options", "fragments"), [
    ("mixed", [], ("part-1.parquet", "lacks income")),
    ("no_income.parquet", [], ("'income'", "trained with")),
    ("credit.csv", [], ("reads Parquet", "CSV")),
    ("missing.parquet", [], ("does not exist",)),
    ("credit.parquet", ["--threshold", "1.5"], ("threshold", "1.5")),
])
def test_spark_score_refuses_bad_input_before_spark_starts(scoring_inputs, tmp_path, data,
                                                           options, fragments):
    """A folder whose files disagree, a missing trained column, a CSV, a missing path and a
    threshold outside (0, 1) are each one line and exit 2, as with findeep predict; no
    scores are written."""
    result = run("spark", "score", scoring_inputs["bundle"], scoring_inputs["folder"] / data,
                 "--out", tmp_path / "scores", *options)
    assert_one_line_error(result, *fragments)
    assert not (tmp_path / "scores").exists()


@pytest.mark.parametrize(("where", "fragments"), [
    ("data", ("the data", "a path on this machine", "hdfs:///")),
    ("out", ("--out", "a path on this machine", "hdfs:///")),
])
def test_spark_score_on_a_cluster_refuses_plain_paths(scoring_inputs, tmp_path, where,
                                                      fragments):
    """With a cluster master a plain path is ambiguous (this machine's disk, or the cluster's
    default file system): one line asking for the file system by name, before Spark starts."""
    data = scoring_inputs["data"] if where == "data" else "hdfs:///warehouse/applications"
    out = tmp_path / "scores" if where == "out" else "hdfs:///scores"
    result = run("spark", "score", scoring_inputs["bundle"], data, "--out", out,
                 "--master", "spark://cluster.example:7077")
    assert_one_line_error(result, *fragments)
    assert not (tmp_path / "scores").exists()


def test_spark_train_refuses_a_misspelt_target_before_launching(scoring_inputs, tmp_path):
    """A target not in the data is one line naming the near miss, exit 2, no bundle and no
    'bundle written'."""
    result = run("spark", "train", "--num-processes", "2", "--", scoring_inputs["data"],
                 "--target", "defualt", "--out", tmp_path / "m")
    assert_one_line_error(result, "'defualt'", "Did you mean 'default'?")
    assert "bundle written" not in result.stdout
    assert not (tmp_path / "m").exists()


def test_spark_train_keeps_an_existing_bundle_without_force(scoring_inputs, tmp_path):
    """An existing --out without --force is refused as findeep train refuses it; the bundle
    there is left as it was."""
    bundle = scoring_inputs["bundle"]
    before = {p.name: p.stat().st_mtime_ns for p in bundle.iterdir()}
    result = run("spark", "train", "--", scoring_inputs["data"], "--target", "default",
                 "--out", bundle)
    assert_one_line_error(result, "already exists", "--force")
    assert {p.name: p.stat().st_mtime_ns for p in bundle.iterdir()} == before


@pytest.mark.parametrize(("arguments", "fragment"), [
    (["--target", "default"], "--out is required"),
    (["--out", "m"], "--target is required"),
    (["--target", "default", "--out", "m", "--nproc-per-node", "2"], "--num-processes"),
])
def test_spark_train_refuses_incomplete_arguments(scoring_inputs, tmp_path, monkeypatch,
                                                  arguments, fragment):
    """What the ranks would need, or would do twice, is said before launching."""
    monkeypatch.chdir(tmp_path)
    result = run("spark", "train", "--", scoring_inputs["data"], *arguments)
    assert_one_line_error(result, fragment)


def test_train_arguments_find_the_data_among_options():
    """The data is found after options with values, flags and '--opt=value' forms."""
    parsed = TrainArguments.parse(["--max-epochs", "2", "--no-calibrate", "-q", "d.parquet",
                                   "--target=default", "--out", "m", "--force"])
    assert parsed.data == ["d.parquet"]
    assert parsed.options == {"--max-epochs": "2", "--target": "default", "--out": "m"}
    assert "--force" in parsed.flags


def test_train_flags_are_findeep_trains_own():
    """The options train_with_spark reads as taking no value are exactly findeep train's
    flags, so a new flag cannot make it mistake the data for an option's value."""
    train = typer.main.get_command(app).commands["train"]  # type: ignore[attr-defined]
    flags = {name for param in train.params if isinstance(param, TyperOption)
             and (param.is_flag or param.count)
             for name in [*param.opts, *param.secondary_opts]}
    assert flags == set(TRAIN_FLAGS) - {"--help"}  # click adds --help itself


def test_a_session_findeep_starts_logs_quietly_unless_spark_has_a_log_of_its_own(tmp_path):
    """Without a Spark log configuration the driver reads findeep's (fatal only, packaged
    beside the code); a log4j2.properties in SPARK_CONF_DIR or SPARK_HOME/conf, or a driver
    option set in spark-defaults.conf or PYSPARK_SUBMIT_ARGS, is left to rule."""
    from findeep.spark import QUIET_LOG_CONFIG, spark_log_options

    option = spark_log_options({})["spark.driver.extraJavaOptions"]
    assert option == f"-Dlog4j2.configurationFile={QUIET_LOG_CONFIG.as_uri()}"
    assert "rootLogger.level = fatal" in QUIET_LOG_CONFIG.read_text()
    conf = tmp_path / "conf"
    conf.mkdir()
    assert "spark.driver.extraJavaOptions" in spark_log_options({"SPARK_CONF_DIR": str(conf)})
    (conf / "spark-defaults.conf").write_text("spark.driver.extraJavaOptions -Dx=1\n")
    assert spark_log_options({"SPARK_CONF_DIR": str(conf)}) == {}
    (conf / "spark-defaults.conf").unlink()
    (conf / "log4j2.properties").write_text("rootLogger.level = info\n")
    assert spark_log_options({"SPARK_CONF_DIR": str(conf)}) == {}
    assert spark_log_options({"SPARK_HOME": str(tmp_path)}) == {}
    assert spark_log_options({"PYSPARK_SUBMIT_ARGS":
                              "--conf spark.driver.extraJavaOptions=-Dy=2 pyspark-shell"}) == {}


def test_a_java_failure_is_named_by_its_innermost_cause():
    """py4j's message opens with 'An error occurred while calling o34.parquet.' and a Java
    stack; the sentence findeep gives quotes the innermost cause's own line."""
    from findeep.spark import _java_cause

    text = ("An error occurred while calling o34.parquet.\n"
            ": java.lang.RuntimeException: java.lang.ClassNotFoundException: Class X not found\n"
            "\tat org.apache.hadoop.conf.Configuration.getClass(Configuration.java:2737)\n"
            "Caused by: java.lang.ClassNotFoundException: Class X not found\n"
            "\t... 25 more\n")
    assert _java_cause(Exception(text)) == "java.lang.ClassNotFoundException: Class X not found"
    assert _java_cause(Exception("plain failure\nmore")) == "plain failure"


def test_py4j_interrupt_tracebacks_are_kept_out_of_the_cli(caplog):
    """py4j logs "… while sending command." with a traceback on the root logger when Ctrl-C
    lands mid-call; inside the CLI's Spark commands those records are dropped, other
    records pass, and the filter goes when the command ends."""
    import logging

    from findeep.spark import quiet_py4j_interrupts

    with caplog.at_level(logging.INFO), quiet_py4j_interrupts():
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            logging.exception("KeyboardInterrupt while sending command.")
        logging.error("Exception while sending command.")
        logging.error("something else")
    assert [r.getMessage() for r in caplog.records] == ["something else"]
    with caplog.at_level(logging.INFO):
        logging.error("Exception while sending command.")
    assert caplog.records[-1].getMessage() == "Exception while sending command."


def test_a_rank_s_own_error_wins_over_the_interrupted_lines_torchrun_causes() -> None:
    """When one rank fails, torchrun stops the others and each says "interrupted": the
    failing rank's line is the cause, whichever order the lines came in."""
    from findeep.spark import _rank_failure

    lines = ["findeep: interrupted; no bundle was written.",
             "findeep: warning: 3 rows had no target",
             "findeep: test_fraction must be in (0, 1), however: 1.5"]
    assert _rank_failure(lines) == "test_fraction must be in (0, 1), however: 1.5"


def test_a_rank_killed_without_a_word_is_named_from_torchrun_s_summary() -> None:
    """Only "interrupted" lines: the message names the rank torchrun's summary gives as the
    root cause and its signal, not "interrupted" as if someone had pressed Ctrl-C."""
    from findeep.spark import _rank_failure

    lines = ["findeep: interrupted; no bundle was written.",
             "Root Cause (first observed failure):", "[1]:",
             "time      : 2026-12-06_10:00:00", "rank      : 1 (local_rank: 1)",
             "exitcode  : -9 (pid: 4242)"]
    said = _rank_failure(lines)
    assert said.startswith("rank 1 was killed by SIGKILL without a line of its own, and "
                           "torchrun then stopped the others"), said
    assert _rank_failure(["findeep: interrupted; no bundle was written."],
                         "Command ['torchrun'] failed with return code 1. The task output"
                         ).startswith("a rank exited with code 1 without a line of its own")
