"""Cross-fitted bagging: one network to every consumer, deterministic, chosen as documented."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import findeep
from findeep.cli import app
from findeep.errors import ConfigError, DataError
from findeep.explain import column_attributions, explain_frame
from findeep.models.additive import AdditiveBlend
from findeep.models.bagged import BaggedNetwork
from findeep.pipeline import fit_tabular
from findeep.serve import create_app
from findeep.testing import json_record, make_credit_frame
from findeep.train import bagging as bagging_rules
from findeep.train.trainer import FitResult


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    frame = make_credit_frame(600, seed=0)
    y = frame.pop("default")
    return frame, y, make_credit_frame(120, seed=4).drop(columns="default")


@pytest.fixture(scope="module")
def bagged(data) -> findeep.TabularClassifier:
    X, y, _ = data
    return findeep.TabularClassifier(max_epochs=3, bagging=3).fit(X, y)


def test_a_bag_is_one_network_with_the_members_side_by_side(bagged, data):
    """Three members of k=4 give 12 logits per row; every training row validated one member."""
    network = bagged.pipeline_.network
    assert isinstance(network, BaggedNetwork) and network.n_members == 3
    x_num, x_cat, _ = bagged.pipeline_.transform(data[2].head(5))
    import torch

    assert network(torch.from_numpy(x_num), torch.from_numpy(x_cat)).shape == (5, 12, 1)
    record = bagged.training_["bagging"]
    assert record["members"] == 3 and record["folds"] == 3
    assert bagged.training_["validation_rows"] == len(data[0])


def test_a_saved_bag_loads_and_scores_the_same(bagged, data, tmp_path):
    """Bundle round trip (safetensors + JSON): probabilities equal to 1e-6."""
    path = bagged.save(tmp_path / "bag")
    loaded = findeep.load(path)
    np.testing.assert_allclose(loaded.event_probability(data[2]),
                               bagged.event_probability(data[2]), atol=1e-6, rtol=0)


def test_a_served_bag_scores_as_in_batch(bagged, data, tmp_path):
    """`findeep serve`'s app gives each record, alone or 8 to a request (the bag's stacked
    small-batch pass), the probability batch scoring of all 120 rows gives it (member by
    member), to 1e-6."""
    path = bagged.save(tmp_path / "served")
    client = TestClient(create_app(path))
    batch = bagged.event_probability(data[2])
    records = [json_record(r) for r in data[2].head(8).to_dict(orient="records")]
    served = client.post("/v1/predict", json=records).json()
    np.testing.assert_allclose(served["probability"], batch[:8], atol=1e-6, rtol=0)
    alone = [client.post("/v1/predict", json=[record]).json()["probability"][0]
             for record in records[:3]]
    np.testing.assert_allclose(alone, batch[:3], atol=1e-6, rtol=0)


def test_a_bag_exports_to_onnx_with_parity(bagged, tmp_path):
    """The ONNX graph of a bag matches PyTorch within 1e-5."""
    pytest.importorskip("onnxruntime")
    from findeep.export import export_onnx

    assert export_onnx(bagged.pipeline_, tmp_path / "bag.onnx")["max_abs_diff"] <= 1e-5


def test_a_bag_is_explained_and_its_attributions_are_complete(bagged, data):
    """Reasons come out, and attributions sum to the change in log-odds (within 0.02)."""
    rows = data[2].head(40)
    reasons = explain_frame(bagged.pipeline_, rows, top=2)
    assert len(reasons) == 40 and reasons["reason_1"].notna().all()
    result = column_attributions(bagged.pipeline_, rows)
    moved = result.output - result.baseline_output
    assert np.abs(result.values.sum(axis=1) - moved).max() < 0.02


def test_the_same_data_and_seed_give_the_same_bag(bagged, data):
    """Refitting with the same seed reproduces every probability exactly."""
    X, y, new = data
    again = findeep.TabularClassifier(max_epochs=3, bagging=3).fit(X, y)
    np.testing.assert_array_equal(again.event_probability(new), bagged.event_probability(new))


@pytest.mark.parametrize("value", [0, -2, 1.5, "many", True])
def test_bad_bagging_values_are_refused_in_one_sentence(data, value):
    X, y, _ = data
    with pytest.raises(ConfigError, match="bagging must be 'auto' or a whole number"):
        fit_tabular(X, y, bagging=value, verbose=0)


def test_more_members_than_rows_of_a_class_is_refused(data):
    """Each fold needs a row of every class: the error names the rarest class's count."""
    X, y, _ = data
    y = y.copy()
    y[:] = 0
    y.iloc[:3] = 1
    with pytest.raises(DataError, match="the rarest class has 3"):
        fit_tabular(X, y, bagging=5, verbose=0)


