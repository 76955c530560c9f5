"""A column that tells the target alone is named before training (``data.leakage``), and
``--drop`` leaves columns out of every model (``data.column_drop``)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from findeep.data.column_drop import drop_columns
from findeep.data.leakage import LEAK_AUC, columns_alone, information_value, suspects_message
from findeep.data.schema import FindeepWarning, infer_schema
from findeep.errors import ConfigError
from findeep.workflow import benchmark_table, profile_table, train_and_evaluate
from tests.cli_helpers import assert_one_line_error, run


def leaky_frame(n: int = 1_500, seed: int = 0) -> pd.DataFrame:
    """Honest inputs (one strong, one weak, a customer number) and three kinds of leak: an
    amount recovered only on defaulted loans, a collection status, a closing date."""
    rng = np.random.default_rng(seed)
    income = rng.normal(size=n)
    score = rng.normal(size=n)
    y = (score * 2.5 + income * 0.5 + rng.logistic(size=n) > 0).astype(int)
    return pd.DataFrame({
        "income": income, "score": score,
        "customer": [f"c{i:05d}x" for i in rng.permutation(n)],
        "recovered": np.where(y == 1, rng.uniform(100, 900, n), 0.0),
        "status": np.where(y == 1, "in collection", np.where(income > 0, "current", "late")),
        "closed": np.where(y == 1, "2024-03-05", None),
        "default": y})


def scores_of(frame: pd.DataFrame, target: str, task: str) -> dict[str, float]:
    X = frame.drop(columns=[target])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        schema = infer_schema(X, warn=False)
    return {c.column: c.score for c in columns_alone(X, frame[target], schema, task=task)}


def test_each_kind_of_leak_is_scored_near_one_and_honest_columns_are_not():
    scores = scores_of(leaky_frame(), "default", "binary")
    assert {name for name, s in scores.items() if s >= LEAK_AUC} == {
        "recovered", "status", "closed"}
    assert 0.8 < scores["score"] < 0.97  # a strong honest column: high, below the line
    assert "customer" not in scores  # an identifier is no input (and would score ~0.5)


def test_a_column_is_scored_out_of_fold_so_unique_levels_tell_nothing():
    """Each level in one row: in fold it would fit the target exactly (AUC 1); out of fold
    every row reads the prior."""
    frame = leaky_frame()[["income", "default"]].assign(
        code=[f"k{i}" for i in range(1_500)])
    X = frame.drop(columns=["default"])
    schema = infer_schema(X, warn=False, numeric_columns=None)
    # force the code column in as a categorical, as a user's --numeric could not
    from findeep.data.schema import ColumnSpec, Schema
    schema = Schema([*schema.columns[:1], ColumnSpec("code", "categorical", "object")])
    found = {c.column: c.score for c in columns_alone(X, frame["default"], schema,
                                                      task="binary")}
    assert abs(found["code"] - 0.5) < 0.02


def test_information_value_is_the_scorecard_formula():
    """Two bins: 30 events and 70 others, then 70 and 30 (half a row added to each count)."""
    bins = np.repeat([0, 1], 100)
    events = np.concatenate([np.repeat([1, 0], [30, 70]), np.repeat([1, 0], [70, 30])])
    event_share = np.array([30.5, 70.5]) / 101
    other_share = np.array([70.5, 30.5]) / 101
    expected = ((other_share - event_share) * np.log(other_share / event_share)).sum()
    assert information_value(bins, events.astype(float)) == pytest.approx(expected)
    assert expected == pytest.approx(0.67, abs=0.01)
    frame = leaky_frame()
    X = frame.drop(columns=["default"])
    found = {c.column: c for c in columns_alone(X, frame["default"], infer_schema(X, warn=False),
                                                task="binary")}
    assert found["recovered"].information_value > 5 > found["score"].information_value > 0.5
    assert found["income"].information_value < found["score"].information_value


def test_regression_and_multiclass_leaks():
    rng = np.random.default_rng(3)
    n = 2_000
    x = rng.normal(size=n)
    amount = np.exp(x + rng.normal(scale=0.7, size=n))
    frame = pd.DataFrame({"x": x, "paid_back": amount * 1.1, "amount": amount})
    scores = scores_of(frame, "amount", "regression")
    assert scores["paid_back"] >= 0.98 > 0.8 > scores["x"] > 0.3  # rank R²: monotone leak
    as_text = frame.assign(amount=[f"${v:,.2f}" for v in frame["amount"]])  # read as numbers
    assert scores_of(as_text, "amount", "regression")["paid_back"] >= 0.98
    small = frame.head(900).assign(log_amount=lambda f: np.log(f["amount"]))
    assert scores_of(small, "amount", "regression")["log_amount"] >= 0.98  # ~7 rows a bin
    grade = np.where(x > 0.5, "A", np.where(x > -0.5, "B", "C"))
    frame = pd.DataFrame({"noisy_x": x + rng.normal(size=n),
                          "band": np.where(grade == "A", 1, np.where(grade == "B", 2, 3)) * 10.0
                          + rng.normal(scale=0.01, size=n), "grade": grade})
    scores = scores_of(frame, "grade", "multiclass")
    assert scores["band"] >= LEAK_AUC > scores["noisy_x"]


def test_the_warning_names_the_columns_and_the_option():
    frame = leaky_frame()
    X = frame.drop(columns=["default"])
    schema = infer_schema(X, warn=False)
    message = suspects_message(columns_alone(X, frame["default"], schema, task="binary"))
    assert message is not None
    assert "'recovered' (AUC 1.000)" in message
    assert message.endswith("(from Python: drop=, or leave them out of X).")
    assert "--drop " in message and "recovered" in message.split("--drop ")[1]
    assert "score" not in message.split("--drop ")[1].split(" ")[0].split(",")


def test_a_small_tables_honest_column_is_not_under_read():
    """600 rows: bins of ~20 rows of a half read a probit column near its rank AUC (64 bins
    of ~5 rows read 0.71 against 0.81 in sample)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=600)
    y = pd.Series((x + rng.normal(size=600) > 0).astype(int))
    X = pd.DataFrame({"x": x})
    from sklearn.metrics import roc_auc_score

    alone = columns_alone(X, y, infer_schema(X, warn=False), task="binary")[0].score
    assert roc_auc_score(y, x) - 0.06 < alone < LEAK_AUC


