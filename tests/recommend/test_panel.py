"""Building features and labels from a customer table and a holdings table."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from findeep.data.schema import FindeepWarning
from findeep.errors import ConfigError, DataError
from findeep.recommend.panel import Columns, build_panel, design_at, eligibility_mask
from findeep.testing import make_bank_customers

COLUMNS = Columns("customer_id", "product", "month", "month")


@pytest.fixture(scope="module")
def bank():
    return make_bank_customers(400, 8, seed=3)


def test_features_for_month_t_do_not_depend_on_later_rows(bank):
    """Features (customer columns and current + lagged holdings) for month t are identical
    whether or not rows dated after t exist in either table."""
    t_month = bank.months[4]
    full = build_panel(bank.customers, bank.holdings, COLUMNS)
    cut = build_panel(bank.customers[bank.customers["month"] <= t_month],
                      bank.holdings[bank.holdings["month"] <= t_month], COLUMNS,
                      products=full.products)
    a = design_at(full, 4, lags=2, with_labels=False)
    b = design_at(cut, 4, lags=2, with_labels=False)
    np.testing.assert_array_equal(a.customer_ids, b.customer_ids)
    np.testing.assert_array_equal(a.holdings, b.holdings)
    np.testing.assert_array_equal(a.eligible, b.eligible)
    pd.testing.assert_frame_equal(a.frame, b.frame)


def test_labels_are_products_newly_held_next_month(bank):
    """A label is 1 exactly when the product is held at t+1 but not at t; held products are
    never eligible."""
    panel = build_panel(bank.customers, bank.holdings, COLUMNS)
    design = design_at(panel, 3, lags=1)
    rows = np.searchsorted(panel.customer_ids, design.customer_ids)
    now, later = panel.holdings[rows, 3], panel.holdings[rows, 4]
    np.testing.assert_array_equal(design.labels, (later & ~now).astype(np.uint8))
    np.testing.assert_array_equal(design.eligible, ~now)
    assert design.labels.sum() > 0


def test_generator_truth_matches_labels(bank):
    """The generator's adoption probabilities are NaN exactly where a product is held, and
    adopted products had a positive probability."""
    panel = build_panel(bank.customers, bank.holdings, COLUMNS)
    order = np.searchsorted(panel.customer_ids, bank.customer_ids.astype(str))
    p = bank.adoption_probability[:, 2][:, [bank.products.index(x) for x in panel.products]]
    held = panel.holdings[order, 2]
    present = panel.present[order, 2] & panel.present[order, 3]
    assert np.isnan(p[held & present[:, None]]).all()
    assert np.isfinite(p[~held & present[:, None]]).all()
    added = panel.holdings[order, 3] & ~held & present[:, None]
    assert (p[added] > 0).all()


def _events():
    customers = pd.DataFrame({"id": [1, 2, 3], "age": [30, 40, 50]})
    events = pd.DataFrame({"id": [1, 1, 1, 2, 9, 2],
                           "product": ["card", "card", "loan", "card", "card", "card"],
                           "month": ["2024-01-05", "2024-01-20", "2024-02-01", "2024-02-01",
                                     "2024-02-01", "2024-02-03"]})
    return customers, events


def test_duplicates_and_unknown_customers_are_counted_not_fatal():
    """Two rows for the same customer, product and month count once; events for customers
    absent from the customer table are dropped and counted; a customer with no events holds
    nothing."""
    customers, events = _events()
    panel = build_panel(customers, events, Columns("id", "product", "month", None))
    assert panel.report.duplicates == 2
    assert panel.report.unknown_customers == 1
    assert not panel.holdings[2].any()  # customer 3: no history
    assert any("duplicate" in line for line in panel.report.lines())


def test_events_outside_the_customer_tables_months_are_ignored_with_a_count(bank):
    """Events dated before or after the customer table's months are counted and left out."""
    extra = pd.DataFrame({"customer_id": bank.customer_ids[:3], "product": "savings",
                          "month": pd.Timestamp("2030-01-01")})
    panel = build_panel(bank.customers, pd.concat([bank.holdings, extra]), COLUMNS)
    assert panel.report.outside_months == 3


def test_products_unseen_in_training_are_ignored_and_counted():
    """At scoring time, events for products outside the fitted catalogue are counted."""
    customers, events = _events()
    panel = build_panel(customers, events, Columns("id", "product", "month", None),
                        products=["card"])
    assert panel.report.unknown_products == {"loan": 1}
    assert panel.products == ["card"]


