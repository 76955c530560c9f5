"""From a customer table and a holdings table to what recommenders learn from.

The two tables a bank has:

- customers: one row per customer (static features) or one per customer per month
  (snapshots, with a date column);
- holdings/events: ``customer_id, product, date`` (optional amount), one row per product
  a customer holds in a month (``events="held"``, snapshots such as Santander's) or one
  row per product a customer took up on a date and holds from then on
  (``events="acquired"``).

``build_panel`` puts both on one monthly grid: ``holdings[c, t, p]`` says whether customer
``c`` held product ``p`` in month ``t``. ``design_at(panel, t)`` then gives, for every
customer present at ``t``, the features a model may use at ``t`` — the customer's
snapshot at ``t`` and holdings at ``t, t-1, ..., t-lags`` — and, when month ``t+1`` is in
the panel, the labels "product p newly held at t+1" (only for products not held at t).
Nothing after ``t`` reaches a feature, so features for month ``t`` are identical whether or
not later rows exist (pinned by a test).

What the data needed absorbing is counted in ``PanelReport`` (events dated outside the
customer table, for unknown customers, duplicates, products never seen in training) and
turned into one warning line by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from findeep.data.io import has_infinite
from findeep.data.schema import parse_datetimes
from findeep.errors import ConfigError, DataError, did_you_mean
from findeep.features.tabular import as_level_text  # the one value-to-text rule
from findeep.recommend.rules import evaluate_rule, parse_rule

EventsMeaning = Literal["held", "acquired"]
EVENTS_MEANINGS: tuple[EventsMeaning, ...] = ("held", "acquired")


@dataclass
class PanelReport:
    """Events that could not be placed, by reason (all counts of event rows)."""

    outside_months: int = 0
    unknown_customers: int = 0
    duplicates: int = 0
    unknown_products: dict[str, int] = field(default_factory=dict)
    missing_values: int = 0
    # of outside_months, the events dated before the grid's first month (a scoring
    # customer table of the latest month alone: the lags could have read them)
    before_first_month: int = 0

    def lines(self) -> list[str]:
        parts = []
        if self.outside_months:
            parts.append(f"{self.outside_months:,} event(s) dated outside the customer table's "
                         "months were ignored")
        if self.unknown_customers:
            parts.append(f"{self.unknown_customers:,} event(s) for customers absent from the "
                         "customer table were ignored")
        if self.duplicates:
            parts.append(f"{self.duplicates:,} duplicate event(s) were counted once")
        if self.unknown_products:
            total = sum(self.unknown_products.values())
            names = ", ".join(sorted(self.unknown_products)[:5])
            parts.append(f"{total:,} event(s) for {len(self.unknown_products)} product(s) never "
                         f"seen in training were ignored ({names})")
        if self.missing_values:
            parts.append(f"{self.missing_values:,} event(s) with a missing customer, product "
                         "or date were ignored")
        return parts

    def to_dict(self) -> dict[str, Any]:
        return {"outside_months": self.outside_months,
                "unknown_customers": self.unknown_customers, "duplicates": self.duplicates,
                "unknown_products": dict(self.unknown_products),
                "missing_values": self.missing_values}


@dataclass
class Columns:
    """Which columns of the user's tables mean what."""

    customer_id: str = "customer_id"
    product: str = "product"
    date: str | None = "month"  # of the events table (and of the customer table, if dated)
    customer_date: str | None = None  # the customer table's date column, when it has one


@dataclass
class Panel:
    """Customers x months x products on one grid."""

    customer_ids: np.ndarray  # (C,)
    months: np.ndarray  # (T,) datetime64[M]
    products: list[str]  # (P,)
    holdings: np.ndarray  # (C, T, P) bool
    present: np.ndarray  # (C, T) bool: the customer has a row that month
    features: pd.DataFrame  # customer features; row per (c, t) of `present`, or per c if static
    feature_index: np.ndarray  # (C, T) int: row of `features` for (c, t), -1 when absent
    report: PanelReport


