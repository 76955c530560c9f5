"""`--group-column`: a customer's rows (an applicant's, an account's) stay on one side of every
split, in `findeep benchmark` and `findeep train` alike, so no model is tested on a customer it
trained on; the column is no input of any model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cli_helpers import assert_one_line_error, run
from findeep.benchmark import _BenchmarkTable, run_benchmark
from findeep.data.splits import group_codes, split_grouped
from findeep.errors import ConfigError, DataError, TargetError
from findeep.testing import make_credit_frame
from findeep.workflow import split_rows


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    """600 rows of 150 customers, four rows each, in no particular order."""
    data = make_credit_frame(600, seed=3).drop(columns=["applied_on"])
    rng = np.random.default_rng(0)
    data["customer"] = rng.permutation(np.repeat(np.arange(150), 4))
    return data


def _groups_apart(customers: np.ndarray, train: np.ndarray, test: np.ndarray) -> bool:
    return not set(customers[train]) & set(customers[test])


def test_the_grouped_test_split_keeps_each_customer_on_one_side(frame) -> None:
    """The test part holds whole customers, about the asked share of rows, both classes."""
    customers = frame["customer"].to_numpy()
    y = frame["default"].to_numpy()
    train, test = split_grouped(y, group_codes(frame, "customer", "default"),
                                test_fraction=0.2, seed=0, stratify=True,
                                group_column="customer")
    assert _groups_apart(customers, train, test)
    assert len(train) + len(test) == len(frame)
    assert abs(len(test) / len(frame) - 0.2) < 0.05
    assert set(y[test]) == {0, 1}
    # a random split of the same rows does put customers on both sides: the grouping matters
    random_train, random_test, _ = split_rows(frame, frame["default"], task="auto",
                                              time_column=None, test_fraction=0.2, seed=0)
    assert not _groups_apart(customers, random_train, random_test)


def test_the_same_seed_gives_the_same_grouped_split(frame) -> None:
    codes = group_codes(frame, "customer", "default")
    y = frame["default"].to_numpy()
    first = split_grouped(y, codes, test_fraction=0.25, seed=4, stratify=True,
                          group_column="customer")
    again = split_grouped(y, codes, test_fraction=0.25, seed=4, stratify=True,
                          group_column="customer")
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))


def test_every_benchmark_fold_tests_on_customers_it_did_not_train_on(frame) -> None:
    """Each fold's test rows hold whole customers, for every model alike, and the split says
    it is grouped; the customer column is no model's input."""
    result = run_benchmark(frame, "default", models=["logreg"], n_folds=3, verbose=0,
                           group_column="customer")
    customers = frame["customer"].to_numpy()
    assert "grouped by 'customer'" in result.split
    test_rows = result.test_rows
    assert sorted(np.concatenate(test_rows).tolist()) == list(range(len(frame)))
    for test in test_rows:
        train = np.setdiff1d(np.arange(len(frame)), test)
        assert _groups_apart(customers, train, test)
    # the id as an input would let a model look a customer up: no model gets it
    table = _BenchmarkTable.from_frame(frame, "default", task="auto", time_column=None, seed=0,
                                       group_column="customer")
    assert "customer" not in table.X.columns
    assert "customer" not in table.baseline_inputs.frame.columns


def test_a_regression_benchmark_groups_its_folds_too(frame) -> None:
    data = frame.assign(rate=frame["age"] / 10.0 + frame["utilization"]).drop(columns=["default"])
    result = run_benchmark(data, "rate", models=["logreg"], n_folds=3, verbose=0,
                           group_column="customer")
    customers = data["customer"].to_numpy()
    assert "random, grouped by 'customer'" in result.split
    for test in result.test_rows:
        assert _groups_apart(customers, np.setdiff1d(np.arange(len(data)), test), test)


@pytest.mark.parametrize(("options", "error", "fragment"), [
    ({"group_column": "custmer"}, ConfigError, "Did you mean 'customer'"),
    ({"group_column": "default"}, ConfigError, "cannot be the target"),
    ({"group_column": "home", "n_folds": 5}, ConfigError, "need at least 5 groups"),
    ({"group_column": "customer", "time_column": "income"}, ConfigError, "one or the other"),
])
def test_a_group_column_that_cannot_group_is_refused(frame, options, error, fragment) -> None:
    options = {"n_folds": 3, **options}
    with pytest.raises(error, match=fragment):
        run_benchmark(frame, "default", models=["logreg"], verbose=0, **options)


def test_a_row_without_a_group_is_refused(frame) -> None:
    holed = frame.astype({"customer": float})
    holed.loc[[3, 9], "customer"] = np.nan
    with pytest.raises(DataError, match="no value on 2 row"):
        run_benchmark(holed, "default", models=["logreg"], n_folds=3, verbose=0,
                      group_column="customer")


def _train_grouped(tmp_path: Path, data: pd.DataFrame,
                   group_column: str) -> tuple[Path, Path, dict, str]:
    """`findeep train --group-column` on ``data`` written as a CSV: the CSV, the bundle
    folder, its test metrics and its schema as JSON text."""
    path = tmp_path / "loans.csv"
    data.to_csv(path, index=False)
    out = tmp_path / "model"
    result = run("train", path, "--target", "default", "--group-column", group_column, "--out",
                 out, "--max-epochs", "2", "--quiet")
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    return path, out, metrics, json.dumps(json.loads((out / "bundle.json").read_text())["schema"])


