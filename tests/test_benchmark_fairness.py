"""`findeep benchmark` gives every model the same rows, columns and information, and refuses
in one line what it cannot score. The networks are replaced by a recording stand-in where
a test is about what they are given, so the suite stays fast."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from findeep.benchmark import run_benchmark
from findeep.cli import app
from findeep.data.schema import FindeepWarning
from findeep.errors import ConfigError, TargetError


def quant_frame(n: int = 600, seed: int = 0) -> pd.DataFrame:
    """The walkthrough's table: five numbers, a category, a binary target."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5))
    cat = rng.choice(list("ABCDE"), n)
    logit = 1.2 * x[:, 0] - 0.8 * x[:, 1] + 0.5 * x[:, 2] ** 2 + (cat == "A") * 0.8 - 0.5
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(5)])
    frame["cat"] = cat
    frame["y"] = y
    return frame


class _Fitted:
    """What ``fit_tabular`` returns, as far as the benchmark uses it: scores of one level."""

    def __init__(self, task: str, n_classes: int) -> None:
        self.task, self.n_classes = task, n_classes

    def predict_raw(self, X: pd.DataFrame) -> tuple[np.ndarray, None]:
        if self.task == "multiclass":
            return np.full((len(X), self.n_classes), 1 / self.n_classes), None
        return np.full(len(X), 0.5), None


@pytest.fixture
def network_calls(monkeypatch) -> list[dict[str, Any]]:
    """Each network fit's columns and options, in order (no network is trained)."""
    calls: list[dict[str, Any]] = []

    def fake_fit_tabular(X: pd.DataFrame, y: pd.Series, **options: Any) -> _Fitted:
        calls.append({"columns": list(X.columns), "rows": len(X), **options})
        return _Fitted(options["task"], int(pd.Series(y).nunique()))

    monkeypatch.setattr("findeep.benchmark.fit_tabular", fake_fit_tabular)
    return calls


def _csv(tmp_path: Path, frame: pd.DataFrame, *, index: bool = False) -> Path:
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=index)
    return path


# 1. a row number used by the networks but not by the baselines

@pytest.mark.parametrize("row_column", ["Unnamed: 0", "row"])
def test_a_row_number_is_left_out_of_every_model_and_said(tmp_path: Path, network_calls,
                                                          row_column: str) -> None:
    """Rows sorted by the target with the index kept: the row number would leak the target
    to a network re-reading each fold (where its steps are no longer 1); the whole table
    calls it an identifier, so no model sees it, and one warning names it."""
    sorted_rows = quant_frame(600).sort_values("y", kind="stable").reset_index(drop=True)
    frame = pd.read_csv(_csv(tmp_path, sorted_rows, index=True))
    if row_column == "row":
        frame = frame.rename(columns={"Unnamed: 0": "row"})
    with pytest.warns(FindeepWarning, match=rf"left out of every model: '{row_column}' "
                                            r"\(it looks like an identifier"):
        result = run_benchmark(frame, "y", models=["seed-mlp", "logreg"], n_folds=3,
                               verbose=0)
    assert network_calls and all(row_column not in c["columns"] for c in network_calls)
    assert result.summary()["logreg"]["roc_auc_mean"] < 0.95  # no leak for logreg either