def test_every_estimators_fit_screens_its_rows():
    """``fit_tabular`` screens, so ``TabularClassifier.fit`` from Python warns as
    ``findeep train`` does."""
    import findeep

    frame = leaky_frame(400)
    with pytest.warns(FindeepWarning, match="'status'"):
        findeep.TabularClassifier(max_epochs=1, bagging=1).fit(
            frame.drop(columns=["default", "customer"]), frame["default"])


def test_a_customers_own_attribute_is_no_leak_when_customers_are_kept_whole():
    """Four rows a customer, the label the customer's: a code of the customer's own (an
    employer) tells the label of the customer's other rows, so read by rows it looks like a
    leak; with the customers as groups (--group-column) each one is in one half."""
    rng = np.random.default_rng(2)
    customers = np.repeat(np.arange(400), 4)
    label = rng.integers(0, 2, 400)[customers]
    X = pd.DataFrame({"employer": [f"e{c}" for c in customers],
                      "income": rng.normal(size=1_600) + label})
    schema = infer_schema(X, warn=False, numeric_columns=None)
    y = pd.Series(label)
    by_rows = {c.column: c.score for c in columns_alone(X, y, schema, task="binary")}
    by_customer = {c.column: c.score for c in columns_alone(X, y, schema, task="binary",
                                                            groups=customers)}
    assert by_rows["employer"] >= LEAK_AUC
    assert abs(by_customer["employer"] - 0.5) < 0.05
    assert by_customer["income"] > 0.7  # an honest column still reads


def test_the_screen_is_bounded_and_repeatable_on_a_tall_table():
    frame = leaky_frame(120_000, seed=1)
    first = scores_of(frame, "default", "binary")
    assert first == scores_of(frame, "default", "binary")
    assert first["recovered"] >= LEAK_AUC