@dataclass
class Design:
    """One row per (customer, month t): features known at t, labels for t+1 when known."""

    frame: pd.DataFrame  # customer features at t
    holdings: np.ndarray  # (n, P * (1 + lags)) float32: held at t, t-1, ..., t-lags
    eligible: np.ndarray  # (n, P) bool: not held at t (and allowed by the rules)
    labels: np.ndarray | None  # (n, P) uint8: newly held at t+1; None when t+1 is unknown
    customer_ids: np.ndarray  # (n,)
    months: np.ndarray  # (n,) datetime64[M]: the month t the features describe
    products: list[str]

    def __len__(self) -> int:
        return len(self.frame)

    def subset(self, rows: np.ndarray) -> Design:
        return Design(self.frame.iloc[rows].reset_index(drop=True), self.holdings[rows],
                      self.eligible[rows], None if self.labels is None else self.labels[rows],
                      self.customer_ids[rows], self.months[rows], self.products)

    @property
    def held(self) -> np.ndarray:
        """(n, P) bool: products held at t."""
        return self.holdings[:, :len(self.products)] > 0.5


def holding_feature_names(products: list[str], lags: int) -> list[str]:
    names = [f"holds:{p}" for p in products]
    for lag in range(1, lags + 1):
        names += [f"held_{lag}m_ago:{p}" for p in products]
    return names


def _months(values: pd.Series, what: str) -> np.ndarray:
    stamps = parse_datetimes(values)
    if stamps.isna().all():
        raise DataError(f"the {what} date column holds no readable dates.")
    return stamps.to_numpy(dtype="datetime64[ns]").astype("datetime64[M]")


def check_columns(frame: pd.DataFrame, names: list[str], what: str) -> None:
    missing = [n for n in names if n not in frame.columns]
    if missing:
        hint = did_you_mean(missing[0], [str(c) for c in frame.columns])
        raise DataError(f"the {what} table has no column(s) {', '.join(map(repr, missing))}; "
                        f"it has {', '.join(map(str, list(frame.columns)[:12]))}." + hint)


