"""The command line as a user meets it: round trips, and one clear line for every bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cli_helpers import assert_one_line_error, run
from findeep.testing import make_credit_frame

# CLI plumbing, on one network (bagging: tests/train/test_bagging.py)
QUICK = ["--max-epochs", "3", "--bagging", "1", "--quiet"]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli")


@pytest.fixture(scope="module")
def unseen_credit(workdir: Path) -> Path:
    """A credit table findeep has never seen, with an id column."""
    frame = make_credit_frame(1_200, seed=21).drop(columns=["applied_on"])
    frame.insert(0, "application_id", [f"A{i:06d}" for i in range(len(frame))])
    path = workdir / "applications.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def bundle(workdir: Path, unseen_credit: Path) -> Path:
    out = workdir / "bundle"
    result = run("train", unseen_credit, "--target", "default", "--out", out, *QUICK)
    assert result.exit_code == 0, result.output
    return out


def test_train_writes_bundle_and_metrics(bundle: Path) -> None:
    """train leaves a loadable bundle whose metrics.json holds held-out AUC and friends."""
    metrics = json.loads((bundle / "metrics.json").read_text())
    assert metrics["split"] == "stratified random" and metrics["test"]["rows"] == 240
    for key in ("roc_auc", "pr_auc", "ks", "gini", "log_loss", "brier", "accuracy", "f1"):
        assert 0 <= metrics["test"][key] <= 1 or key == "log_loss"
    assert metrics["test"]["roc_auc"] > 0.6


def test_predict_then_evaluate_round_trip(bundle: Path, unseen_credit: Path,
                                          workdir: Path) -> None:
    """predict writes one scored row per input row with its id; evaluate reproduces metrics."""
    scores_path = workdir / "scores.parquet"
    result = run("predict", bundle, unseen_credit, "--out", scores_path,
                 "--id-column", "application_id")
    assert result.exit_code == 0, result.output
    scores = pd.read_parquet(scores_path)
    source = pd.read_csv(unseen_credit)
    assert len(scores) == len(source)
    assert scores["application_id"].tolist() == source["application_id"].tolist()
    assert scores["probability_1"].between(0, 1).all()
    result = run("evaluate", bundle, unseen_credit, "--out", workdir / "eval.json")
    assert result.exit_code == 0, result.output
    # the table names the event and the threshold behind the threshold metrics (words
    # compared with the line breaks undone: the title, which starts with the bundle's path,
    # wraps at 80 columns where the temporary folder's path is long, e.g. under pytest -n)
    stdout, stderr = " ".join(result.stdout.split()), " ".join(result.stderr.split())
    assert "1,200 rows, event 1 in" in stdout and "precision @0.5" in stdout
    assert "gains table: 10 bands" in stdout
    # this is the training file: evaluate says its metrics are optimistic
    assert "match a training row" in stderr
    evaluation = json.loads((workdir / "eval.json").read_text())
    assert [band["rows"] for band in evaluation["gains_table"]] == [120] * 10
    assert evaluation["rows"] == len(source) and evaluation["roc_auc"] > 0.6


def test_id_column_is_copied_as_written(bundle: Path, unseen_credit: Path,
                                       workdir: Path) -> None:
    """Account numbers '00000001' came out as 1, and '1001' beside a blank id as 1001.0:
    predict, explain and a policy copy the id column as the text of the file."""
    frame = pd.read_csv(unseen_credit).drop(columns=["application_id"]).head(50)
    ids = [f"{i:08d}" for i in range(len(frame))]
    ids[3], ids[4] = None, "1001"
    frame.insert(0, "account_no", ids)
    path = _csv(workdir, "accounts.csv", frame)
    for command, out in (("predict", "scored_ids.csv"), ("explain", "explained_ids.csv")):
        result = run(command, bundle, path, "--out", workdir / out, "--id-column", "account_no")
        assert result.exit_code == 0, result.output
        written = pd.read_csv(workdir / out, dtype=str, keep_default_na=False)["account_no"]
        assert written.tolist()[:5] == ["00000000", "00000001", "00000002", "", "1001"]


def test_an_id_column_the_model_reads_is_still_copied_as_written(workdir: Path) -> None:
    """Branch '0006' as both the id and an input came out as 6."""
    frame = make_credit_frame(300, seed=2).drop(columns=["applied_on"])
    frame["branch"] = np.arange(len(frame)) % 7
    model = workdir / "branch-model"
    assert run("train", _csv(workdir, "branches.csv", frame), "--target", "default", "--out",
               model, *QUICK).exit_code == 0
    score = frame.drop(columns=["default"]).head(10).astype({"branch": str})
    score["branch"] = score["branch"].str.zfill(4)
    path = _csv(workdir, "branches_to_score.csv", score)
    result = run("predict", model, path, "--out", workdir / "branch_scores.csv",
                 "--id-column", "branch")
    assert result.exit_code == 0, result.output
    written = pd.read_csv(workdir / "branch_scores.csv", dtype=str)["branch"]
    assert written.tolist() == score["branch"].tolist()


def test_blank_lines_below_the_table_are_scored_but_named(bundle: Path, unseen_credit: Path,
                                                          workdir: Path) -> None:
    """A spreadsheet's empty rows were scored as applicants without a word."""
    path = workdir / "with_blanks.csv"
    path.write_text(unseen_credit.read_text().rstrip("\n") + "\n" + "," * 13 + "\n")
    result = run("predict", bundle, path, "--out", workdir / "blanks_scored.csv")
    assert result.exit_code == 0, result.output
    assert "1 row(s) of" in result.stderr and "have no value in any column" in result.stderr