def test_an_ordinary_table_gives_the_networks_every_column_silently(network_calls) -> None:
    """Without ids or constants nothing is left out and nothing is said."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", FindeepWarning)
        run_benchmark(quant_frame(300), "y", models=["seed-mlp"], n_folds=2, verbose=0)
    assert all(c["columns"] == ["x0", "x1", "x2", "x3", "x4", "cat"] for c in network_calls)


# 2. a test fold of one class

def test_random_folds_with_fewer_events_than_folds_are_refused_before_fitting(
        network_calls) -> None:
    """4 events in 500 rows and 5 folds: a test fold would have no event and no AUC, so the
    table is refused in one sentence naming the class, before any model is fitted."""
    frame = quant_frame(500)
    frame["y"] = 0
    frame.loc[[3, 100, 200, 300], "y"] = 1
    with pytest.raises(TargetError, match=r"class\(es\) 1 \(4 row\(s\)\) have fewer; use "
                                          r"--n-folds 4 or fewer"):
        run_benchmark(frame, "y", models=["seed-mlp", "logreg"], n_folds=5, verbose=0)
    assert network_calls == []


def test_a_class_of_one_row_is_not_told_to_use_fewer_folds(network_calls) -> None:
    """One event: no number of stratified folds puts it in every test fold, so the remedy
    is the class, not --n-folds (which once suggested 2, failing again)."""
    frame = quant_frame(500)
    frame["y"] = 0
    frame.loc[7, "y"] = 1
    with pytest.raises(TargetError) as refused:
        run_benchmark(frame, "y", models=["seed-mlp", "logreg"], n_folds=5, verbose=0)
    assert "--n-folds" not in str(refused.value)
    assert str(refused.value).endswith("merge or drop the rare class (one row cannot be in "
                                       "every test fold, whatever the number of folds).")
    assert network_calls == []


def test_an_out_of_time_test_part_of_one_class_is_one_line(tmp_path: Path) -> None:
    """The latest rows all non-events: refused in one line, exit 2, no traceback (it used to
    fit every model and end in KeyError: 'roc_auc')."""
    from cli_helpers import assert_one_line_error

    frame = quant_frame(400)
    frame["applied_on"] = pd.date_range("2020-01-01", periods=len(frame), freq="D")
    frame.loc[300:, "y"] = 0
    result = CliRunner().invoke(app, ["benchmark", str(_csv(tmp_path, frame)), "--target",
                                      "y", "--time-column", "applied_on", "--models",
                                      "logreg", "--quiet"])
    assert_one_line_error(result, "the test rows (80, dated 2020-11-16 to 2021-02-03) are "
                                  "all 0")


def test_a_walk_forward_fold_of_one_class_is_named() -> None:
    """With walk-forward folds, the fold whose test rows hold one class is named."""
    frame = quant_frame(400)
    frame["applied_on"] = pd.date_range("2020-01-01", periods=len(frame), freq="D")
    frame.loc[300:, "y"] = 0
    with pytest.raises(TargetError, match="fold 3's test rows"):
        run_benchmark(frame, "y", models=["logreg"], time_column="applied_on",
                      walk_forward=True, n_folds=3, verbose=0)


def test_a_multiclass_test_part_without_a_class_reports_auc_as_missing() -> None:
    """Three classes, the latest rows without one of them: accuracy and log-loss are
    scored, ROC-AUC is NaN with a note saying why, and the JSON is written (it was a
    KeyError after every fit)."""
    frame = quant_frame(400)
    frame["y"] = np.where(frame["x0"] > 0.5, "high", np.where(frame["x0"] < -0.5, "low", "mid"))
    frame.loc[300:, "y"] = frame.loc[300:, "y"].replace("high", "mid")
    frame["applied_on"] = pd.date_range("2020-01-01", periods=len(frame), freq="D")
    result = run_benchmark(frame, "y", models=["logreg"], time_column="applied_on", verbose=0)
    document = json.loads(json.dumps(result.to_dict()))
    stats = document["summary"]["logreg"]
    assert np.isnan(stats["roc_auc_mean"]) and np.isfinite(stats["accuracy_mean"])
    assert any("roc_auc is missing for fold(s) 1" in note for note in document["notes"])


# 3. a model named twice; 8. no model at all

@pytest.mark.parametrize(("models", "said"), [
    (["logreg", "lightgbm", "lightgbm"], "model(s) named more than once: lightgbm"),
    (["logreg", "seed-mlp", "seed-mlp"], "model(s) named more than once: seed-mlp"),
    ([], "name at least one model"),
])
def test_a_repeated_or_empty_model_list_is_refused_before_fitting(network_calls, models,
                                                                  said: str) -> None:
    """Each model runs once on every fold: a repeat would double its rows in the std (or end
    in a traceback), and an empty list is not a request for the default set."""
    with pytest.raises(ConfigError, match=said.replace("(", r"\(").replace(")", r"\)")):
        run_benchmark(quant_frame(200), "y", models=models, n_folds=2, verbose=0)
    assert network_calls == []


# 4. rows without a target

def test_rows_without_a_target_are_left_out_with_the_words_of_train() -> None:
    """300 of 1,000 targets missing: the 700 others are compared, and the 300 are said."""
    frame = quant_frame(1000)
    frame["y"] = frame["y"].astype(float)
    frame.loc[frame.index[::10][:100].tolist() + list(range(1, 1000, 5))[:200], "y"] = np.nan
    missing = int(frame["y"].isna().sum())
    with pytest.warns(FindeepWarning, match=f"^{missing} row\\(s\\) without a target were "
                                            "left out.$"):
        result = run_benchmark(frame, "y", models=["logreg"], n_folds=2, verbose=0)
    assert result.n_rows == 1000 - missing


# 5. monotone constraints on a multiclass target

def test_monotone_constraints_on_a_multiclass_target_are_refused(network_calls) -> None:
    """As docs/decisions.md says: one line, before any fit (CatBoost used to crash after the
    others had run, and logreg/lightgbm ran silently)."""
    frame = quant_frame(300)
    frame["y"] = np.where(frame["x0"] > 0.5, "high", np.where(frame["x0"] < -0.5, "low", "mid"))
    with pytest.raises(ConfigError, match="monotone constraints apply to binary and "
                                          "regression targets; 'y' is multiclass"):
        run_benchmark(frame, "y", models=["seed-mlp", "logreg"], n_folds=2, verbose=0,
                      monotone={"x1": 1})
    assert network_calls == []


# 6. special values: the same information for every model

def _late_payment_frame(n: int = 800, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    late = rng.integers(0, 6, n).astype(float)
    code = rng.random(n)
    late[code < 0.1] = 98.0  # "refused to answer": risky, but not 98 late payments
    late[(code >= 0.1) & (code < 0.15)] = 96.0  # "not asked": safe
    logit = 0.6 * late - 1.5
    logit[late == 98] = 1.5
    logit[late == 96] = -3.0
    return pd.DataFrame({"late_payments": late, "income": rng.normal(size=n),
                         "y": (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)})


def test_baselines_get_special_values_as_missing_plus_one_column_per_code(monkeypatch) -> None:
    """Every baseline, logreg too, is fitted on the codes set to missing and a 0/1 column
    per code, named as the network's indicator input."""
    import findeep.benchmark as benchmark

    seen: dict[str, pd.DataFrame] = {}
    real = benchmark.make_baseline

    def recording(name: str, *args: Any, **kwargs: Any) -> Any:
        estimator = real(name, *args, **kwargs)
        fit = estimator.fit

        def fit_and_record(X: pd.DataFrame, y: np.ndarray) -> Any:
            seen[name] = X
            return fit(X, y)

        estimator.fit = fit_and_record
        return estimator

    monkeypatch.setattr(benchmark, "make_baseline", recording)
    frame = _late_payment_frame()
    run_benchmark(frame, "y", models=["logreg", "lightgbm"], n_folds=2, verbose=0,
                  special_values={"late_payments": [96, 98]})
    assert set(seen) == {"logreg", "lightgbm"}
    for X in seen.values():
        assert {"late_payments__special=96", "late_payments__special=98"} <= set(X.columns)
        codes = X["late_payments__special=98"] == 1
        assert codes.any() and X.loc[codes, "late_payments"].isna().all()
        assert X["late_payments"].max() <= 5