def build_panel(customers: pd.DataFrame, events: pd.DataFrame | None, columns: Columns, *,
                events_mean: EventsMeaning = "held", products: list[str] | None = None,
                ) -> Panel:
    """Place ``customers`` and ``events`` on one monthly grid.

    ``products`` fixes the catalogue (a fitted model's); events for other products are
    ignored and counted. Without it, the catalogue is every product in ``events``.
    """
    if events_mean not in EVENTS_MEANINGS:
        raise ConfigError(f"events_mean (--events-mean) must be 'held' or 'acquired', "
                          f"however: {events_mean!r}")
    check_columns(customers, [columns.customer_id], "customer")
    if events is not None and len(events) and columns.date:  # a misspelt --date-column is
        check_columns(events, [columns.date], "events")     # named before what follows from it
    if columns.customer_date is not None:
        check_columns(customers, [columns.customer_date], "customer")
    if len(customers) == 0:
        raise DataError("the customer table has no rows.")
    report = PanelReport()
    ids = customers[columns.customer_id]
    if ids.isna().any():
        raise DataError(f"{int(ids.isna().sum()):,} customer row(s) have no "
                        f"'{columns.customer_id}'; fill or drop them.")
    key = customer_key(ids)
    customer_ids, customer_codes = np.unique(key, return_inverse=True)
    feature_columns = [c for c in customers.columns
                       if c not in (columns.customer_id, columns.customer_date)]
    if bad := has_infinite(customers[feature_columns]):
        raise DataError(f"customer column(s) {', '.join(map(str, bad))} hold infinite values; "
                        "replace them with a number or leave them empty (missing).")
    if columns.customer_date is not None:
        customer_months = _months(customers[columns.customer_date], "customer table's")
        if np.isnat(customer_months).any():
            raise DataError(f"{int(np.isnat(customer_months).sum()):,} customer row(s) have no "
                            f"readable '{columns.customer_date}'; fill or drop them.")
        months = np.unique(customer_months)
        month_codes = np.searchsorted(months, customer_months)
        pairs = customer_codes.astype(np.int64) * len(months) + month_codes
        unique_pairs, counts = np.unique(pairs, return_counts=True)
        if len(unique_pairs) < len(pairs):
            first = int(np.flatnonzero(pairs == unique_pairs[counts > 1][0])[0])
            raise DataError(f"the customer table has more than one row for "
                            f"{int((counts > 1).sum()):,} (customer, month) pair(s), e.g. "
                            f"'{columns.customer_id}' {key[first]} in {customer_months[first]}; "
                            "keep one snapshot per customer per month.")
    else:
        if len(customer_ids) < len(key):
            raise DataError(f"the customer table has {len(key) - len(customer_ids):,} repeated "
                            f"'{columns.customer_id}' value(s) but no date column; pass its "
                            "date column (--customer-date-column) or keep one row per customer.")
        months = None
        month_codes = None
    ev = _clean_events(events, columns, report)
    if months is None:  # undated customers: the events' months (any one month without them)
        months = (np.unique(ev["month"].to_numpy().astype("datetime64[M]")) if len(ev)
                  else np.array([np.datetime64("today", "M")]))
        if events_mean == "acquired":  # a month without a take-up is a month all the same
            months = np.arange(months[0], months[-1] + 1)
    _refuse_missing_months(months, "customer table" if month_codes is not None
                           else "events table")
    n_c, n_t = len(customer_ids), len(months)
    catalogue = list(products) if products is not None else sorted(
        ev["product"].unique().tolist())
    present = np.zeros((n_c, n_t), dtype=bool)
    feature_index = np.full((n_c, n_t), -1, dtype=np.int64)
    features = customers[feature_columns].reset_index(drop=True)
    if month_codes is None:
        present[:] = True
        feature_index[customer_codes, :] = np.arange(len(customers))[:, None]
    else:
        present[customer_codes, month_codes] = True
        feature_index[customer_codes, month_codes] = np.arange(len(customers))
    holdings = np.zeros((n_c, n_t, len(catalogue)), dtype=bool)
    if len(ev):
        known = np.isin(ev["product"].to_numpy(), catalogue)
        if not known.all():
            report.unknown_products = ev.loc[~known, "product"].value_counts().to_dict()
        ev = ev[known]
        c = np.searchsorted(customer_ids, ev["customer"].to_numpy())
        c_ok = (c < n_c) & (customer_ids[np.minimum(c, n_c - 1)] == ev["customer"].to_numpy())
        report.unknown_customers = int((~c_ok).sum())
        _refuse_unmatched_ids(ev["customer"].to_numpy(), c_ok, c, customer_ids, columns)
        m = ev["month"].to_numpy()
        t = np.searchsorted(months, m)
        t_ok = (t < n_t) & (months[np.minimum(t, n_t - 1)] == m)
        # events before the grid's first month: the lags could have read them (scoring a
        # customer table of the latest month alone); counted before acquisitions fold in
        report.before_first_month = int((c_ok & (m < months[0])).sum())
        if events_mean == "acquired":  # an acquisition before the table still counts
            t_ok |= m < months[0]
            t = np.where(m < months[0], 0, t)
        report.outside_months = int((c_ok & ~t_ok).sum())
        ok = c_ok & t_ok
        p = pd.Index(catalogue).get_indexer(ev["product"].to_numpy())
        holdings[c[ok], t[ok], p[ok]] = True
        if events_mean == "acquired":
            holdings = np.maximum.accumulate(holdings, axis=1)
        else:
            _refuse_months_without_holdings(months, present, holdings)
    return Panel(customer_ids, months, catalogue, holdings, present, features, feature_index,
                 report)