@pytest.fixture(scope="module")
def leaky_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("leaks") / "loans.csv"
    leaky_frame(600).to_csv(path, index=False)
    return path


def test_benchmark_warns_before_fitting_and_keeps_the_note(leaky_csv, tmp_path):
    out = tmp_path / "b.json"
    with pytest.warns(FindeepWarning, match="predict the target almost perfectly"):
        benchmark_table(str(leaky_csv), target="default", models=["logreg"], folds=3)
    result = run("benchmark", leaky_csv, "--target", "default", "--models", "logreg",
                 "--n-folds", "3", "--out", out)
    assert result.exit_code == 0, result.output
    assert "--drop recovered" in result.stderr.replace("\n", " ")
    notes = json.loads(out.read_text())["notes"]
    assert any("'recovered'" in note and "leaks it" in note for note in notes)


def test_benchmark_drop_leaves_the_columns_out_of_every_model(leaky_csv, tmp_path):
    out, page = tmp_path / "b.json", tmp_path / "b.md"
    result = run("benchmark", leaky_csv, "--target", "default", "--models", "logreg",
                 "--n-folds", "3", "--drop", "recovered,status,closed", "--out", out,
                 "--report", page)
    assert result.exit_code == 0, result.output
    assert "predict the target" not in result.stderr
    written = json.loads(out.read_text())
    assert written["dropped_columns"] == ["recovered", "status", "closed"]
    assert "left out of every model by --drop: recovered, status, closed." in written["notes"]
    auc = np.mean([f["roc_auc"] for f in written["folds"]])
    assert auc < 0.97  # the leaks really are gone: the honest columns alone score less
    assert "--drop recovered,status,closed" in page.read_text()  # the reproduce line


def test_train_drop_is_kept_with_the_bundle_and_scoring_ignores_the_column(leaky_csv,
                                                                           tmp_path):
    bundle = tmp_path / "m"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = train_and_evaluate(str(leaky_csv), target="default", out=bundle, verbose=0,
                                    drop=["recovered", "status", "closed"],
                                    train_options={"max_epochs": 2})
    assert not [w for w in caught if "almost perfectly" in str(w.message)]
    assert report["dropped_columns"] == ["recovered", "status", "closed"]
    assert json.loads((bundle / "metrics.json").read_text())["dropped_columns"] == [
        "recovered", "status", "closed"]
    result = run("predict", bundle, leaky_csv, "--out", tmp_path / "p.csv")
    assert result.exit_code == 0, result.output  # the file still holds the dropped columns
    from findeep.loading import load

    pipeline = load(bundle).pipeline_
    assert "recovered" not in pipeline.schema.used_names
    assert pipeline.training["dropped_columns"] == ["recovered", "status", "closed"]


def test_train_screens_the_training_rows_and_warns(leaky_csv, tmp_path):
    with pytest.warns(FindeepWarning, match="'recovered'"):
        train_and_evaluate(str(leaky_csv), target="default", out=tmp_path / "m", verbose=0,
                           train_options={"max_epochs": 1})


@pytest.mark.parametrize(("args", "fragments"), [
    (["--drop", "recoverd"], ["'recoverd'", "Did you mean 'recovered'"]),
    (["--drop", "default"], ["'default' is the target"]),
    (["--drop", "closed", "--time-column", "closed"], ["--time-column"]),
    (["--drop", "customer", "--group-column", "customer"], ["--group-column"]),
])
def test_benchmark_refuses_a_drop_it_cannot_honour(leaky_csv, args, fragments):
    result = run("benchmark", leaky_csv, "--target", "default", "--models", "logreg", *args)
    assert_one_line_error(result, *fragments)


def test_train_refuses_dropping_the_weight_column(leaky_csv, tmp_path):
    weighted = tmp_path / "w.csv"
    leaky_frame(600).assign(w=1.0).to_csv(weighted, index=False)
    result = run("train", weighted, "--target", "default", "--weight-column", "w",
                 "--drop", "w", "--out", tmp_path / "m")
    assert_one_line_error(result, "--weight-column")


