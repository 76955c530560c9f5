from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from findeep.benchmark import run_benchmark
from findeep.cli import app
from findeep.evaluate import baselines
from findeep.testing import make_credit_frame


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return make_credit_frame(700, seed=5).drop(columns=["applied_on"])


@pytest.fixture(scope="module")
def result(frame: pd.DataFrame):
    return run_benchmark(frame, "default", models=["seed-mlp", "logreg", "lightgbm"], n_folds=3,
                         verbose=0)


def test_every_model_is_scored_on_every_fold(result) -> None:
    """Each model has one record per fold, so comparisons are paired."""
    folds = pd.DataFrame(result.folds)
    assert folds.groupby("model")["fold"].apply(sorted).tolist() == [[0, 1, 2]] * 3
    assert folds["roc_auc"].between(0.5, 1).all()


def test_summary_reports_mean_std_and_paired_difference(result) -> None:
    """The summary's mean matches the folds and the difference is against the reference."""
    folds = pd.DataFrame(result.folds)
    summary = result.summary()
    logreg = folds[folds.model == "logreg"]["roc_auc"]
    assert summary["logreg"]["roc_auc_mean"] == pytest.approx(logreg.mean())
    assert summary["logreg"]["roc_auc_std"] == pytest.approx(logreg.std(ddof=1))
    reference = folds[folds.model == "lightgbm"]["roc_auc"].to_numpy()
    assert result.reference == "lightgbm"
    assert summary["logreg"]["roc_auc_diff_vs_reference_mean"] == pytest.approx(
        (logreg.to_numpy() - reference).mean())


def test_held_out_predictions_are_kept_and_match_the_fold_scores(result, frame) -> None:
    """Each fold's predictions line up with its test rows and reproduce the reported AUC."""
    from sklearn.metrics import roc_auc_score

    y = frame["default"].to_numpy()
    assert sorted(np.concatenate(result.test_rows).tolist()) == list(range(len(frame)))
    folds = pd.DataFrame(result.folds).set_index(["model", "fold"])
    for model, per_fold in result.predictions.items():
        for fold, (rows, prediction) in enumerate(zip(result.test_rows, per_fold, strict=True)):
            assert prediction.shape == rows.shape
            assert roc_auc_score(y[rows], prediction) == pytest.approx(
                folds.loc[(model, fold), "roc_auc"])
    assert "predictions" not in result.to_dict()


def test_a_missing_baseline_library_is_skipped_with_a_note(frame, monkeypatch) -> None:
    """Without catboost installed the run goes on and says why it skipped it."""
    real = baselines.available
    monkeypatch.setattr("findeep.benchmark.available",
                        lambda name: False if name == "catboost" else real(name))
    result = run_benchmark(frame, "default", models=["logreg", "catboost"], n_folds=2, verbose=0)
    assert result.models == ["logreg"]
    assert "catboost" in result.skipped and "findeep[baselines]" in result.skipped["catboost"]


def test_benchmark_command_writes_json(tmp_path: Path, frame: pd.DataFrame) -> None:
    """findeep benchmark prints a table and writes the same numbers as JSON."""
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "bench.json"
    result = CliRunner().invoke(app, ["benchmark", str(path), "--target", "default", "--n-folds",
                                      "2", "--models", "logreg,lightgbm", "--out", str(out),
                                      "--quiet"])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    assert set(document["summary"]) == {"logreg", "lightgbm"} and document["rows"] == 700
    assert "logreg" in result.output


def test_regression_tables_are_compared_on_r2(frame: pd.DataFrame) -> None:
    """A continuous target is benchmarked with R², RMSE and MAE."""
    result = run_benchmark(frame.drop(columns=["default"]), "income", models=["logreg"],
                           n_folds=2, verbose=0)
    assert result.task == "regression"
    assert {"r2_mean", "rmse_mean", "mae_mean"} <= set(result.summary()["logreg"])


def test_warm_up_sample_comes_from_training_rows_and_keeps_every_class() -> None:
    """The untimed warm-up fit sees only training rows, and is skipped when it would miss a
    class (a fit on one class would fail for reasons unrelated to the benchmark)."""
    import numpy as np

    from findeep.benchmark import _warm_up_rows

    y = np.array([0] * 900 + [1] * 100)
    train = np.arange(0, 1000, 2)
    rows = _warm_up_rows(train, y, "binary", seed=0)
    assert rows is not None and len(rows) == 256 and set(rows) <= set(train)
    assert set(y[rows]) == {0, 1}
    rare = np.array([0] * 999 + [1])
    assert _warm_up_rows(np.arange(1000), rare, "binary", seed=0) is None


def test_walk_forward_benchmark_tests_each_model_on_later_blocks() -> None:
    """--walk-forward --n-folds N: N out-of-time folds, the same for every model, each tested on
    rows dated after everything its models trained on; a spread over folds is reported."""
    frame = make_credit_frame(900, seed=6)
    result = run_benchmark(frame, "default", models=["logreg", "seed-mlp"],
                           time_column="applied_on", walk_forward=True, n_folds=3, verbose=0)
    assert result.split.startswith("walk-forward") and len(result.test_rows) == 3
    folds = pd.DataFrame(result.folds)
    assert folds.groupby("model")["fold"].apply(sorted).tolist() == [[0, 1, 2]] * 2
    dates = frame["applied_on"]
    tested = np.concatenate(result.test_rows)
    first_test_date = dates.iloc[result.test_rows[0]].min()
    assert (dates.iloc[tested] >= first_test_date).all()
    assert not np.isnan(result.summary()["logreg"]["roc_auc_std"])