def _refuse_missing_months(months: np.ndarray, table: str) -> None:
    """One sentence for a grid with a hole: a month missing between two present ones would
    make the month after it the "next month" of the one before (a 2-month change read as a
    1-month take-up) and shift every lag."""
    steps = np.diff(months.astype("datetime64[M]").astype(np.int64))
    holes = np.flatnonzero(steps > 1)
    if len(holes):
        before, after = months[holes[0]], months[holes[0] + 1]
        missing = int(steps[holes].sum() - len(holes))
        raise DataError(f"the {table} has no rows for {missing} month(s) between its first and "
                        f"last (the first gap: after {before}, before {after}); a take-up is a "
                        "change from one month to the next, so give every month, or only the "
                        f"months after the gap.")


def _refuse_months_without_holdings(months: np.ndarray, present: np.ndarray,
                                    holdings: np.ndarray) -> None:
    """Refuse held-events data where a month has customers but no holdings at all while
    months before and after it have some: every product held after that month would count
    as newly taken (about 10x the real take-ups on a bank panel missing one month)."""
    held_in = holdings.any(axis=(0, 2))
    for t in range(1, len(months) - 1):
        if present[:, t].any() and not held_in[t] and held_in[:t].any() and held_in[t + 1:].any():
            raise DataError(f"the events table has no holdings for {months[t]}, though the "
                            "customer table has customers that month and the months around it "
                            f"have holdings: every product held in {months[t + 1]} would count "
                            f"as newly taken. Add the holdings for {months[t]}, or leave that "
                            "month and the ones before it out of both tables.")


def customer_key(ids: pd.Series) -> np.ndarray:
    """Customer ids as the text both tables are matched on, by value: 1, 1.0 and "1" are one
    customer (an id column with one gap is read as floats, 1.0, by pandas), while other text
    ("C0001", "007") is kept as written. It is findeep's one rule for values as text, the
    categorical levels' rule (``features.tabular``)."""
    return as_level_text(ids).to_numpy(dtype=object)


def _refuse_unmatched_ids(event_ids: np.ndarray, matched: np.ndarray, rows: np.ndarray,
                          customer_ids: np.ndarray, columns: Columns) -> None:
    """Refuse tables whose ids do not meet: most events name no customer *and* most customers
    have no event. Either alone is normal (scoring a few customers against the whole holdings
    table; many customers holding nothing); both together mean every offer would be made to
    customers scored as holding nothing, i.e. nonsense."""
    n_events = len(matched)
    n_customers = len(customer_ids)
    with_events = len(np.unique(rows[matched]))
    if not n_events or matched.sum() * 2 >= n_events or with_events * 2 >= n_customers:
        return
    raise DataError(
        f"{n_events - int(matched.sum()):,} of {n_events:,} events name a customer absent from "
        f"the customer table, and {n_customers - with_events:,} of {n_customers:,} customers "
        f"have no event: the '{columns.customer_id}' columns of the two tables do not hold the "
        f"same ids (events: {event_ids[~matched][0]!r}, customers: {customer_ids[0]!r}); check "
        "--customer-id and that both tables describe the same customers (customers who hold "
        "nothing yet are scored without --events).")


def _clean_events(events: pd.DataFrame | None, columns: Columns,
                  report: PanelReport) -> pd.DataFrame:
    """(customer, product, month) as strings and months; duplicates and gaps counted."""
    empty = pd.DataFrame({"customer": pd.Series([], dtype=str),
                          "product": pd.Series([], dtype=str),
                          "month": np.array([], dtype="datetime64[M]")})
    if events is None or len(events) == 0:
        return empty
    needed = [columns.customer_id, columns.product] + ([columns.date] if columns.date else [])
    check_columns(events, needed, "events")
    ev = pd.DataFrame({"customer": events[columns.customer_id],
                       "product": events[columns.product]})
    if columns.date:
        ev["month"] = _months(events[columns.date], "events table's")
    else:
        raise ConfigError("the events table needs a date column (--date-column).")
    gaps = ev["customer"].isna() | ev["product"].isna() | ev["month"].isna()
    report.missing_values = int(gaps.sum())
    ev = ev[~gaps]
    ev = ev.assign(customer=customer_key(ev["customer"]), product=ev["product"].astype(str))
    before = len(ev)
    ev = ev.drop_duplicates(["customer", "product", "month"])
    report.duplicates = before - len(ev)
    return ev.reset_index(drop=True)