def test_out_of_time_split_reports_itself(workdir: Path) -> None:
    """--time-column tests on the latest rows and says so in metrics.json."""
    path = workdir / "dated.csv"
    make_credit_frame(800, seed=2).to_csv(path, index=False)
    out = workdir / "oot"
    result = run("train", path, "--target", "default", "--time-column", "applied_on",
                 "--out", out, *QUICK)
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["split"] == "out-of-time on applied_on"
    assert metrics["training"]["validation_split"] == "out-of-time"


def test_evaluate_says_when_the_test_is_not_out_of_time_or_holds_training_rows(
        workdir: Path) -> None:
    """An out-of-time model evaluated on its own file gets both warnings; on later rows,
    neither, and the JSON records the checks."""
    frame = make_credit_frame(900, seed=5)
    whole, later = workdir / "dated3.csv", workdir / "dated3_later.csv"
    frame.to_csv(whole, index=False)
    out = workdir / "oot3"
    result = run("train", whole, "--target", "default", "--time-column", "applied_on",
                 "--out", out, *QUICK)
    assert result.exit_code == 0, result.output
    last = json.loads((out / "bundle.json").read_text())["training"]["last_time"]
    frame[pd.to_datetime(frame["applied_on"]) > pd.Timestamp(last)].to_csv(later, index=False)

    result = run("evaluate", out, whole)
    assert result.exit_code == 0, result.output
    assert f"rows are dated on or before {last} (applied_on)" in result.stderr
    assert "match a training row in every column the model reads" in result.stderr

    result = run("evaluate", out, later, "--out", workdir / "later.json")
    assert result.exit_code == 0 and "warning" not in result.stderr, result.stderr
    checks = json.loads((workdir / "later.json").read_text())
    assert checks["rows_dated_in_training_period"] == 0
    assert checks["training_overlap"]["matched"] == 0


def test_random_split_of_dated_data_warns(workdir: Path) -> None:
    """A random split on a table with dates prints a one-line warning and still trains."""
    path = workdir / "dated2.csv"
    make_credit_frame(500, seed=4).to_csv(path, index=False)
    result = run("train", path, "--target", "default", "--out", workdir / "w", *QUICK)
    assert result.exit_code == 0
    assert "warning: the data has date column(s) applied_on" in result.stderr


def test_unseen_categories_are_scored_and_counted(bundle: Path, unseen_credit: Path,
                                                  workdir: Path) -> None:
    """New category values score as 'unknown' with a note, not an error."""
    frame = pd.read_csv(unseen_credit).head(50)
    frame.loc[:9, "purpose"] = "crypto"
    path = workdir / "new_cats.csv"
    frame.to_csv(path, index=False)
    result = run("predict", bundle, path, "--out", workdir / "new_scores.csv")
    assert result.exit_code == 0, result.output
    assert "never seen in training: 'purpose' 10" in result.stderr  # a warning, with the rest


def test_datasets_lists_the_samples() -> None:
    """datasets names every built-in sample with its target."""
    result = run("datasets")
    assert result.exit_code == 0
    for name in ("sample:credit", "sample:loans", "sample:sp500"):
        assert name in result.output


# ---- every bad input: exit 2, one line --------------------------------------------------------
def _csv(workdir: Path, name: str, frame: pd.DataFrame) -> Path:
    path = workdir / name
    frame.to_csv(path, index=False)
    return path