def test_train_tests_on_customers_it_never_saw(tmp_path: Path, frame) -> None:
    """`findeep train --group-column`: the report names the grouped split, the bundle does
    not read the column, and scoring a table that still holds it works."""
    path, out, metrics, schema = _train_grouped(tmp_path, frame, "customer")
    assert metrics["split"] == "stratified random, grouped by 'customer'"
    assert "customer" not in schema
    scored = run("predict", out, path, "--out", tmp_path / "scores.csv")
    assert scored.exit_code == 0, scored.output


def test_train_refuses_a_bad_group_column_in_one_line(tmp_path: Path, frame) -> None:
    path = tmp_path / "loans.csv"
    frame.to_csv(path, index=False)
    assert_one_line_error(run("train", path, "--target", "default", "--group-column", "custmer",
                              "--out", tmp_path / "m", "--quiet"), "Did you mean 'customer'")
    assert_one_line_error(run("benchmark", path, "--target", "default", "--group-column",
                              "customer", "--time-column", "income", "--models", "logreg",
                              "--quiet"), "one or the other")


def test_streamed_training_refuses_a_group_column(tmp_path: Path, frame) -> None:
    path = tmp_path / "loans.parquet"
    frame.to_parquet(path)
    assert_one_line_error(run("train", path, "--target", "default", "--group-column", "customer",
                              "--stream", "--out", tmp_path / "m", "--quiet"),
                          "not available with streamed training")


def test_early_stopping_rows_hold_whole_customers(frame) -> None:
    """With groups, the network early-stops on customers it did not fit."""
    from findeep.pipeline import fit_tabular

    X, y = frame.drop(columns=["default", "customer"]), frame["default"]
    customers = frame["customer"].to_numpy()
    pipeline = fit_tabular(X, y, bagging=1, max_epochs=2, verbose=0, groups=customers)
    valid = pipeline.validation_positions
    fit = np.setdiff1d(np.arange(len(frame)), valid)
    assert len(valid) > 0 and _groups_apart(customers, fit, valid)
    by_row = fit_tabular(X, y, bagging=1, max_epochs=2, verbose=0).validation_positions
    assert not _groups_apart(customers, np.setdiff1d(np.arange(len(frame)), by_row), by_row)


def test_a_blend_keeps_its_networks_early_stopping_rows_whole_customers(frame) -> None:
    """`--model default+catboost --group-column`: the blend's network stops early on
    customers it did not fit, as the network alone does."""
    pytest.importorskip("catboost")
    from findeep.pipeline import fit_tabular

    X, y = frame.drop(columns=["default", "customer"]), frame["default"]
    customers = frame["customer"].to_numpy()
    pipeline = fit_tabular(X, y, model="default+catboost", bagging=1, max_epochs=2, verbose=0,
                           groups=customers)
    valid = pipeline.validation_positions
    assert len(valid) > 0
    assert _groups_apart(customers, np.setdiff1d(np.arange(len(frame)), valid), valid)


def test_bagging_folds_hold_whole_customers(frame) -> None:
    from findeep.train.bagging import cross_fit_folds

    customers = frame["customer"].to_numpy()
    y = frame["default"].to_numpy()
    folds = cross_fit_folds(y, 5, seed=0, stratify=True,
                            groups=group_codes(frame, "customer", "default"))
    assert sorted(np.concatenate(folds).tolist()) == list(range(len(frame)))
    for valid in folds:
        assert _groups_apart(customers, np.setdiff1d(np.arange(len(frame)), valid), valid)


def test_an_estimator_takes_groups_and_refuses_bad_ones(frame) -> None:
    """`fit(X, y, groups=...)`: same data and seed give the same predictions; a wrong length,
    a missing group or groups beside times are refused with one sentence."""
    from findeep import TabularClassifier

    X, y = frame.drop(columns=["default", "customer"]), frame["default"]
    customers = frame["customer"].to_numpy()
    first = TabularClassifier(max_epochs=2, bagging=2).fit(X, y, groups=customers)
    again = TabularClassifier(max_epochs=2, bagging=2).fit(X, y, groups=customers)
    np.testing.assert_array_equal(first.predict_proba(X), again.predict_proba(X))
    with pytest.raises(DataError, match="one group per row"):
        TabularClassifier(max_epochs=1).fit(X, y, groups=customers[:-1])
    holed = customers.astype(object)
    holed[0] = None
    with pytest.raises(DataError, match="no value on 1 row"):
        TabularClassifier(max_epochs=1).fit(X, y, groups=holed)
    with pytest.raises(ConfigError, match="one or the other"):
        TabularClassifier(max_epochs=1).fit(X, y, groups=customers,
                                            times=pd.Series(np.arange(len(X))))