def design_at(panel: Panel, t: int, *, lags: int = 2, with_labels: bool = True,
              eligibility: dict[str, str] | None = None) -> Design:
    """Features of every customer present at month index ``t``; labels for ``t+1``.

    With labels, only customers also present at ``t+1`` are kept (the others' outcome is
    unknown). Holdings before the first month of the panel are taken as none held.
    """
    n_t = len(panel.months)
    if not 0 <= t < n_t:
        raise ConfigError(f"month index must be within 0..{n_t - 1}, however: {t=}")
    labelled = with_labels and t + 1 < n_t
    rows = panel.present[:, t] & (panel.present[:, t + 1] if labelled else True)
    customers = np.flatnonzero(rows)
    stacked = [panel.holdings[customers, t]]
    for lag in range(1, lags + 1):
        stacked.append(panel.holdings[customers, t - lag] if t - lag >= 0
                       else np.zeros_like(stacked[0]))
    holdings = np.concatenate(stacked, axis=1).astype(np.float32)
    frame = panel.features.iloc[panel.feature_index[customers, t]].reset_index(drop=True)
    held = panel.holdings[customers, t]
    eligible = ~held & eligibility_mask(frame, panel.products, eligibility)
    labels = None
    if labelled:
        labels = (panel.holdings[customers, t + 1] & ~held).astype(np.uint8)
    return Design(frame, holdings, eligible, labels, panel.customer_ids[customers],
                  np.full(len(customers), panel.months[t]), panel.products)


def stack_designs(designs: list[Design]) -> Design:
    first = designs[0]
    labels = None if any(d.labels is None for d in designs) else np.concatenate(
        [d.labels for d in designs])
    return Design(pd.concat([d.frame for d in designs], ignore_index=True),
                  np.concatenate([d.holdings for d in designs]),
                  np.concatenate([d.eligible for d in designs]), labels,
                  np.concatenate([d.customer_ids for d in designs]),
                  np.concatenate([d.months for d in designs]), first.products)


def eligibility_mask(frame: pd.DataFrame, products: list[str],
                     rules: dict[str, str] | None) -> np.ndarray:
    """(n, P) bool: rows each product may be offered to, by rules read as data
    (``recommend/rules.py``: comparisons of columns, never code).

    ``{"mortgage": "age >= 21 and age < 70"}`` offers mortgages only to those rows.
    """
    mask = np.ones((len(frame), len(products)), dtype=bool)
    for product, rule in (rules or {}).items():
        if product not in products:
            raise ConfigError(f"eligibility rule for unknown product {product!r}; products are "
                              f"{', '.join(products)}." + did_you_mean(product, products))
        mask[:, products.index(product)] = evaluate_rule(frame, rule)  # data, never code
    return mask


def parse_eligibility(rules: list[str] | None) -> dict[str, str]:
    """``["mortgage: age >= 21", ...]`` (the CLI's form) -> ``{"mortgage": "age >= 21"}``.

    Several rules for one product must all hold: they are joined with ``and``, each in
    brackets, never one silently replacing another (a compliance rule added later must not
    drop an earlier one).

    >>> parse_eligibility(["mortgage: age >= 21", "loan: income > 0", "mortgage: age < 70"])
    {'mortgage': '(age >= 21) and (age < 70)', 'loan': 'income > 0'}
    """
    by_product: dict[str, list[str]] = {}
    for text in rules or []:
        product, sep, rule = text.partition(":")
        if not sep or not product.strip() or not rule.strip():
            raise ConfigError(f"an eligibility rule reads 'PRODUCT: EXPRESSION' (e.g. "
                              f"'mortgage: age >= 21'), however: {text!r}")
        parse_rule(rule)  # a rule outside the grammar is refused before any data is read
        by_product.setdefault(product.strip(), []).append(rule.strip())
    return {product: texts[0] if len(texts) == 1 else " and ".join(f"({t})" for t in texts)
            for product, texts in by_product.items()}