def test_missing_file(workdir: Path) -> None:
    assert_one_line_error(run("train", workdir / "nope.csv", "--target", "y", "--out",
                              workdir / "x"), "does not exist")


def test_unreadable_file(workdir: Path) -> None:
    path = workdir / "broken.parquet"
    path.write_bytes(b"\x00\x01 definitely not parquet")
    assert_one_line_error(run("train", path, "--target", "y", "--out", workdir / "x"),
                          "cannot read")


def test_empty_file(workdir: Path) -> None:
    path = workdir / "empty.csv"
    path.write_text("")
    assert_one_line_error(run("train", path, "--target", "y", "--out", workdir / "x"), "empty")


def test_header_only(workdir: Path) -> None:
    path = workdir / "header.csv"
    path.write_text("income,age,default\n")
    assert_one_line_error(run("train", path, "--target", "default", "--out", workdir / "x"),
                          "no rows")


def test_target_absent_lists_close_matches(unseen_credit: Path, workdir: Path) -> None:
    assert_one_line_error(run("train", unseen_credit, "--target", "defualt", "--out",
                              workdir / "x"), "'defualt' is not in the data", "'default'")


@pytest.mark.parametrize(("fraction", "expected"), [
    ("0", "--test-fraction) must be between 0 and 1"),
    ("0.999", "leaves 0 to train on"),
    ("0.95", "leaves 5 to train on"),
])
def test_test_fraction_that_leaves_no_training_rows_is_one_line(
        workdir: Path, fraction: str, expected: str) -> None:
    """0.999 of 100 rows reached scikit-learn and ended in its traceback."""
    frame = make_credit_frame(100, seed=0)
    assert_one_line_error(run("train", _csv(workdir, "few.csv", frame), "--target", "default",
                              "--test-fraction", fraction, "--out", workdir / "x", *QUICK),
                          expected)


def test_single_class_target(workdir: Path) -> None:
    frame = make_credit_frame(100, seed=0).assign(default=1)
    assert_one_line_error(run("train", _csv(workdir, "one.csv", frame), "--target", "default",
                              "--out", workdir / "x"), "single class")


def test_all_missing_column(workdir: Path) -> None:
    frame = make_credit_frame(100, seed=0).assign(blank=np.nan)
    assert_one_line_error(run("train", _csv(workdir, "blank.csv", frame), "--target", "default",
                              "--out", workdir / "x", *QUICK), "'blank'", "no values")


def test_non_numeric_regression_target(workdir: Path) -> None:
    frame = make_credit_frame(100, seed=0)
    assert_one_line_error(run("train", _csv(workdir, "reg.csv", frame), "--target", "purpose",
                              "--task", "regression", "--out", workdir / "x"), "not numeric")


def test_infinite_values(workdir: Path) -> None:
    frame = make_credit_frame(100, seed=0)
    frame.loc[5, "income"] = np.inf
    assert_one_line_error(run("train", _csv(workdir, "inf.csv", frame), "--target", "default",
                              "--out", workdir / "x", *QUICK), "income", "infinite")


def test_scoring_data_missing_columns_names_them_all(bundle: Path, unseen_credit: Path,
                                                     workdir: Path) -> None:
    frame = pd.read_csv(unseen_credit).drop(columns=["income", "home"])
    path = _csv(workdir, "short.csv", frame)
    assert_one_line_error(run("predict", bundle, path, "--out", workdir / "s.csv"),
                          "income", "home")


def test_existing_out_without_force(bundle: Path, unseen_credit: Path) -> None:
    before = (bundle / "checksums.json").read_text()
    assert_one_line_error(run("train", unseen_credit, "--target", "default", "--out", bundle),
                          "already exists", "--force")
    assert (bundle / "checksums.json").read_text() == before


def test_force_never_deletes_a_folder_that_is_not_a_bundle(unseen_credit: Path,
                                                          workdir: Path) -> None:
    """--force replaces a bundle; a user's folder of other files is refused, kept whole."""
    folder = workdir / "my-notes"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    assert_one_line_error(run("train", unseen_credit, "--target", "default", "--out", folder,
                              "--force", *QUICK), "not a findeep bundle", "notes.txt")
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    empty = workdir / "empty-folder"
    empty.mkdir()
    assert run("train", unseen_credit, "--target", "default", "--out", empty, "--force",
               *QUICK).exit_code == 0
    assert (empty / "bundle.json").is_file()