def test_bagging_with_out_of_time_validation_is_refused(data):
    X, y, _ = data
    with pytest.raises(ConfigError, match="out-of-time"):
        fit_tabular(X.drop(columns="applied_on"), y, times=X["applied_on"], bagging=3,
                    verbose=0)


def test_cli_bagging_zero_exits_2_with_one_line(tmp_path):
    frame = make_credit_frame(200, seed=1)
    frame.to_csv(tmp_path / "t.csv", index=False)
    result = CliRunner().invoke(app, ["train", str(tmp_path / "t.csv"), "--target", "default",
                                      "--out", str(tmp_path / "m"), "--bagging", "0", "-q"])
    assert result.exit_code == 2
    assert "bagging must be" in result.output and "Traceback" not in result.output


def _first(epochs: int) -> FitResult:
    return FitResult(best_epoch=epochs, epochs_run=epochs, best_score=0.7, seconds=1.0,
                     rows_per_second=1.0)


def test_auto_adds_members_while_the_projection_fits_catboosts_budget(monkeypatch):
    """Members one after another: floor(share x CatBoost's projected time / the first
    member's projected time), within [1, 5]."""
    monkeypatch.setattr(bagging_rules, "CATBOOST_SECONDS",
                        {"c0": 0.0, "c_num": 1e-3 / 3, "c_cat": 0.0})
    monkeypatch.setattr(bagging_rules, "NETWORK_CPU_PER_ROW_EPOCH", {"u0": 1e-5, "u1": 0.0})
    monkeypatch.setattr(bagging_rules, "BUDGET_SHARE", 1.0)
    monkeypatch.setattr(bagging_rules, "REFERENCE_CORES", 1)  # members one after another
    # budget 1,000 rows x 1e-3 = 1 s; a member: 800 rows x epochs x 1e-5
    choose = {epochs: bagging_rules.auto_members(_first(epochs), fit_rows=800, d_in=10,
                                                 rows=1_000, numeric=3, categorical=0)
              for epochs in (10, 40, 60, 200)}
    assert choose == {10: 5, 40: 3, 60: 2, 200: 1}


def test_auto_counts_the_members_after_the_first_as_trained_side_by_side(monkeypatch):
    """With 2 reference cores a bag of m costs 1 + ceil((m - 1) / 2) member-times, so 3
    members cost what 2 do and the rule never stops at an even count below the cap."""
    monkeypatch.setattr(bagging_rules, "CATBOOST_SECONDS",
                        {"c0": 0.0, "c_num": 1e-3 / 3, "c_cat": 0.0})
    monkeypatch.setattr(bagging_rules, "NETWORK_CPU_PER_ROW_EPOCH", {"u0": 1e-5, "u1": 0.0})
    monkeypatch.setattr(bagging_rules, "BUDGET_SHARE", 1.0)
    monkeypatch.setattr(bagging_rules, "REFERENCE_CORES", 2)
    assert [bagging_rules.member_times(m) for m in range(1, 6)] == [1, 2, 2, 3, 3]
    # budget 1 s; a member 800 rows x epochs x 1e-5 s: 0.08, 0.32, 0.48, 0.88, 1.6 s
    choose = {epochs: bagging_rules.auto_members(_first(epochs), fit_rows=800, d_in=10,
                                                 rows=1_000, numeric=3, categorical=0)
              for epochs in (10, 40, 60, 110, 200)}
    assert choose == {10: 5, 40: 5, 60: 3, 110: 1, 200: 1}
    # the same constants, members one after another: the rule as it was
    assert bagging_rules.auto_members(_first(40), fit_rows=800, d_in=10, rows=1_000,
                                      numeric=3, categorical=0, cores=1) == 3


def test_auto_trains_the_members_its_rule_chose(data, monkeypatch):
    """The fitted bag holds as many members as the rule returned after the first."""
    monkeypatch.setattr("findeep.pipeline.auto_members", lambda *a, **k: 2)
    X, y, _ = data
    pipeline = fit_tabular(X, y, bagging="auto", max_epochs=2, verbose=0)
    assert pipeline.training["bagging"]["members"] == 2
    assert pipeline.training["bagging"]["folds"] == bagging_rules.AUTO_FOLDS