def test_special_values_let_constrained_trees_level_with_the_network() -> None:
    """A + constraint over raw codes 96/98 forces the trees to score 96 ("not asked", safe)
    as risky as 98; with the codes apart, a constrained LightGBM ranks as well as without
    the constraint."""
    frame = _late_payment_frame(800)
    options = {"models": ["lightgbm"], "n_folds": 2, "verbose": 0}
    free = run_benchmark(frame, "y", **options).summary()["lightgbm"]["roc_auc_mean"]
    constrained = run_benchmark(frame, "y", monotone={"late_payments": 1},
                                special_values={"late_payments": [96, 98]},
                                **options).summary()["lightgbm"]["roc_auc_mean"]
    assert constrained > free - 0.01


def test_without_special_values_the_baselines_get_the_table_as_before() -> None:
    """Ordinary tables are untouched: no extra columns, the numbers as they are."""
    from findeep.benchmark import _BenchmarkTable

    frame = _late_payment_frame(200)
    table = _BenchmarkTable.from_frame(frame, "y", task="auto", time_column=None, seed=0)
    assert list(table.baseline_inputs.frame.columns) == ["late_payments", "income"]
    assert table.baseline_inputs.frame["late_payments"].max() == 98


# 7. walk-forward: a column filled only later

def test_a_column_empty_in_a_folds_training_rows_is_left_out_of_that_fold_alike(
        network_calls) -> None:
    """bureau_score is filled only from July 2020: walk-forward fold 1 trains on earlier rows
    alone, so
    every model fits that fold without it (warned, and noted in the JSON); later folds
    use it. It used to be refused as a column with no values at all."""
    frame = quant_frame(600)
    frame["applied_on"] = pd.date_range("2020-01-01", periods=len(frame), freq="D")
    frame["bureau_score"] = np.where(frame["applied_on"] >= "2020-07-01", frame["x3"], np.nan)
    with pytest.warns(FindeepWarning, match=r"fold 1 of 3: column\(s\) 'bureau_score' have "
                                            "no value among its"):
        result = run_benchmark(frame, "y", models=["seed-mlp", "logreg"],
                               time_column="applied_on", walk_forward=True, n_folds=3,
                               verbose=0)
    by_fold = [c for c in network_calls if c.get("bagging") != 1]  # not the warm-up
    assert "bureau_score" not in by_fold[0]["columns"]
    assert all("bureau_score" in c["columns"] for c in by_fold[1:])
    assert any(note.startswith("fold 1 of 3") for note in result.to_dict()["notes"])