@pytest.mark.parametrize("where", ["under-a-file", "dot", "proc"])
def test_an_output_nothing_can_be_written_to_is_refused_before_training(
        where: str, bundle: Path, unseen_credit: Path, workdir: Path) -> None:
    """A file in the path, '.', or a folder that takes no entries: one line, exit 2, for
    train (before fitting), predict and evaluate --policy-out alike."""
    blocker = workdir / "blocker.csv"
    blocker.write_text("x\n")
    out = {"under-a-file": blocker / "sub", "dot": Path("."),
           "proc": Path("/proc/findeep-nope/x")}[where]
    expected = {"under-a-file": "is a file", "dot": "names no file or folder",
                "proc": "does not take new files"}[where]
    assert_one_line_error(run("train", unseen_credit, "--target", "default", "--out", out,
                              "--force", *QUICK), expected)
    if where != "dot":
        assert_one_line_error(run("predict", bundle, unseen_credit, "--out", out / "s.csv"),
                              expected)
        assert_one_line_error(run("evaluate", bundle, unseen_credit, "--lgd", "0.45",
                                  "--policy-out", out / "p.json"), expected)


def test_tampered_bundle(bundle: Path, unseen_credit: Path, workdir: Path) -> None:
    import shutil

    copy = workdir / "tampered"
    shutil.copytree(bundle, copy)
    weights = copy / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-10] ^= 0xFF
    weights.write_bytes(bytes(data))
    assert_one_line_error(run("predict", copy, unseen_credit, "--out", workdir / "t.csv"),
                          "checksum mismatch")
    assert not (workdir / "t.csv").exists()


def test_unknown_model_name(unseen_credit: Path, workdir: Path) -> None:
    assert_one_line_error(run("train", unseen_credit, "--target", "default", "--model",
                              "seed_mlp", "--out", workdir / "x"), "unknown model")
    assert not (workdir / "x").exists()


def test_regression_with_huber_loss_and_standard_scaling(workdir: Path) -> None:
    """--task regression --loss huber --scaling standard trains and reports R²."""
    frame = make_credit_frame(600, seed=8).drop(columns=["applied_on", "default"])
    path = _csv(workdir, "rates.csv", frame.dropna(subset=["income"]))
    out = workdir / "huber"
    result = run("train", path, "--target", "income", "--task", "regression", "--loss", "huber",
                 "--scaling", "standard", "--out", out, *QUICK)
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["task"] == "regression" and "r2" in metrics["test"]
    assert metrics["training"]["config"]["loss"] == "huber"


@pytest.mark.parametrize("bagging", ["1", "auto"])
@pytest.mark.parametrize("fraction", ["1.5", "0"])
def test_a_validation_fraction_outside_0_1_is_refused_by_its_own_name(
        unseen_credit: Path, workdir: Path, bagging: str, fraction: str) -> None:
    """It named test_fraction with one network and was ignored by a bag."""
    assert_one_line_error(run("train", unseen_credit, "--target", "default", "--out",
                              workdir / "vf", "--bagging", bagging, "--validation-fraction",
                              fraction), "validation_fraction (--validation-fraction) must be",
                          f"however: {float(fraction)}")


def test_a_loss_that_does_not_fit_the_task_is_refused(unseen_credit: Path,
                                                       workdir: Path) -> None:
    assert_one_line_error(run("train", unseen_credit, "--target", "default", "--loss", "mse",
                              "--out", workdir / "x", *QUICK), "does not fit a binary task")


def test_bad_training_option_is_one_line(unseen_credit: Path, workdir: Path) -> None:
    assert_one_line_error(run("train", unseen_credit, "--target", "default", "--max-epochs", "0",
                              "--out", workdir / "x"), "max_epochs must be a positive integer")
    assert not (workdir / "x").exists()