def test_auto_leaves_other_models_and_dated_validation_unbagged(data):
    """'auto' applies to the default model's random validation only, and says why it did
    not bag; a user's value wins."""
    X, y, _ = data
    other = fit_tabular(X, y, model="mlp", bagging="auto", max_epochs=1, verbose=0)
    assert other.training["bagging"]["members"] == 1
    assert "default model only" in other.training["bagging"]["reason"]
    dated = fit_tabular(X.drop(columns="applied_on"), y, times=X["applied_on"],
                        bagging="auto", max_epochs=1, verbose=0)
    assert dated.training["bagging"]["members"] == 1
    assert "out-of-time" in dated.training["bagging"]["reason"]
    assert not isinstance(dated.network, BaggedNetwork)
    explicit = fit_tabular(X, y, model="mlp", bagging=2, max_epochs=1, verbose=0)
    assert explicit.training["bagging"]["members"] == 2


def test_auto_is_the_default_everywhere_a_user_trains(data):
    """fit_tabular, both estimators and `findeep train` all default to bagging='auto'."""
    import inspect

    from findeep.cli import train

    assert inspect.signature(fit_tabular).parameters["bagging"].default == "auto"
    assert findeep.TabularClassifier().get_params()["bagging"] == "auto"
    assert findeep.TabularRegressor().get_params()["bagging"] == "auto"
    assert inspect.signature(train).parameters["bagging"].default == "auto"


@pytest.fixture(scope="module")
def table_800() -> tuple[pd.DataFrame, pd.Series]:
    """800 rows of a credit table, which the rule bags."""
    frame = make_credit_frame(800, seed=0)
    return frame, frame.pop("default")


@pytest.fixture(scope="module")
def by_default(table_800) -> findeep.TabularClassifier:
    """A classifier left at its defaults (bagging="auto"), quick epochs."""
    return findeep.TabularClassifier(max_epochs=2).fit(*table_800)


def test_the_default_bags_a_small_table_when_the_budget_allows(by_default):
    """Left at its default, an 800-row classifier is cross-fitted into several members."""
    pipeline = by_default.pipeline_
    record = pipeline.training["bagging"]
    assert record["requested"] == "auto" and record["members"] >= 2
    network = pipeline.network  # the bag, inside the additive path where one was kept
    network = network.inner if isinstance(network, AdditiveBlend) else network
    assert isinstance(network, BaggedNetwork)
    assert network.n_members == record["members"]


def test_the_default_trains_one_network_where_bagging_does_not_pay_or_apply(data, monkeypatch):
    """A table whose first member already spends CatBoost's budget keeps one network; so do
    a regression and a table too small for 5 folds."""
    X, y, _ = data
    monkeypatch.setattr(bagging_rules, "CATBOOST_SECONDS", {"c0": 0.0, "c_num": 0.0,
                                                            "c_cat": 0.0})
    big = fit_tabular(X, y, max_epochs=2, verbose=0)  # as a big table: no budget left
    assert big.training["bagging"]["members"] == 1
    assert not isinstance(big.network, BaggedNetwork)
    regression = fit_tabular(X.drop(columns="income"), X["income"].fillna(0.0),
                             max_epochs=1, verbose=0)
    assert regression.training["bagging"] == {
        "requested": "auto", "members": 1, "reason": "bagging 'auto' applies to classifiers"}
    small = fit_tabular(X.head(80), y.head(80), max_epochs=1, verbose=0)
    assert small.training["bagging"]["members"] == 1
    assert "too few rows" in small.training["bagging"]["reason"]


@pytest.mark.parametrize("rows,numeric,categorical,d_in", [
    (600, 8, 2, 40), (1_500, 20, 30, 300), (4_000, 50, 30, 570), (10_000, 2, 1, 20)])
def test_auto_never_projects_a_bag_beyond_its_share_of_catboosts_time(rows, numeric,
                                                                      categorical, d_in):
    """With the library's constants, a bag of m >= 2 members is projected within the share
    of CatBoost's projected time, and no bigger bag (up to the cap) would be."""
    budget = bagging_rules.BUDGET_SHARE * bagging_rules.catboost_seconds(rows, numeric,
                                                                         categorical)
    fit_rows = rows - rows // bagging_rules.AUTO_FOLDS
    for epochs in (3, 10, 20, 40, 80):
        members = bagging_rules.auto_members(_first(epochs), fit_rows=fit_rows, d_in=d_in,
                                             rows=rows, numeric=numeric,
                                             categorical=categorical)
        member = bagging_rules.member_cpu_seconds(fit_rows, epochs, d_in)
        assert 1 <= members <= bagging_rules.AUTO_FOLDS
        costs = {m: bagging_rules.member_times(m) * member
                 for m in range(1, bagging_rules.AUTO_FOLDS + 1)}
        if members > 1:
            assert costs[members] <= budget
        assert all(costs[m] > budget for m in range(members + 1, bagging_rules.AUTO_FOLDS + 1))