def test_streamed_training_screens_its_first_rows_and_drops_columns(tmp_path):
    parquet = tmp_path / "t.parquet"
    leaky_frame(1_200).to_parquet(parquet, row_group_size=300)
    result = run("train", parquet, "--target", "default", "--stream", "--max-epochs", "1",
                 "--quiet", "--out", tmp_path / "m")
    assert result.exit_code == 0, result.output
    assert "'recovered'" in result.stderr and "--drop" in result.stderr
    result = run("train", parquet, "--target", "default", "--stream", "--max-epochs", "1",
                 "--quiet", "--drop", "recovered,status,closed", "--out", tmp_path / "m2")
    assert result.exit_code == 0, result.output
    assert "predict the target" not in result.stderr
    metrics = json.loads((tmp_path / "m2" / "metrics.json").read_text())
    assert metrics["dropped_columns"] == ["recovered", "status", "closed"]
    assert metrics["test"]["roc_auc"] < 0.97  # trained without the leaks
    from findeep.loading import load

    assert "status" not in load(tmp_path / "m2").pipeline_.schema.used_names
    result = run("train", parquet, "--target", "default", "--stream", "--drop", "statuss",
                 "--out", tmp_path / "m3")
    assert_one_line_error(result, "Did you mean 'status'")


def test_drop_columns_keeps_order_and_refuses_dropping_everything():
    frame = pd.DataFrame({"a": [1], "b": [2], "y": [0]})
    kept, named = drop_columns(frame, ["b", "b"], roles=[("target", "y")])
    assert list(kept.columns) == ["a", "y"] and named == ["b"]
    with pytest.raises(ConfigError, match="no column"):
        drop_columns(frame[["a"]], ["a"], roles=[])


def test_profile_shows_each_column_alone_against_the_target(leaky_csv):
    with pytest.warns(FindeepWarning, match="'recovered'"):
        table, _ = profile_table(str(leaky_csv), target="default")
    alone = dict(zip(table["column"], table["vs target alone"], strict=True))
    assert alone["recovered"].startswith("AUC 1.000, IV ")
    assert alone["score"].startswith("AUC 0.") and ", IV " in alone["score"]
    assert alone["customer"] == ""  # an identifier is not scored
    without_target, _ = profile_table(str(leaky_csv))
    assert "vs target alone" not in without_target.columns


def test_profile_scores_a_tall_table_on_as_many_rows_as_the_report(tmp_path):
    """The warning decides on a 5,000-row sample; the profile's numbers, like the report's,
    come from up to 50,000 rows."""
    frame = leaky_frame(12_000, seed=3)
    path = tmp_path / "tall.csv"
    frame.to_csv(path, index=False)
    with pytest.warns(FindeepWarning, match="'recovered'"):
        table, _ = profile_table(str(path), target="default")
    shown = dict(zip(table["column"], table["vs target alone"], strict=True))["score"]
    X = pd.read_csv(path).drop(columns=["default"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        schema = infer_schema(X, warn=False)
    whole = {c.column: c for c in columns_alone(X, frame["default"], schema, task="binary")}
    assert shown.startswith(f"AUC {whole['score'].score:.3f}, IV ")


def test_profile_of_a_target_whose_task_is_not_clear_still_profiles(tmp_path):
    """Amounts written as text as the target: training asks for --task, the profile still
    lists every column and says why they are not scored."""
    path = tmp_path / "amounts.csv"
    rng = np.random.default_rng(0)
    pd.DataFrame({"x": rng.normal(size=200),
                  "amount": [f"${v:,.2f}" for v in rng.uniform(100, 5_000, 200)]}
                 ).to_csv(path, index=False)
    with pytest.warns(FindeepWarning, match="not scored against 'amount'"):
        table, _ = profile_table(str(path), target="amount")
    assert list(table["column"]) == ["x"] and list(table["vs target alone"]) == [""]


def test_a_target_of_one_number_scores_no_column():
    """A regression target with one value has no ranks to tell: nothing is scored, nothing
    fails (profile still profiles such a table)."""
    frame = leaky_frame(200)[["income", "status"]]
    schema = infer_schema(frame, warn=False)
    assert columns_alone(frame, pd.Series([7.5] * 200), schema, task="regression") == []