def test_the_cli_starts_without_loading_torch_pandas_or_scikit_learn() -> None:
    """`findeep --help` and one-line input errors do not pay torch's ~1.5 s, scikit-learn's
    ~2 s or pandas' ~1 s import (the CLI's start took 2.9 s): the package and its
    sub-packages load their heavy parts on first use."""
    import subprocess
    import sys

    code = ("import sys, findeep.cli, findeep, findeep.forecast; "
            "print(*[m in sys.modules for m in ('torch', 'sklearn', 'pandas')])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.split() == ["False", "False", "False"]
    lazy = ("import pickle, findeep, sklearn.exceptions as e; n = findeep.NotFittedError; "
            "print(issubclass(n, e.NotFittedError), issubclass(n, findeep.FindeepError), "
            "type(pickle.loads(pickle.dumps(n('x')))) is n)")  # a worker's error comes back
    result = subprocess.run([sys.executable, "-c", lazy], capture_output=True, text=True,
                            check=True)
    assert result.stdout.split() == ["True", "True", "True"]


def test_scoring_commands_load_no_explanation_library(bundle: Path, unseen_credit: Path,
                                                     workdir: Path) -> None:
    """`predict` and `evaluate` (the cut-off policy's checks included) do not import Captum
    or the explanation modules (~1 s of `evaluate`'s start), and `drift` reads the
    explanation modules without Captum, which loads only when attributions are computed."""
    import subprocess
    import sys

    def modules_after(*commands: list[str]) -> list[str]:
        invoke = "; ".join(f"print(r.invoke(app, {c!r}).exit_code)" for c in commands)
        code = ("import sys; from typer.testing import CliRunner; from findeep.cli import app; "
                f"r = CliRunner(); {invoke}; "
                "print(*[m in sys.modules for m in ('captum', 'findeep.explain')])")
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                check=True)
        return result.stdout.split()

    data = [str(bundle), str(unseen_credit)]
    assert modules_after(["evaluate", *data], ["predict", *data, "--out",
                                               str(workdir / "lean.csv")]
                         )[-4:] == ["0", "0", "False", "False"]
    assert modules_after(["drift", *data])[-3:] == ["0", "False", "True"]


def test_threshold_sets_the_cut_off_for_labels_and_threshold_metrics(
        bundle: Path, unseen_credit: Path, workdir: Path) -> None:
    """--threshold moves predicted labels and the threshold metrics; tables name it."""
    predicted = {}
    for threshold in ("0.5", "0.1"):
        out = workdir / f"cut_{threshold}.csv"
        result = run("predict", bundle, unseen_credit, "--out", out, "--threshold", threshold)
        assert result.exit_code == 0, result.output
        scores = pd.read_csv(out)
        predicted[threshold] = scores["predicted"]
        assert (scores["predicted"] == (scores["probability_1"] >= float(threshold))).all()
    assert predicted["0.1"].sum() > predicted["0.5"].sum()

    evaluations = {}
    for threshold in ("0.5", "0.1"):
        path = workdir / f"cut_{threshold}.json"
        result = run("evaluate", bundle, unseen_credit, "--threshold", threshold, "--out", path)
        assert result.exit_code == 0 and f"recall @{threshold}" in result.stdout
        evaluations[threshold] = json.loads(path.read_text())
    low, high = evaluations["0.1"], evaluations["0.5"]
    assert low["threshold"] == 0.1 and low["recall"] > high["recall"]
    assert low["roc_auc"] == high["roc_auc"]  # ranking metrics do not depend on it
    assert_one_line_error(run("predict", bundle, unseen_credit, "--out", workdir / "x.csv",
                              "--threshold", "1.5"), "threshold must be between 0 and 1")


def test_evaluate_on_rows_without_any_label_is_one_line(bundle: Path, unseen_credit: Path,
                                                        workdir: Path) -> None:
    frame = pd.read_csv(unseen_credit).head(20).assign(default=np.nan)
    path = workdir / "unlabelled.csv"
    frame.to_csv(path, index=False)
    assert_one_line_error(run("evaluate", bundle, path), "no row of the data has a 'default'")


def test_no_row_sketch_keeps_training_row_hashes_out_of_the_bundle(unseen_credit: Path,
                                                                   workdir: Path) -> None:
    """--no-row-sketch: the bundle holds no hashes, and evaluate cannot (and does not) warn."""
    out = workdir / "no_sketch"
    result = run("train", unseen_credit, "--target", "default", "--out", out,
                 "--no-row-sketch", *QUICK)
    assert result.exit_code == 0, result.output
    assert "training_rows" not in json.loads((out / "bundle.json").read_text())
    result = run("evaluate", out, unseen_credit, "--out", workdir / "no_sketch.json")
    assert result.exit_code == 0 and "match a training row" not in result.stderr
    assert "training_overlap" not in json.loads((workdir / "no_sketch.json").read_text())


