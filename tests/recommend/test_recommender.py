"""Fitting, recommending, saving, explaining and serving next-product recommenders."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import findeep
from findeep.errors import BundleError, ConfigError, DataError, NotFittedError
from findeep.recommend import NextProductRecommender
from findeep.recommend.evaluation import evaluate_month, oracle_from_truth, walk_forward
from findeep.recommend.hidden import hidden_design
from findeep.recommend.metrics import top_k
from findeep.recommend.panel import Columns, build_panel
from findeep.recommend.reasons import recommendation_reasons
from findeep.testing import make_bank_customers

FAST = {"max_epochs": 3, "batch_size": 256}


@pytest.fixture(scope="module")
def bank():
    return make_bank_customers(700, 7, seed=1)


@pytest.fixture(scope="module")
def fitted(bank):
    return NextProductRecommender(lags=1, train_months=3, **FAST).fit(bank.customers,
                                                                      bank.holdings)


def test_recommendations_never_offer_held_products(bank, fitted):
    """Every offered product is one the customer does not hold in the latest month, and no
    customer gets more than `top` offers."""
    offers = fitted.recommend(bank.customers, bank.holdings, top=4)
    last = bank.holdings[bank.holdings["month"] == bank.months[-1]]
    held = set(zip(last["customer_id"].astype(str), last["product"].astype(str), strict=True))
    assert not any((str(c), p) in held for c, p in zip(offers["customer_id"], offers["product"],
                                                       strict=True))
    assert offers.groupby("customer_id").size().max() == 4
    assert offers["score"].between(0, 1).all()


def test_saved_bundle_ranks_identically_and_fits_are_repeatable(bank, fitted, tmp_path):
    """findeep.load gives the same scores; the same data and seed give the same model."""
    from findeep.recommend.bundle import save_recommender

    path = save_recommender(fitted, tmp_path / "nbo")
    loaded = findeep.load(path)
    design, _ = fitted.design(bank.customers, bank.holdings)
    np.testing.assert_array_equal(loaded.scores(design), fitted.scores(design))
    again = NextProductRecommender(lags=1, train_months=3, **FAST).fit(bank.customers,
                                                                       bank.holdings)
    np.testing.assert_array_equal(again.scores(design), fitted.scores(design))


def test_save_returns_the_path_that_findeep_load_reads_back(bank, fitted, tmp_path):
    """findeep.load(model.save(p)) recommends exactly what the fitted model does; the
    bundle is not overwritten without force."""
    path = fitted.save(tmp_path / "nbo")
    loaded = findeep.load(path)
    pd.testing.assert_frame_equal(loaded.recommend(bank.customers, bank.holdings, top=3),
                                  fitted.recommend(bank.customers, bank.holdings, top=3))
    with pytest.raises(BundleError, match="--force"):
        fitted.save(path)
    assert fitted.save(path, force=True) == path


def test_offers_keep_the_id_column_name_and_dtype_of_the_customer_table(small_bank):
    """With customer_id="id" the offers have an int64 `id` column (as the table's), so
    customers.merge(offers, on="id") joins them back; a bundle keeps doing so."""
    customers = small_bank.customers.rename(columns={"customer_id": "id"})
    holdings = small_bank.holdings.rename(columns={"customer_id": "id"})
    model = NextProductRecommender(model="popularity", customer_id="id").fit(customers,
                                                                               holdings)
    offers = model.recommend(customers, holdings, top=2)
    assert offers.columns.tolist() == ["id", "rank", "product", "score"]
    assert offers["id"].dtype == customers["id"].dtype == np.int64
    latest = customers[customers["month"] == customers["month"].max()]
    merged = latest.merge(offers, on="id")
    assert len(merged) == len(offers) and set(merged["id"]) == set(latest["id"])
    text_ids = customers.astype({"id": str})  # text ids stay text
    assert model.recommend(text_ids, holdings, top=2)["id"].tolist() == \
        offers["id"].astype(str).tolist()


def test_reasons_name_inputs_that_raised_each_offer(bank, fitted):
    """Each recommended product comes with up to n inputs whose contribution is positive."""
    design, _ = fitted.design(bank.customers.head(40), bank.holdings)
    scores = fitted.scores(design)
    chosen = top_k(scores, design.eligible, 2)
    reasons = recommendation_reasons(fitted, design.subset(np.arange(5)), chosen[:5],
                                     n_reasons=3)
    assert len(reasons) == 5 and all(len(row) == 2 for row in reasons)
    flat = [r for row in reasons for offer in row for r in offer]
    assert flat and all(r["contribution"] > 0 for r in flat)
    assert {"feature", "value", "contribution"} <= set(flat[0])


def test_reasons_explain_each_offer_against_the_customers_other_products(bank, fitted):
    """What lifts every product alike (tenure, a propensity) explains no one offer: the
    attributions of an offer sum to its log-odds above the customer's mean over the
    catalogue (Integrated Gradients' completeness), and a customer's offers do not all get
    the same reasons."""
    import torch

    design, _ = fitted.design(bank.customers.head(200), bank.holdings)
    chosen = top_k(fitted.scores(design), design.eligible, 4)
    reasons = recommendation_reasons(fitted, design, chosen, n_reasons=3)
    distinct = [len({tuple(r["feature"] for r in offer) for offer in row if offer}) > 1
                for row in reasons]
    assert np.mean(distinct) > 0.5
    network, ranker = fitted.ranker_.network_, fitted.ranker_
    x_num, x_cat, _ = ranker.inputs(design)
    with torch.no_grad():
        logits = network.forward_embedded(network.embed(torch.as_tensor(x_num),
                                                        torch.as_tensor(x_cat))).mean(dim=1)
        base = network.forward_embedded(torch.as_tensor(
            ranker.baseline_embedding_, dtype=torch.float32)[None]).mean(dim=1)
    relative = (logits - logits.mean(dim=1, keepdim=True)).numpy()
    relative_base = (base - base.mean(dim=1, keepdim=True)).numpy()[0]
    from findeep.recommend.reasons import recommendation_attributions

    total = recommendation_attributions(fitted, design, chosen[:, :1]).sum(axis=2)[:, 0]
    expected = relative[np.arange(len(design)), chosen[:, 0]] - relative_base[chosen[:, 0]]
    np.testing.assert_allclose(total, expected, atol=2e-3)


def test_customer_without_history_and_unknown_product_are_handled(bank, fitted):
    """A new customer with no holdings still gets offers; events for a product never seen in
    training are ignored with a counted warning."""
    newcomer = bank.customers[bank.customers["month"] == bank.months[-1]].head(1).copy()
    newcomer["customer_id"] = 1
    customers = pd.concat([bank.customers, newcomer])
    events = pd.concat([bank.holdings, pd.DataFrame(
        {"customer_id": bank.customer_ids[:2], "product": ["crypto_wallet"] * 2,
         "month": [bank.months[-1]] * 2})])
    with pytest.warns(UserWarning, match="never seen in training"):
        offers = fitted.recommend(customers, events, top=3)
    assert (offers["customer_id"].astype(str) == "1").sum() == 3


def test_scoring_says_what_the_customer_columns_held_as_tabular_scoring_does(bank, fitted):
    """Incomes 1000x small (a decimal comma), ages as text, a blank segment column and an
    unseen region are each named in a warning when recommending; clean data warns of none."""
    import warnings

    def messages(customers: pd.DataFrame) -> str:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fitted.recommend(customers, bank.holdings, top=2)
        return " | ".join(str(w.message) for w in caught)

    assert not any(word in messages(bank.customers) for word in (
        "far off the scale", "not numbers", "no value", "never seen"))
    broken = bank.customers.assign(income=bank.customers["income"] / 1000,
                                   age=bank.customers["age"].astype(str).where(
                                       bank.customers.index % 50 != 0, "old"),
                                   segment=pd.Series(pd.NA, index=bank.customers.index,
                                                     dtype=object),
                                   region=bank.customers["region"].astype(str).where(
                                       bank.customers.index % 97 != 0, "mars"))
    said = messages(broken)
    assert "far off the scale" in said and "'income'" in said
    assert "not numbers" in said and "'age'" in said and "'old'" in said
    assert "no value" in said and "'segment'" in said
    assert "never seen in training" in said and "'region'" in said


def test_empty_events_and_unfitted_models_fail_with_one_sentence(bank):
    """No events to learn from, or scoring before fitting, is a FindeepError, not a traceback."""
    with pytest.raises(DataError, match="events table is empty"):
        NextProductRecommender().fit(bank.customers, bank.holdings.head(0))
    with pytest.raises(NotFittedError):
        NextProductRecommender().recommend(bank.customers)


def test_baselines_and_oracle_on_the_same_month():
    """Popularity, per-product LightGBM, ALS and the oracle are scored on the same customers;
    the oracle ranks best in AUC and popularity ranks everyone alike (AUC 0.5)."""
    bank = make_bank_customers(1500, 6, seed=2)
    panel = build_panel(bank.customers, bank.holdings,
                        Columns("customer_id", "product", "month", "month"))
    oracle = oracle_from_truth(bank.adoption_probability, bank.customer_ids, bank.months,
                               bank.products)
    result = evaluate_month(panel, 4, ["popularity", "lightgbm", "als"], lags=1,
                            train_months=2, oracle=oracle)
    models = result["models"]
    assert set(models) == {"popularity", "lightgbm", "als", "oracle"}
    assert models["popularity"]["mean_product_auc"] == pytest.approx(0.5)
    assert models["oracle"]["mean_product_auc"] > models["lightgbm"]["mean_product_auc"]
    assert len({m["customers"] for m in models.values()}) == 1


def test_hidden_product_rows_hide_exactly_one_held_product():
    """In the hidden-product task the label is a held product removed from the visible
    holdings, so it is eligible and the others held stay ineligible."""
    held = np.array([[True, True, False], [False, True, False]])
    features = pd.DataFrame({"x": [1.0, 2.0]})
    design = hidden_design(features, held, ["a", "b", "c"], np.array([0, 1]),
                           every_product=True, rng=np.random.default_rng(0))
    assert len(design) == 3
    assert (design.labels.sum(axis=1) == 1).all()
    assert (design.eligible[design.labels > 0]).all()
    np.testing.assert_array_equal(design.held | design.labels.astype(bool),
                                  held[design.customer_ids])


def test_missing_optional_libraries_name_the_extra(monkeypatch):
    """Without implicit, LightGBM or Captum the baseline or reasons fail with one sentence
    naming the extra to install."""
    import sys

    from findeep.recommend.rankers import make_ranker
    from findeep.recommend.reasons import _integrated_gradients

    design = hidden_design(pd.DataFrame({"x": [1.0, 2.0]}), np.array([[True, True], [True, False]]),
                           ["a", "b"], np.array([0, 1]), every_product=True,
                           rng=np.random.default_rng(0))
    monkeypatch.setitem(sys.modules, "implicit.cpu.als", None)
    monkeypatch.setitem(sys.modules, "lightgbm", None)
    monkeypatch.setitem(sys.modules, "captum.attr", None)
    with pytest.raises(ConfigError, match=r"findeep\[recommend\]"):
        make_ranker("als").fit(design)
    with pytest.raises(ConfigError, match=r"findeep\[baselines\]"):
        make_ranker("lightgbm").fit(design)
    with pytest.raises(ConfigError, match=r"findeep\[explain\]"):
        _integrated_gradients()


@pytest.fixture(scope="module")
def small_bank():
    return make_bank_customers(150, 5, seed=4)


def test_bad_options_are_all_named_in_one_config_error_before_reading_data():
    """Every bad option of the estimator is listed in one ConfigError, raised before the
    (here missing) files are read."""
    model = NextProductRecommender(lags=-1, train_months=0, max_epochs=0, batch_size=0,
                                   learning_rate=-1.0, events_mean="bought")
    with pytest.raises(ConfigError) as caught:
        model.fit("no-such-customers.csv", "no-such-events.csv")
    for name in ("lags", "train_months", "max_epochs", "batch_size", "learning_rate",
                 "events_mean"):
        assert name in str(caught.value)


@pytest.mark.parametrize("options", [{"k": 0}, {"k": -1}, {"n_test_months": 0},
                                     {"lags": -2}, {"models": []}])
def test_walk_forward_refuses_bad_options_in_one_sentence(small_bank, options):
    """k, the number of test months, lags and the model list are checked before any fit."""
    panel = build_panel(small_bank.customers, small_bank.holdings,
                        Columns("customer_id", "product", "month", "month"))
    arguments = {"models": ["popularity"], "lags": 1} | options
    with pytest.raises(ConfigError):
        walk_forward(panel, **arguments)


def test_float_ids_in_the_events_still_describe_integer_customers(small_bank):
    """Events whose id column was read as floats (one id missing) train the same model and
    never lead to offering a product the customer already holds."""
    events = small_bank.holdings.astype({"customer_id": float})
    events.loc[0, "customer_id"] = np.nan
    with pytest.warns(UserWarning, match="missing customer"):
        fitted = NextProductRecommender(model="popularity").fit(small_bank.customers, events)
    reference = NextProductRecommender(model="popularity").fit(small_bank.customers,
                                                               small_bank.holdings.iloc[1:])
    assert fitted.training_["adds_per_product"] == reference.training_["adds_per_product"]
    assert fitted.training_["events"]["unknown_customers"] == 0
    with pytest.warns(UserWarning, match="missing customer"):
        offers = fitted.recommend(small_bank.customers, events, top=3)
    last = small_bank.holdings[small_bank.holdings["month"] == small_bank.months[-1]]
    held = set(zip(last["customer_id"].astype(str), last["product"], strict=True))
    assert not any((c, p) in held for c, p in zip(offers["customer_id"], offers["product"],
                                                  strict=True))


def test_as_of_must_be_a_month_of_dated_data(small_bank):
    """--as-of that is no month is a ConfigError; so is --as-of when neither table is dated
    (no events, no date column), whose design is then of no month (NaT), not today's."""
    model = NextProductRecommender(model="popularity").fit(small_bank.customers,
                                                           small_bank.holdings)
    with pytest.raises(ConfigError, match="as_of"):
        model.recommend(small_bank.customers, small_bank.holdings, as_of="notamonth")
    design, _ = model.design(small_bank.customers, small_bank.holdings, as_of="202402")
    assert str(design.months[0]) == "2024-02"
    undated = small_bank.customers.drop(columns="month").drop_duplicates("customer_id")
    with pytest.raises(ConfigError, match="needs dated data"):
        model.recommend(undated, as_of="2024-02")
    with pytest.warns(UserWarning, match="holding no product"):
        design, _ = model.design(undated)
    assert np.isnat(design.months).all()


def _said(call) -> str:
    """The FindeepWarnings ``call()`` gives, joined."""
    import warnings

    from findeep.data.schema import FindeepWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return " | ".join(str(w.message) for w in caught if issubclass(w.category, FindeepWarning))


def test_a_month_scored_without_holdings_is_named_with_the_month_to_score_instead(small_bank):
    """A customer snapshot for a month the holdings table has no row for yet (held events)
    warns, naming that month and the last month with holdings to score as of instead;
    scoring as of that month warns of nothing."""
    model = NextProductRecommender(model="popularity").fit(small_bank.customers,
                                                           small_bank.holdings)
    latest = small_bank.customers[small_bank.customers["month"] == small_bank.months[-1]]
    customers = pd.concat([small_bank.customers,
                           latest.assign(month=latest["month"] + pd.offsets.MonthBegin(1))])
    said = _said(lambda: model.recommend(customers, small_bank.holdings, top=3))
    assert "no holdings for 2024-06" in said and "--as-of 2024-05" in said
    assert _said(lambda: model.recommend(customers, small_bank.holdings, top=3,
                                         as_of="2024-05")) == ""


def test_customers_missing_from_the_month_scored_are_counted_in_a_warning(small_bank):
    """Customers whose latest snapshot is older than the month scored get no offers, and a
    warning counts them and names their latest month to score them as of."""
    model = NextProductRecommender(model="popularity").fit(small_bank.customers,
                                                           small_bank.holdings)
    customers = small_bank.customers
    gone = small_bank.customer_ids[:3]
    customers = customers[~((customers["month"] == small_bank.months[-1])
                            & customers["customer_id"].isin(gone))]
    offers = []
    said = _said(lambda: offers.append(model.recommend(customers, small_bank.holdings, top=3)))
    assert f"3 of {customers['customer_id'].nunique()} customers" in said
    assert "--as-of 2024-04" in said
    offered = set(offers[0]["customer_id"].astype(str))
    assert len(offered) == customers["customer_id"].nunique() - 3
    assert not offered & {str(c) for c in gone}
    assert _said(lambda: model.recommend(small_bank.customers, small_bank.holdings)) == ""