def test_baselines_leave_out_the_same_column_as_the_networks() -> None:
    """The baselines' inputs for a fold lack a left-out column and its code columns."""
    from findeep.evaluate.baselines import BaselineInputs, without_columns

    frame = pd.DataFrame({"a": [1.0, 2.0], "a__special=98": [0.0, 1.0], "ab": [3.0, 4.0],
                          "c": pd.Categorical(["x", "y"])})
    inputs = without_columns(BaselineInputs(frame, ["c"], ["a", "a__special=98", "ab"]), ["a"])
    assert list(inputs.frame.columns) == ["ab", "c"] and inputs.numeric == ["ab"]


def test_baselines_get_the_same_date_parts_as_the_networks() -> None:
    """The networks read a date as days, year, month and day of week; the baselines had
    only days since 1970, so a seasonal signal was the networks' alone (an audit measured
    CatBoost 0.714 -> 0.756 AUC once it had the month)."""
    from findeep.data.schema import infer_schema
    from findeep.evaluate.baselines import prepare_baseline_inputs, without_columns
    from findeep.features.tabular import TabularPreprocessor

    dates = pd.Series(pd.date_range("2021-01-01", periods=60, freq="5D"))
    frame = pd.DataFrame({"opened": dates.dt.strftime("%Y-%m-%d"), "x": np.arange(60.0)})
    schema = infer_schema(frame)
    inputs = prepare_baseline_inputs(frame, schema)
    network = TabularPreprocessor().fit(frame, schema)._numeric_frame(frame)
    parts = ["opened__days", "opened__year", "opened__month", "opened__dayofweek"]
    assert set(parts) <= set(inputs.numeric)
    pd.testing.assert_frame_equal(inputs.frame[parts], network[parts], check_dtype=False)
    assert "opened" not in without_columns(inputs, ["opened"]).frame.columns.str.split("__").str[0]


def test_a_baselines_only_benchmark_refuses_a_column_named_as_a_date_part() -> None:
    """With no network in --models, 'applied_on__year' (values 1-49) was silently replaced
    by the derived year for the baselines."""
    from findeep.errors import DataError

    frame = quant_frame(200).assign(
        applied_on=pd.date_range("2021-01-01", periods=200).strftime("%Y-%m-%d"),
        applied_on__year=np.arange(200) % 49 + 1)
    with pytest.raises(DataError, match="'applied_on__year' has the name findeep gives"):
        run_benchmark(frame, "y", models=("logreg",), n_folds=2, verbose=0)


# 8. the table and the JSON

def test_a_run_without_a_baseline_has_no_vs_none_column(network_calls) -> None:
    """No baseline, no reference: the table has no column of differences to 'None'."""
    from rich.console import Console

    from findeep.views import benchmark_lines

    result = run_benchmark(quant_frame(200), "y", models=["seed-mlp"], n_folds=2, verbose=0)
    console = Console(width=200, record=True)
    for line in benchmark_lines({**result.to_dict(), "data": "t.csv"}):
        console.print(line)
    assert "vs None" not in console.export_text()


def test_the_json_holds_the_verdict_and_each_folds_dates(tmp_path: Path) -> None:
    """The JSON says what the table says: the verdict lines, and per fold its row counts
    and, with a time column, the first and last date of training and test rows."""
    frame = quant_frame(400)
    frame["applied_on"] = pd.date_range("2020-01-01", periods=len(frame), freq="D")
    out = tmp_path / "bench.json"
    result = CliRunner().invoke(app, ["benchmark", str(_csv(tmp_path, frame)), "--target",
                                      "y", "--time-column", "applied_on", "--walk-forward",
                                      "--n-folds", "2", "--models", "logreg",
                                      "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    assert document["splits"][0] == {
        "fold": 0, "train_rows": 133, "test_rows": 134, "train_start": "2020-01-01",
        "train_end": "2020-05-12", "test_start": "2020-05-13", "test_end": "2020-09-23"}
    assert document["splits"][1]["test_end"] == "2021-02-03"
    assert "verdict" in document and isinstance(document["verdict"], list)


def test_the_json_verdict_is_the_printed_one(network_calls) -> None:
    """With a network and a baseline, the JSON's verdict lines are the lines printed."""
    from findeep.evaluate.verdicts import verdict_lines

    result = run_benchmark(quant_frame(200), "y", models=["seed-mlp", "logreg"], n_folds=2,
                           verbose=0)
    document = result.to_dict()
    assert document["verdict"] and document["verdict"] == verdict_lines(document)
    assert document["verdict"][0].startswith("seed-mlp (best network) vs logreg")