def test_catboost_shape_counts_borders_and_the_columns_catboost_one_hot_encodes():
    """Numeric columns cost CatBoost min(distinct - 1, 254) borders (at least 1); a
    categorical is one-hot (cheap) only with at most 2 levels, a missing value counted."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "amount": rng.normal(size=600),  # 600 distinct values: 254 borders
        "children": rng.integers(0, 4, 600),  # 4 values: 3 borders
        "constant": np.ones(600),  # 1 value: still 1 border
        "owner": rng.choice(["yes", "no"], 600),  # yes/no: one-hot
        "union": pd.Series(rng.choice(["yes", "no"], 600)).where(rng.random(600) > 0.1),
        "region": rng.choice(list("abcde"), 600)})
    shape = bagging_rules.catboost_shape(frame, ["amount", "children", "constant"],
                                         ["owner", "union", "region"])
    assert shape == {"borders": 254 + 3 + 1, "one_hot": 1}


def test_the_budget_takes_the_lower_of_catboosts_two_projections():
    """Thirteen yes/no columns (the MEPS extract's shape) make CatBoost fast, and the budget
    follows the one-hot-aware projection down; where many-level categoricals and few borders
    put that projection above the tenth session's, the tenth session's holds."""
    c10, c16 = bagging_rules.CATBOOST_SECONDS, bagging_rules.CATBOOST_ONE_HOT_SECONDS
    rows, numeric, borders = 6_667, 8, 877
    tenth = c10["c0"] + rows * (c10["c_num"] * numeric + c10["c_cat"] * 13)
    yes_no = bagging_rules.catboost_seconds(rows, numeric, 13, borders=borders, one_hot=13)
    assert yes_no == pytest.approx(c16["c0"] + rows * c16["c_border"] * (borders + 13) / 254)
    assert yes_no < 0.5 * tenth
    # 85 coded columns of many levels (Caravan's shape): the one-hot form is the higher
    many_levels = bagging_rules.catboost_seconds(3_881, 0, 85, borders=0, one_hot=0)
    assert many_levels == pytest.approx(c10["c0"] + 3_881 * c10["c_cat"] * 85)
    # no shape given: the tenth session's projection, as every benchmark replay before
    assert bagging_rules.catboost_seconds(rows, numeric, 13) == pytest.approx(tenth)


@pytest.mark.parametrize("epochs", [3, 8, 20, 60])
def test_the_lower_projection_never_lets_more_members_in(epochs):
    """Capping CatBoost's projection can only remove members: on a yes/no-heavy shape it
    removes them, on a many-level one it changes nothing."""
    common = {"fit_rows": 5_333, "d_in": 60, "rows": 6_667, "numeric": 8, "categorical": 13}
    alone = bagging_rules.auto_members(_first(epochs), **common)
    yes_no = bagging_rules.auto_members(_first(epochs), **common, borders=877, one_hot=13)
    levels = bagging_rules.auto_members(_first(epochs), **common, borders=8, one_hot=0)
    assert yes_no <= alone and levels <= alone
    if alone > 1:
        assert yes_no < alone


def test_the_default_budgets_with_the_training_tables_catboost_shape(data, monkeypatch):
    """``bagging="auto"`` hands the rule the borders and one-hot columns of the rows it
    trains on."""
    X, y, _ = data
    seen = {}

    def spy(first, **shape):
        seen.update(shape)
        return 1

    monkeypatch.setattr("findeep.pipeline.auto_members", spy)
    pipeline = fit_tabular(X, y, max_epochs=1, verbose=0)
    numeric = pipeline.schema.names_of("numeric")
    categorical = pipeline.schema.names_of("categorical")
    assert seen["rows"] == len(X)
    assert (seen["numeric"], seen["categorical"]) == (len(numeric), len(categorical))
    assert seen["borders"] > len(numeric)  # income and amounts have many distinct values
    assert {k: seen[k] for k in ("borders", "one_hot")} == bagging_rules.catboost_shape(
        X, numeric, categorical)


def test_the_projection_keeps_a_big_table_to_one_member():
    """At 150,000 rows the first member's projected time alone exceeds CatBoost's budget."""
    first = _first(20)
    assert bagging_rules.auto_members(first, fit_rows=120_000, d_in=40, rows=150_000,
                                      numeric=20, categorical=2) == 1


def test_bagging_one_turns_the_default_off(data):
    """bagging=1 trains one network on the usual 80/20 split, on the same table the
    default bags."""
    X, y, _ = data
    single = fit_tabular(X, y, bagging=1, max_epochs=2, verbose=0)
    assert not isinstance(single.network, BaggedNetwork)
    assert single.training["bagging"] == {"requested": 1, "members": 1}
    assert single.training["validation_rows"] == len(X) // 5


def test_the_default_gives_the_same_predictions_for_the_same_data_and_seed(by_default, data,
                                                                          table_800):
    """Two default fits with one seed score every row identically."""
    new = data[2]
    again = findeep.TabularClassifier(max_epochs=2).fit(*table_800)
    assert by_default.training_["bagging"]["members"] >= 2
    np.testing.assert_array_equal(by_default.event_probability(new),
                                  again.event_probability(new))


def test_cli_train_says_how_many_members_it_bagged_and_bagging_1_turns_it_off(tmp_path):
    """`findeep train` prints "bagged N members" by default, one network with --bagging 1."""
    frame = make_credit_frame(1_000, seed=1)  # 800 training rows after the test split
    frame.to_csv(tmp_path / "t.csv", index=False)
    args = ["train", str(tmp_path / "t.csv"), "--target", "default", "--max-epochs", "2", "-q"]
    bagged = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "bag")])
    assert bagged.exit_code == 0, bagged.output
    members = findeep.load(tmp_path / "bag").training_["bagging"]["members"]
    assert members >= 2 and f"bagged {members} members" in bagged.output
    single = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "one"), "--bagging", "1"])
    assert single.exit_code == 0, single.output
    assert "bagged" not in single.output and "trained on" in single.output
    assert findeep.load(tmp_path / "one").training_["bagging"]["members"] == 1


def test_an_explicit_bag_on_a_streamed_table_is_refused_but_the_default_streams(tmp_path):
    """--stream trains one network under the default; --bagging 3 there is one sentence."""
    frame = make_credit_frame(300, seed=1).drop(columns="applied_on")
    frame.to_parquet(tmp_path / "t.parquet", index=False)
    args = ["train", str(tmp_path / "t.parquet"), "--target", "default", "--max-epochs", "1",
            "--stream", "-q"]
    refused = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "a"), "--bagging", "3"])
    assert refused.exit_code == 2
    assert "--bagging is not available with streamed training" in refused.output
    streamed = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "b")])
    assert streamed.exit_code == 0, streamed.output


def test_train_streamed_refuses_an_explicit_bag_instead_of_training_one_network(tmp_path):
    """The API says what the CLI says: streamed training trains one network, so a bag of 3
    asked for there is a ConfigError before any data is read, not one network in silence."""
    from findeep.streamed import train_streamed

    with pytest.raises(ConfigError, match="not available with streamed training"):
        train_streamed(tmp_path / "absent.parquet", target="default", out=tmp_path / "b",
                       bagging=3)
    assert not (tmp_path / "b").exists()


def test_a_streamed_additive_refusal_says_what_streamed_training_can_do(tmp_path):
    """Streamed training has no explicit bags: asking it for the additive path with one
    network is told to use 'auto', not 'bagging >= 2' (which it refuses)."""
    from findeep.streamed import train_streamed

    frame = make_credit_frame(300, seed=1).drop(columns="applied_on")
    frame.to_parquet(tmp_path / "t.parquet", index=False)
    with pytest.raises(ConfigError) as refused:
        train_streamed(tmp_path / "t.parquet", target="default", out=tmp_path / "m",
                       bagging=1, model_options={"additive": True}, verbose=0)
    assert str(refused.value).endswith("use bagging='auto'.")
    assert not (tmp_path / "m").exists()


def test_a_bagged_regression_keeps_its_intervals_through_a_bundle(tmp_path):
    """Split-conformal intervals come from the out-of-fold residuals and survive save/load."""
    frame = make_credit_frame(300, seed=2)
    y = frame.pop("income").fillna(0.0)
    model = findeep.TabularRegressor(max_epochs=2, bagging=2).fit(frame, y)
    loaded = findeep.load(model.save(tmp_path / "reg"))
    prediction = loaded.predict(frame.head(20))
    np.testing.assert_allclose(prediction, model.predict(frame.head(20)), atol=1e-6, rtol=0)
    ends = loaded.predict_interval(frame.head(20))
    assert np.all(ends[:, 0] <= prediction) and np.all(prediction <= ends[:, 1])