@pytest.mark.parametrize(("command", "said"), [
    (["train", "{data}", "--target", "default", "--weight-decay", "nan"], "weight_decay"),
    (["train", "{data}", "--target", "default", "--learning-rate", "inf"], "learning_rate"),
    (["train", "{data}", "--target", "default", "--seed", "-1"], "random_state (--seed)"),
    (["benchmark", "{data}", "--target", "default", "--models", "logreg", "--seed",
      "99999999999999999999"], "random_state (--seed)"),
    (["explain", "{bundle}", "{data}", "--top", "99999999999999999999", "--out",
      "{workdir}/reasons.csv"], "top must be"),
    (["dependence", "{bundle}", "{data}", "--column", "income", "--grid-resolution",
      "99999999999"], "grid_resolution must be"),
])
def test_out_of_range_options_are_one_line(command: list[str], said: str, bundle: Path,
                                           unseen_credit: Path, workdir: Path) -> None:
    """NaN, infinite, negative or absurdly large option values get one sentence naming the
    option (they used to reach numpy or scikit-learn and end in a traceback)."""
    args = [a.format(data=unseen_credit, bundle=bundle, workdir=workdir) for a in command]
    if args[0] == "train":
        args += ["--out", str(workdir / "refused-model")]
    assert_one_line_error(run(*args), said)
    assert not (workdir / "refused-model").exists()


@pytest.mark.parametrize(("command", "said"), [
    (["forecast", "train", "{prices}", "--date-column", "date", "--window", "99999999999"],
     "window must be"),
    (["forecast", "train", "{prices}", "--date-column", "date", "--members", "99999999999"],
     "n_members must be"),
    (["forecast", "train", "{prices}", "--date-column", "date", "--learning-rate", "nan"],
     "learning_rate"),
    (["forecast", "train", "{prices}", "--date-column", "date", "--seed", "-1"],
     "random_state (--seed)"),
    (["recommend", "train", "{customers}", "--events", "{holdings}", "--customer-id",
      "customer_id", "--product", "product", "--date-column", "month", "--seed", "-1"],
     "random_state (--seed)"),
    (["pricing", "generate", "--n", "99999999999999999999"], "n must be"),
    (["pricing", "generate", "--n", "50", "--seed", "-1"], "random_state (--seed)"),
])
def test_out_of_range_options_of_the_applications_are_one_line(
        command: list[str], said: str, workdir: Path) -> None:
    """The forecasting, recommendation and pricing commands check the same kinds of option
    values (they used to hang, overflow or end in a numpy/torch traceback)."""
    from findeep.testing import make_bank_customers

    prices = workdir / "prices.csv"
    if not prices.exists():
        days = pd.date_range("2020-01-01", periods=120, freq="D")
        pd.DataFrame({"date": days.strftime("%Y-%m-%d"),
                      "close": 100 + np.arange(120) * 0.1}).to_csv(prices, index=False)
        bank = make_bank_customers(40, 4, seed=0)
        bank.customers.to_csv(workdir / "customers.csv", index=False)
        bank.holdings.to_csv(workdir / "holdings.csv", index=False)
    out = workdir / ("refused.parquet" if command[0] == "pricing" else "refused-bundle")
    args = [a.format(prices=prices, customers=workdir / "customers.csv",
                     holdings=workdir / "holdings.csv") for a in command]
    assert_one_line_error(run(*args, "--out", out), said)
    assert not out.exists()


def test_device_names_are_checked_before_any_work(unseen_credit: Path, workdir: Path) -> None:
    assert_one_line_error(run("train", unseen_credit, "--target", "default", "--out",
                              workdir / "tpu", "--device", "tpu", *QUICK),
                          "device must be auto, cpu, cuda or cuda:N")
    assert run("train", unseen_credit, "--target", "default", "--out", workdir / "upper",
               "--device", "CPU", *QUICK).exit_code == 0


def test_a_threshold_that_would_be_ignored_is_refused(bundle: Path, unseen_credit: Path,
                                                       workdir: Path) -> None:
    """--threshold beside --policy, or on a model without a cut-off, is an error, not a no-op."""
    frame = pd.read_csv(unseen_credit)
    frame["grade"] = np.random.default_rng(0).choice(["A", "B", "C"], len(frame))
    three = _csv(workdir, "three.csv", frame.drop(columns=["default"]))
    multiclass = workdir / "three-classes"
    assert run("train", three, "--target", "grade", "--out", multiclass, *QUICK).exit_code == 0
    assert_one_line_error(run("predict", multiclass, three, "--out", workdir / "m.csv",
                              "--threshold", "0.2"), "--threshold applies to binary models")
    policy = workdir / "never-read.json"
    policy.write_text("{}")
    assert_one_line_error(run("predict", bundle, unseen_credit, "--out", workdir / "d.csv",
                              "--policy", policy, "--threshold", "0.1"),
                          "--threshold and --policy")