def test_a_customer_id_shared_by_rows_is_named_with_the_option(frame) -> None:
    """A random split of a table whose 'customer' column repeats says what that costs and
    names --group-column; grouping by it (or a plain table) says nothing of the kind."""
    import warnings

    from findeep.data.schema import FindeepWarning

    with pytest.warns(FindeepWarning, match="--group-column customer"):
        run_benchmark(frame, "default", models=["logreg"], n_folds=3, verbose=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run_benchmark(frame, "default", models=["logreg"], n_folds=3, verbose=0,
                      group_column="customer")
        run_benchmark(frame.drop(columns=["customer"]), "default", models=["logreg"],
                      n_folds=3, verbose=0)
    assert not [w for w in caught if "--group-column" in str(w.message)]


def test_train_names_the_option_for_a_shared_customer_id(tmp_path: Path, frame) -> None:
    path = tmp_path / "loans.csv"
    frame.to_csv(path, index=False)
    result = run("train", path, "--target", "default", "--out", tmp_path / "m", "--max-epochs",
                 "1", "--quiet")
    assert result.exit_code == 0, result.output
    assert "--group-column customer" in result.stderr


def test_profile_names_the_option_for_a_shared_customer_id(tmp_path: Path, frame) -> None:
    """`findeep profile`, the command for finding data problems, says it before any training."""
    path = tmp_path / "loans.csv"
    frame.to_csv(path, index=False)
    result = run("profile", path, "--target", "default")
    assert result.exit_code == 0, result.output
    assert "--group-column customer" in result.stderr
    frame.drop(columns=["customer"]).to_csv(path, index=False)
    assert "--group-column" not in run("profile", path, "--target", "default").stderr


def test_the_benchmark_report_reproduces_the_grouped_folds(tmp_path: Path, frame) -> None:
    """The page's command, run again, makes the same grouped folds: it carries
    --group-column."""
    path = tmp_path / "loans.csv"
    frame.to_csv(path, index=False)
    page = tmp_path / "bench.md"
    result = run("benchmark", path, "--target", "default", "--group-column", "customer",
                 "--models", "logreg", "--n-folds", "3", "--quiet", "--report", page)
    assert result.exit_code == 0, result.output
    text = page.read_text()
    assert "grouped by 'customer'" in text
    assert "--group-column customer" in text


@pytest.fixture(scope="module")
def households(frame) -> pd.DataFrame:
    """The same rows, each customer now a household with no id of its own: only the
    combination of its site and its income band (each shared with other households) marks
    it."""
    customer = frame["customer"]
    return frame.drop(columns=["customer"]).assign(site=customer % 7, band=customer // 7)


def test_several_columns_group_the_rows_that_share_all_their_values(frame, households) -> None:
    """`--group-column site,band`: every household's rows in one fold, and the columns, being
    features rather than an identifier, stay inputs."""
    result = run_benchmark(households, "default", models=["logreg"], n_folds=3, verbose=0,
                           group_column="site,band")
    assert "grouped by 'site,band'" in result.split
    customers = frame["customer"].to_numpy()
    for test in result.test_rows:
        assert _groups_apart(customers, np.setdiff1d(np.arange(len(frame)), test), test)
    # either column alone would put whole sites or bands in one fold: far fewer groups
    assert len(np.unique(group_codes(households, "site,band", "default"))) == 150
    table = _BenchmarkTable.from_frame(households, "default", task="auto", time_column=None,
                                       seed=0, group_column="site,band")
    assert {"site", "band"} <= set(table.X.columns)


@pytest.mark.parametrize(("group_column", "error", "fragment"), [
    ("site,bnad", ConfigError, "Did you mean 'band'"),
    ("site,default", ConfigError, "cannot be the target"),
    ("site,,band", ConfigError, "name each column once"),
    ("site,site", ConfigError, "name each column once"),
])
def test_a_bad_list_of_group_columns_is_refused(households, group_column, error,
                                                fragment) -> None:
    with pytest.raises(error, match=fragment):
        run_benchmark(households, "default", models=["logreg"], n_folds=3, verbose=0,
                      group_column=group_column)


def test_a_row_missing_one_of_several_group_columns_is_refused(households) -> None:
    holed = households.astype({"band": float})
    holed.loc[[5], "band"] = np.nan
    with pytest.raises(DataError, match="group column 'band' has no value on 1 row"):
        group_codes(holed, "site,band", "default")


def test_train_groups_by_several_columns_and_keeps_them_as_inputs(tmp_path: Path,
                                                                  households) -> None:
    _, _, metrics, schema = _train_grouped(tmp_path, households, "site,band")
    assert metrics["split"] == "stratified random, grouped by 'site,band'"
    assert '"site"' in schema and '"band"' in schema


def test_a_grouped_fold_holding_one_class_is_refused_before_fitting(frame) -> None:
    """Events held by two customers cannot reach three grouped test folds: one fold would
    have no AUC, and the benchmark says so instead of failing after the fits."""
    rare = frame.assign(default=frame["customer"].isin([0, 1]).astype(int))
    with pytest.raises(TargetError, match=r"grouped by 'customer'.*are all 0"):
        run_benchmark(rare, "default", models=["logreg"], n_folds=3, verbose=0,
                      group_column="customer")