def test_eligibility_rules_mask_products():
    """'mortgage: age >= 35' keeps mortgages from younger customers; a bad rule is one error."""
    frame = pd.DataFrame({"age": [20, 40]})
    mask = eligibility_mask(frame, ["card", "mortgage"], {"mortgage": "age >= 35"})
    np.testing.assert_array_equal(mask, [[True, False], [True, True]])
    with pytest.raises(ConfigError, match="cannot be evaluated"):
        eligibility_mask(frame, ["mortgage"], {"mortgage": "salary > 3"})
    with pytest.raises(ConfigError, match="unknown product"):
        eligibility_mask(frame, ["mortgage"], {"mortage": "age > 3"})


def test_empty_events_at_scoring_time_warn_once():
    """No events to score with: one warning, every customer holds nothing."""
    customers, _ = _events()
    panel = build_panel(customers, pd.DataFrame({"id": [], "product": [], "month": []}),
                        Columns("id", "product", "month", None), products=["card"])
    assert not panel.holdings.any() and panel.holdings.shape[0] == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error", FindeepWarning)
        assert panel.report.lines() == []


def test_acquisition_events_mean_held_from_then_on():
    """With events_mean='acquired', a product taken up in February is held from February on,
    and one taken up before the customer table starts is held throughout."""
    customers = pd.DataFrame({"id": [1, 1, 1], "month": ["2024-01-01", "2024-02-01",
                                                         "2024-03-01"], "age": [30, 30, 30]})
    events = pd.DataFrame({"id": [1, 1], "product": ["card", "loan"],
                           "month": ["2024-02-10", "2023-06-01"]})
    panel = build_panel(customers, events, Columns("id", "product", "month", "month"),
                        events_mean="acquired")
    card, loan = panel.products.index("card"), panel.products.index("loan")
    np.testing.assert_array_equal(panel.holdings[0, :, card], [False, True, True])
    np.testing.assert_array_equal(panel.holdings[0, :, loan], [True, True, True])
    assert panel.report.outside_months == 0


def _bank_with_float_ids(bank):
    """The holdings as pandas reads them when one event has no customer id: ids as floats."""
    gap = pd.DataFrame({"customer_id": [np.nan], "product": ["savings"],
                        "month": [bank.months[0]]})
    return pd.concat([bank.holdings.astype({"customer_id": float}), gap], ignore_index=True)


def test_customer_ids_match_by_value_across_int_float_and_text(bank):
    """Integer customer ids meet the same ids read as floats (1.0) or as text ("1"): the
    panel holds exactly what it holds with matching types, and no event is set aside."""
    reference = build_panel(bank.customers, bank.holdings, COLUMNS)
    as_float = build_panel(bank.customers, _bank_with_float_ids(bank), COLUMNS)
    as_text = build_panel(bank.customers,
                          bank.holdings.astype({"customer_id": str}), COLUMNS)
    for panel in (as_float, as_text):
        assert panel.report.unknown_customers == 0
        np.testing.assert_array_equal(panel.customer_ids, reference.customer_ids)
        np.testing.assert_array_equal(panel.holdings, reference.holdings)
    assert as_float.report.missing_values == 1


def test_text_ids_are_kept_as_written():
    """Text ids are not read as numbers: 'C0001' and '007' stay themselves."""
    customers = pd.DataFrame({"id": ["C0001", "007", "7"], "age": [30, 40, 50]})
    events = pd.DataFrame({"id": ["C0001", "007"], "product": ["card", "loan"],
                           "month": ["2024-01-01", "2024-01-01"]})
    panel = build_panel(customers, events, Columns("id", "product", "month", None))
    assert sorted(panel.customer_ids) == ["007", "7", "C0001"]
    held = dict(zip(panel.customer_ids, panel.holdings[:, 0].sum(axis=1), strict=True))
    assert held == {"007": 1, "7": 0, "C0001": 1}


def test_tables_whose_ids_do_not_meet_are_refused_naming_both(bank):
    """When most events name no customer and most customers have no event, building the
    panel is one DataError quoting an id of each table, not a grid of empty holdings."""
    events = bank.holdings.assign(customer_id="X" + bank.holdings["customer_id"].astype(str))
    with pytest.raises(DataError, match=r"do not hold the same ids.*'X1000\d\d'.*'1000\d\d'"):
        build_panel(bank.customers, events, COLUMNS)