def test_evaluate_says_how_many_rows_had_no_label(bundle: Path, unseen_credit: Path,
                                                  workdir: Path) -> None:
    frame = pd.read_csv(unseen_credit)
    frame.loc[:5, "default"] = np.nan
    result = run("evaluate", bundle, _csv(workdir, "unlabelled-rows.csv", frame))
    assert result.exit_code == 0
    assert "6 row(s) without a label left out" in " ".join(result.output.split())


def test_a_bundle_of_another_kind_or_a_file_is_refused_with_where_to_go(
        unseen_credit: Path, workdir: Path) -> None:
    from findeep.bundle import write_bundle

    pricer = write_bundle(workdir / "looks-like-a-pricer", kind="pricing", meta={},
                          tensors={})
    assert_one_line_error(run("drift", pricer, unseen_credit), "findeep pricing price")
    assert_one_line_error(run("predict", unseen_credit, unseen_credit, "--out",
                              workdir / "x.csv"), "is a file; a findeep bundle is the folder")


def test_help_names_the_extras_to_install(monkeypatch) -> None:
    """Rich markup would eat '[text]' and '[peers]' unless escaped."""
    monkeypatch.setenv("COLUMNS", "200")
    assert "findeep[text]" in " ".join(run("train", "--help").output.split())
    assert "findeep[peers]" in " ".join(run("benchmark", "--help").output.split())


def test_the_bundle_and_its_metrics_agree_on_the_rows_left_out(tmp_path: Path) -> None:
    """60 blank targets: bundle.json's training record said 0 (the fit never saw them),
    metrics.json said 60."""
    from findeep.testing import make_credit_frame

    frame = make_credit_frame(500, seed=4).astype({"default": float})
    frame.loc[:59, "default"] = np.nan
    path = tmp_path / "blank.csv"
    frame.to_csv(path, index=False)
    result = run("train", path, "--target", "default", "--out", tmp_path / "m",
                 "--max-epochs", "1", "--bagging", "1", "-q")
    assert result.exit_code == 0, result.output
    bundle = json.loads((tmp_path / "m" / "bundle.json").read_text())
    metrics = json.loads((tmp_path / "m" / "metrics.json").read_text())
    assert bundle["training"]["dropped_missing_target"] == 60
    assert metrics["dropped_missing_target"] == 60


def test_a_class_with_no_test_row_is_refused_not_scored_perfect(tmp_path: Path) -> None:
    """2,999 rows of '7' and one '8': it trained and reported accuracy 1.0 with no AUC."""
    from findeep.testing import make_credit_frame

    frame = make_credit_frame(600, seed=5).drop(columns=["default"])
    frame["branch"] = ["8" if i == 0 else "7" for i in range(len(frame))]
    path = tmp_path / "rare.csv"
    frame.to_csv(path, index=False)
    assert_one_line_error(run("train", path, "--target", "branch", "--out", tmp_path / "m"),
                          "class(es) 8 (1 row(s) in all) have no row in the test split")