def test_walk_forward_without_a_time_column_is_refused(tmp_path: Path,
                                                       frame: pd.DataFrame) -> None:
    """Walk-forward needs dates to order rows by: one clear line, exit code 2."""
    from cli_helpers import assert_one_line_error

    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    result = CliRunner().invoke(app, ["benchmark", str(path), "--target", "default",
                                      "--walk-forward", "--models", "logreg"])
    assert_one_line_error(result, "--time-column")


def test_an_unknown_model_is_refused_with_a_suggestion(tmp_path: Path,
                                                        frame: pd.DataFrame) -> None:
    """A typo gets the nearest name on the command line; in Python, a text model's name
    says which command benchmarks it (the command line routes text models there itself)."""
    from cli_helpers import assert_one_line_error
    from findeep.errors import ConfigError

    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    result = CliRunner().invoke(app, ["benchmark", str(path), "--target", "default",
                                      "--models", "logreg,defualt"])
    assert_one_line_error(result, "unknown model(s) defualt", "Did you mean 'default'?")
    with pytest.raises(ConfigError, match="text-cnn: a text model, benchmarked by "
                                          "'findeep text benchmark'"):
        run_benchmark(frame, "default", models=["logreg", "text-cnn"])


def test_benchmark_command_says_whether_default_clears_the_noise(tmp_path: Path,
                                                                  frame: pd.DataFrame) -> None:
    """With default and a reference in the run, the output ends with the paired difference
    in words: better / worse by more than one std of the per-fold differences, or within it."""
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    result = CliRunner().invoke(app, ["benchmark", str(path), "--target", "default", "--n-folds",
                                      "2", "--models", "default,logreg", "--quiet"])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines()
                if x.startswith("default (best network) vs logreg (best baseline):"))
    assert "roc_auc over the same folds" in line and "std of the per-fold differences" in line


def test_random_folds_on_dated_rows_warn_and_out_of_time_folds_do_not() -> None:
    """A dated table benchmarked on random folds gets the same warning as `findeep train`."""
    import warnings

    from findeep.data.schema import FindeepWarning

    frame = make_credit_frame(300, seed=2)
    with pytest.warns(FindeepWarning, match="applied_on but the split is random"):
        run_benchmark(frame, "default", models=["logreg"], n_folds=2, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FindeepWarning)
        run_benchmark(frame, "default", models=["logreg"], time_column="applied_on", verbose=0)


def test_a_class_no_fold_could_train_on_is_refused_in_one_line(tmp_path: Path) -> None:
    """A class with one row lands in one test fold and in no training rows: no model could
    score it, so the benchmark names it before fitting anything (it used to end in a
    scikit-learn traceback)."""
    from cli_helpers import assert_one_line_error

    rng = np.random.default_rng(0)
    table = pd.DataFrame({"x": rng.normal(size=30),
                          "y": ["low"] * 14 + ["high"] * 15 + ["rare"]})
    path = tmp_path / "t.csv"
    table.to_csv(path, index=False)
    result = CliRunner().invoke(app, ["benchmark", str(path), "--target", "y", "--models",
                                      "default,logreg", "--n-folds", "3"])
    assert_one_line_error(result, "'rare' (1 row(s))")


@pytest.mark.parametrize(("labels", "folds", "said"), [
    ([10, 20, 30, 40, 50, 60], 2, "--task regression"),  # an id-like target: one row a class
    ([1, 1, 2, 2, 3, 3, 4, 4, 5], 3, "the largest has 2"),
])
def test_folds_that_cannot_be_stratified_are_refused_in_one_line(
        tmp_path: Path, labels: list[int], folds: int, said: str) -> None:
    """Where no class has as many rows as folds, scikit-learn cannot stratify: the user gets
    one line saying why and what to change (it used to be a traceback)."""
    from cli_helpers import assert_one_line_error

    path = tmp_path / "t.csv"
    pd.DataFrame({"x": np.arange(len(labels), dtype=float), "y": labels}).to_csv(path,
                                                                               index=False)
    result = CliRunner().invoke(app, ["benchmark", str(path), "--target", "y", "--models",
                                      "logreg", "--n-folds", str(folds)])
    assert_one_line_error(result, said)


def test_the_fit_time_column_says_it_sums_the_folds(result) -> None:
    """Every other cell is a fold mean; the fit time is the total over the folds, and says so."""
    from rich.console import Console

    from findeep.views import benchmark_lines

    document = {**result.to_dict(), "data": "t.csv"}
    console = Console(width=200, record=True)
    for line in benchmark_lines(document):
        console.print(line)
    text = console.export_text()
    assert "fit s, 3 folds" in text
    total = sum(f["fit_seconds"] for f in result.folds if f["model"] == "logreg")
    logreg_row = next(line for line in text.splitlines() if line.strip("│ ").startswith("logreg"))
    assert f"{total:.1f}" in logreg_row