def test_scoring_a_few_customers_against_every_holding_is_not_refused(bank):
    """Most events naming other customers is normal when a few customers are scored: their
    holdings are placed and the rest are counted, not refused."""
    few = bank.customers[bank.customers["customer_id"].isin(bank.customer_ids[:5])]
    panel = build_panel(few, bank.holdings, COLUMNS)
    assert len(panel.customer_ids) == 5 and panel.holdings.any()
    assert panel.report.unknown_customers > len(bank.holdings) / 2


def test_a_month_missing_from_both_tables_is_refused_not_read_as_next(bank):
    """Without July, June -> August would be read as one month's change and every lag
    shifted: one sentence naming the gap instead."""
    july = bank.months[3]
    with pytest.raises(DataError, match=r"no rows for 1 month\(s\).*first gap: after"):
        build_panel(bank.customers[bank.customers["month"] != july],
                    bank.holdings[bank.holdings["month"] != july], COLUMNS)
    undated = Columns("customer_id", "product", "month", None)  # the events' months
    static = bank.customers.drop_duplicates("customer_id").drop(columns=["month"])
    with pytest.raises(DataError, match="events table has no rows for 1 month"):
        build_panel(static, bank.holdings[bank.holdings["month"] != july], undated)


def test_a_month_without_holdings_between_months_with_them_is_refused(bank):
    """A holdings table missing one month the customer table has would make every product
    held after it a take-up: refused, naming the month."""
    july = bank.months[3]
    with pytest.raises(DataError, match=f"no holdings for {str(july)[:7]}.*newly taken"):
        build_panel(bank.customers, bank.holdings[bank.holdings["month"] != july], COLUMNS)


def test_acquisitions_leave_no_gap_in_an_undated_grid():
    """With acquisition events a month without a take-up is normal: the grid is every
    calendar month from the first to the last, not the months that had one."""
    customers = pd.DataFrame({"customer_id": [1, 2], "age": [30, 40]})
    events = pd.DataFrame({"customer_id": [1, 2], "product": ["loan", "card"],
                           "month": ["2024-01", "2024-04"]})
    panel = build_panel(customers, events, Columns("customer_id", "product", "month", None),
                        events_mean="acquired")
    assert [str(m) for m in panel.months] == ["2024-01", "2024-02", "2024-03", "2024-04"]


def test_scoring_a_customer_table_of_the_latest_month_alone_warns_of_the_lags(bank):
    """The lags read holdings before the customer table's first month as none held: said
    in one warning when the events table has them."""
    from findeep.recommend import NextProductRecommender

    model = NextProductRecommender(model="popularity", lags=2).fit(
        bank.customers, bank.holdings)
    latest = bank.customers[bank.customers["month"] == bank.months[-1]]
    with pytest.warns(FindeepWarning, match=r"2 month\(s\) of past holdings .* none held"):
        model.recommend(latest, bank.holdings)
    # acquisitions before the table fold into its first month, but the lags still miss them
    acquired = bank.holdings.sort_values("month").drop_duplicates(["customer_id", "product"])
    model = NextProductRecommender(model="popularity", lags=2, events_mean="acquired").fit(
        bank.customers, acquired)
    with pytest.warns(FindeepWarning, match=r"2 month\(s\) of past holdings .* none held"):
        model.recommend(latest, acquired)


def test_too_few_months_for_the_lags_says_which_lags_fit():
    """Four months and --lags 2: the sentence names the lags that fit (1), never '--lags 0
    or more'."""
    from findeep.recommend import NextProductRecommender

    bank = make_bank_customers(120, 4, seed=2)
    with pytest.raises(DataError, match=r"4 month\(s\) .* pass --lags 1 or give more months"):
        NextProductRecommender(lags=2, max_epochs=1).fit(bank.customers, bank.holdings)


def test_a_misspelt_events_date_column_is_named_before_the_customer_table_is_judged(bank):
    """--date-column Month for 'month': the customers then seemed undated and repeated
    ("pass its date column (--customer-date-column)"), and 'Month' was never named."""
    with pytest.raises(DataError, match=r"the events table has no column\(s\) 'Month'.*"
                                        r"Did you mean 'month'"):
        build_panel(bank.customers, bank.holdings,
                    Columns("customer_id", "product", "Month", None))


def test_a_repeated_customer_month_snapshot_is_named(bank):
    customers = pd.concat([bank.customers, bank.customers.iloc[[5]]], ignore_index=True)
    first = bank.customers.iloc[5]
    with pytest.raises(DataError, match=r"more than one row for 1 \(customer, month\) pair\(s\), "
                                        rf"e.g. 'customer_id' {first['customer_id']} in "):
        build_panel(customers, bank.holdings, COLUMNS)