@pytest.mark.parametrize(("args", "expected"), [
    (["evaluate", "model", "data.csv", "--LGD", "0.45"],
     "findeep: No such option: --LGD; see 'findeep evaluate --help'."),
    (["predict", "model", "data.csv"],
     "findeep: Missing option '--out'; see 'findeep predict --help'."),
    (["train", "data.csv", "--target", "y", "--max-epochs", "abc"], "'--max-epochs'"),
    (["frobnicate"], "No such command 'frobnicate'"),
])
def test_usage_errors_from_the_console_script_are_one_line(args, expected) -> None:
    """click's usage errors (an unknown or misspelt option, a missing one, a value of the
    wrong type) are one line on stderr and exit 2 from the real entry point, as findeep's
    own refusals are, not a usage block and a boxed error."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "findeep", *args], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], done.stderr


def test_help_into_a_closed_pipe_ends_quietly() -> None:
    """`findeep predict --help | head -1`: the reader leaves early; no traceback (an except
    clause naming a class typer's click lacks made every exit reaching it one)."""
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-m", "findeep", "predict", "--help"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    process.stdout.read(10)
    process.stdout.close()
    _, stderr = process.communicate(timeout=120)
    assert b"Traceback" not in stderr and b"Error" not in stderr, stderr.decode()


def test_train_weighs_rows_by_a_weight_column_that_is_not_a_feature(tmp_path) -> None:
    """--weight-column: the loss weighs each row by it (events at 5x raise the scores), the
    column is no input of the model, and a misspelt or negative one is one line (streamed:
    tests/test_streamed_options.py)."""
    import json

    import numpy as np

    from findeep.testing import make_credit_frame

    frame = make_credit_frame(1_200, seed=3).drop(columns=["applied_on"])
    frame["exposure"] = np.where(frame["default"] == 1, 5.0, 1.0)
    data = tmp_path / "weighted.csv"
    frame.to_csv(data, index=False)
    common = ["--target", "default", "--max-epochs", "3", "--bagging", "1", "--no-calibrate",
              "-q"]
    assert run("train", data, *common, "--weight-column", "exposure",
               "--out", tmp_path / "w").exit_code == 0
    assert run("train", data, *common, "--out", tmp_path / "u").exit_code == 0
    meta = json.loads((tmp_path / "w" / "bundle.json").read_text())
    assert meta["training"]["weight_column"] == "exposure"
    assert "exposure" not in [c["name"] for c in meta["schema"]["columns"]]
    scores = {}
    for name in ("w", "u"):
        assert run("predict", tmp_path / name, data, "--out", tmp_path / f"{name}.csv"
                   ).exit_code == 0
        scores[name] = pd.read_csv(tmp_path / f"{name}.csv")["probability_1"].mean()
    assert scores["w"] > scores["u"] + 0.05
    assert_one_line_error(run("train", data, *common, "--weight-column", "exposre",
                              "--out", tmp_path / "x"), "Did you mean 'exposure'")
    frame.assign(exposure=-1.0).to_csv(tmp_path / "negative.csv", index=False)
    assert_one_line_error(run("train", tmp_path / "negative.csv", *common, "--weight-column",
                              "exposure", "--out", tmp_path / "x"), "1,200 missing")


def test_version_and_flags_read_as_they_work() -> None:
    """`findeep --version` (and -V) prints the version and exits 0; a flag's help shows no
    value to give it (`--force <bool>` invited a `--force=1` click refuses); the command
    list's summaries flow."""
    from findeep._version import __version__

    for option in ("--version", "-V"):
        result = run(option)
        assert result.exit_code == 0 and result.stdout.strip() == f"findeep {__version__}"
    assert "<bool>" not in run("train", "--help").stdout
    assert "<int>" in run("train", "--help").stdout  # options that take a value keep it
    # the command list flows each summary as one paragraph, not the source's line breaks
    assert "gains table, and with --lgd the economics" in " ".join(run("--help").stdout.split())


def test_results_written_as_json_must_be_named_json(tmp_path) -> None:
    """benchmark and text benchmark write JSON: '--out results.csv' is one line before any
    fitting (a spreadsheet would open JSON as one broken column), as evaluate's is."""
    for command in (("benchmark", "sample:credit"),
                    ("text", "benchmark", "x.csv", "--target", "label")):
        result = run(*command, "--out", tmp_path / "results.csv")
        assert_one_line_error(result, "writes the results as JSON; name it with .json")
        assert not (tmp_path / "results.csv").exists()


def test_help_fits_an_80_column_terminal_with_room_for_the_help_text() -> None:
    """Each option's names stack in one column (``console._OneNameColumn``): at 80 columns
    the help text starts by column 35 and ``findeep train --help`` is ~120 lines, where
    Typer's four name columns (``--row-sketch`` beside ``--no-row-sketch``, an alias beside
    its name) left it ~22 characters a line and 220 lines."""
    import subprocess
    import sys

    shown = subprocess.run([sys.executable, "-m", "findeep", "train", "--help"],
                           capture_output=True, text=True, check=True,
                           env={**os.environ, "COLUMNS": "80", "TERM": "dumb"}).stdout
    lines = shown.splitlines()
    assert max(len(line) for line in lines) <= 80 and len(lines) < 150, shown
    event = next(line for line in lines if "--event-class" in line)
    assert 0 < event.index("Binary targets") <= 35, event
    calibrate = next(i for i, line in enumerate(lines) if "--calibrate" in line)
    assert "--no-calibrate" in lines[calibrate + 1] and "--no-calibrate" not in lines[calibrate]
    columns = next(i for i, line in enumerate(lines) if "--text-columns" in line)
    assert "--text-column " in lines[columns + 1]  # the alias on its own line
