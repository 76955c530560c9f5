"""``NextProductRecommender``: fit on a customer table + holdings, rank the next product.

``fit(customers, events)`` learns from the latest ``train_months`` labelled months (features
at t, products newly held at t+1); its network stops early on a fifth of the customers of
the latest one. ``recommend(customers, events)`` ranks, for each customer at the latest
month of the data given, the products they do not hold (and may be offered under
``eligibility``), best first.

>>> from findeep.testing import make_bank_customers
>>> bank = make_bank_customers(600, 6, seed=0)
>>> model = NextProductRecommender(model="popularity").fit(bank.customers, bank.holdings)
>>> model.recommend(bank.customers, bank.holdings, top=3).columns.tolist()
['customer_id', 'rank', 'product', 'score']

The id column keeps the customer table's name (``customer_id=``) and dtype, so the offers
merge back onto the table on it.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from findeep.data.io import TableLike, read_table
from findeep.data.schema import FindeepWarning
from findeep.data.splits import seed_problem
from findeep.errors import ConfigError, DataError, NotFittedError
from findeep.features.tabular import TransformReport
from findeep.recommend.bundle import save_recommender
from findeep.recommend.checks import check_counts, count_problem, parse_month, rate_problem
from findeep.recommend.evaluation import training_designs
from findeep.recommend.metrics import top_k
from findeep.recommend.panel import (
    EVENTS_MEANINGS,
    Columns,
    Design,
    Panel,
    PanelReport,
    build_panel,
    customer_key,
    design_at,
    eligibility_mask,
)
from findeep.recommend.rankers import check_ranker, make_ranker
from findeep.recommend.rules import rule_problem

SAVABLE = ("network", "popularity")


def read_events(events: TableLike | None) -> pd.DataFrame | None:
    """The events table; an empty one comes back empty (the caller says what that means)."""
    if events is None:
        return None
    if isinstance(events, pd.DataFrame) and len(events) == 0:
        return events
    try:
        return read_table(events)
    except DataError as exc:
        if "no rows" in str(exc) or "empty" in str(exc):
            return pd.DataFrame()
        raise


def warn_report(report: PanelReport) -> None:
    """One warning per kind of event that had to be set aside (counted)."""
    for line in report.lines():
        warnings.warn(line + ".", FindeepWarning, stacklevel=3)


class NextProductRecommender(BaseEstimator):
    """Rank the products each customer is most likely to take up next month."""

    def __init__(self, *, customer_id: str = "customer_id", product: str = "product",
                 date_column: str = "month", customer_date_column: str | None = None,
                 events_mean: str = "held", model: str = "network", lags: int = 2,
                 train_months: int = 6, eligibility: dict[str, str] | None = None,
                 max_epochs: int | None = None, batch_size: int | None = None,
                 learning_rate: float | None = None, random_state: int = 0,
                 verbose: int = 0) -> None:
        self.customer_id = customer_id
        self.product = product
        self.date_column = date_column
        self.customer_date_column = customer_date_column
        self.events_mean = events_mean
        self.model = model
        self.lags = lags
        self.train_months = train_months
        self.eligibility = eligibility
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.random_state = random_state
        self.verbose = verbose

    def _check_params(self, *more_problems: str | None) -> None:
        """Every option problem in one ``ConfigError``, before any data is read;
        ``more_problems``: a job's own options' (``k``, …), named in the same sentence."""
        problems = [count_problem("lags", self.lags, 0),
                    count_problem("train_months", self.train_months, 1),
                    seed_problem(self.random_state)]
        for name in ("max_epochs", "batch_size"):
            if getattr(self, name) is not None:
                problems.append(count_problem(name, getattr(self, name), 1))
        if self.learning_rate is not None:
            problems.append(rate_problem("learning_rate", self.learning_rate))
        if self.events_mean not in EVENTS_MEANINGS:
            problems.append(f"events_mean (--events-mean) must be 'held' or 'acquired', "
                            f"however: {self.events_mean!r}")
        if self.eligibility is not None and not (
                isinstance(self.eligibility, dict)
                and all(isinstance(v, str) for v in self.eligibility.values())):
            problems.append("eligibility must map product names to rule text, e.g. "
                            f"{{'mortgage': 'age >= 21'}}, however: {self.eligibility!r}")
        else:
            problems += [rule_problem(rule) for rule in (self.eligibility or {}).values()]
        problems = [p for p in [*problems, *more_problems] if p]
        if problems:
            raise ConfigError("; ".join(problems) + ".")
        check_ranker(self.model)

    def columns(self, customers: pd.DataFrame) -> Columns:
        """The column roles; the customer table's date column is found when it is named so."""
        customer_date = self.customer_date_column
        if customer_date is None and self.date_column in customers.columns:
            customer_date = self.date_column
        return Columns(self.customer_id, self.product, self.date_column, customer_date)

    def _options(self) -> dict[str, Any]:
        options = {name: getattr(self, name) for name in ("max_epochs", "batch_size",
                                                          "learning_rate")}
        return {k: v for k, v in options.items() if v is not None}

    # ---- fit ---------------------------------------------------------------------------------
    def fit(self, customers: TableLike, events: TableLike | None) -> Self:
        self._check_params()
        customers = read_table(customers)
        events_frame = read_events(events)
        if events_frame is None or len(events_frame) == 0:
            raise DataError("the events table is empty: there are no holdings to learn "
                            "which products customers take next from.")
        columns = self.columns(customers)
        panel = build_panel(customers, events_frame, columns, events_mean=self.events_mean)  # type: ignore[arg-type]
        warn_report(panel.report)
        return self.fit_panel(panel, columns)

    def fit_panel(self, panel: Panel, columns: Columns) -> Self:
        """Fit on a panel already built (the CLI and the benchmarks build it once)."""
        self._check_params()
        if len(panel.months) < self.lags + 3 and self.model == "network":
            fewer = (f"pass --lags {len(panel.months) - 3} or give more months"
                     if len(panel.months) >= 3 else "give at least 3 months")
            raise DataError(f"{len(panel.months)} month(s) of data are too few: the network "
                            f"needs {self.lags} lag month(s), a training month and a "
                            f"validation month before the last; {fewer}.")
        last_feature_month = len(panel.months) - 2
        if last_feature_month < 0:
            raise DataError("one month of data holds no change of holdings to learn from; "
                            "give at least two months.")
        everything, fit_rows, valid_rows = training_designs(
            panel, last_feature_month, lags=min(self.lags, last_feature_month),
            train_months=self.train_months, eligibility=self.eligibility,
            seed=self.random_state)
        if everything.labels is None or not everything.labels.any():
            raise DataError("no customer took up a new product in the training months; there "
                            "is nothing to learn which products come next from.")
        ranker = make_ranker(self.model, random_state=self.random_state, verbose=self.verbose,
                             options=self._options() if self.model == "network" else None)
        if self.model == "network":
            ranker.fit(fit_rows, valid_rows)
        else:
            ranker.fit(everything)
        self.ranker_ = ranker
        self.columns_ = columns
        self.products_ = list(panel.products)
        self.feature_columns_ = [str(c) for c in panel.features.columns]
        adds = everything.labels.sum(axis=0)
        self.training_ = {
            "rows": len(everything), "customers": len(np.unique(everything.customer_ids)),
            "first_month": str(everything.months.min()), "last_month": str(panel.months[-1]),
            "adds_per_product": {p: int(a) for p, a in zip(self.products_, adds, strict=True)},
            "events": panel.report.to_dict(),
        }
        if self.model == "network":
            # the epochs' validation MAP@k, as a tabular bundle keeps its history: a network
            # that stopped at epoch 1 is diagnosable from the bundle
            self.training_["fit"] = ranker.fit_result_.to_dict()
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "ranker_"):
            raise NotFittedError("this NextProductRecommender is not fitted yet; call fit or "
                                 "load a bundle first.")

    def save(self, path: str | os.PathLike[str], *, force: bool = False) -> Path:
        """Write a bundle (safetensors + JSON) that ``findeep.load`` reads back; returns its
        path. Refuses to overwrite unless ``force``; network and popularity models only."""
        return save_recommender(self, path, force=force)

    # ---- scoring -----------------------------------------------------------------------------
    def holdings_source(self, customers: pd.DataFrame, events: pd.DataFrame | None) -> str:
        """Where scoring reads each customer's current holdings from: ``"events"``,
        ``"product columns"`` (of ``customers``, named like the catalogue, when no events
        are given) or ``"none"`` (every customer is scored as holding nothing)."""
        self._check_fitted()
        if events is not None and len(events):
            return "events"
        if events is None and any(p in customers.columns for p in self.products_):
            return "product columns"
        return "none"

    def design(self, customers: TableLike, events: TableLike | None = None, *,
               as_of: str | None = None) -> tuple[Design, PanelReport]:
        """Features of every customer at the latest month (or ``as_of``) and what was dropped.

        Without ``events``, product columns of ``customers`` named like the catalogue are read
        as current holdings (held = value > 0; lags repeat the current holdings); with
        neither, every customer is scored as holding nothing (with a warning). When neither
        table is dated (no events, no date column in ``customers``), ``design.months`` is NaT:
        the holdings are as given, of no known month, and ``as_of`` is refused.

        Warns (``FindeepWarning``) when the month scored has no holdings while earlier
        months have (a holdings table behind the customer table), and counts the customers
        with earlier rows but none in the month scored (they get no offers).
        """
        self._check_fitted()
        wanted = None if as_of is None else parse_month(as_of)
        customers = read_table(customers)
        events_frame = read_events(events)
        columns = Columns(self.columns_.customer_id, self.columns_.product,
                          self.columns_.date, self.columns_.customer_date
                          if self.columns_.customer_date in customers.columns else None)
        source = self.holdings_source(customers, events_frame)
        dated = source == "events" or columns.customer_date is not None
        if wanted is not None and not dated:
            raise ConfigError(f"as_of (--as-of) {as_of!r} needs dated data, but no events were "
                              "given and the customer table has no "
                              f"'{self.columns_.customer_date or self.columns_.date}' column; "
                              "pass the holdings table (--events) or drop --as-of.")
        if source == "product columns":
            wide = [p for p in self.products_ if p in customers.columns]
            customers, events_frame = _wide_to_events(customers, wide, columns)
        elif source == "none":
            warnings.warn("no holdings were given: every customer is scored as holding no "
                          "product.", FindeepWarning, stacklevel=2)
        panel = build_panel(customers, events_frame, columns, events_mean=self.events_mean,  # type: ignore[arg-type]
                            products=self.products_)
        if source == "product columns":
            panel.holdings[:] = panel.holdings[:, -1:, :]  # lags unknown: as held now
        t = len(panel.months) - 1
        if wanted is not None:
            if wanted not in panel.months:
                raise DataError(f"as_of {as_of!r} is not a month of the data "
                                f"({panel.months[0]} to {panel.months[-1]}).")
            t = int(np.flatnonzero(panel.months == wanted)[0])
        if source == "events" and self.events_mean == "held":
            warn_month_without_holdings(panel, t)
        if source == "events" and t < self.lags and panel.report.before_first_month:
            warnings.warn(
                f"the customer table starts at {panel.months[0]}, so the model's "
                f"{self.lags} month(s) of past holdings before {panel.months[t]} were taken as "
                f"none held, though the events table has {panel.report.before_first_month:,} "
                "holding(s) dated earlier; give the customer table's earlier months too (or "
                "its rows without the date column) to score on them.", FindeepWarning,
                stacklevel=2)
        warn_customers_absent(panel, t)
        design = design_at(panel, t, lags=self.lags, with_labels=False,
                           eligibility=self.eligibility)
        if not dated:  # the grid's one month stands for "as given", not for a date
            design.months = np.full(len(design), np.datetime64("NaT", "M"))
        return design, panel.report

    def scores(self, design: Design) -> np.ndarray:
        """(n, P) scores, with held and ineligible products at -inf; warns
        (``FindeepWarning``) of what the customer columns held that the model cannot score
        as meant, as tabular scoring does."""
        return self.scores_reported(design, warn=True)[0]

    def scores_reported(self, design: Design, *, warn: bool = False,
                        ) -> tuple[np.ndarray, TransformReport]:
        """``scores`` and the ``TransformReport`` behind its warnings (unseen and missing
        categories, empty and off-scale columns); ``warn``: also warn. A model that reads no
        customer column (popularity) has nothing to report: an empty report."""
        self._check_fitted()
        reported = getattr(self.ranker_, "score_reported", None)
        if reported is not None:
            raw, report = reported(design, warn=warn)
        else:
            raw, report = self.ranker_.score(design), TransformReport(rows=len(design))
        return np.where(design.eligible, raw, -np.inf), report

    def recommend(self, customers: TableLike, events: TableLike | None = None, *,
                  top: int = 7, as_of: str | None = None) -> pd.DataFrame:
        """Long table: ``customer_id, rank, product, score``, ``top`` rows per customer at most
        (fewer when fewer products may be offered). The id column is named and typed as the
        customer table's (``customer_id="id"`` gives an ``id`` column, int64 ids stay int64),
        so ``customers.merge(offers, on="id")`` joins them back."""
        check_counts(top=(top, 1))
        self._check_fitted()
        customers = read_table(customers)
        design, report = self.design(customers, events, as_of=as_of)  # names absent columns
        warn_report(report)
        return offers_table(design, self.scores(design), top,
                            customers=customers[self.columns_.customer_id])


def warn_month_without_holdings(panel: Panel, t: int) -> None:
    """Warn when month ``t`` (scored) has no holdings at all while earlier months have: the
    holdings table has not caught up with the customer table, and scoring would take
    every customer to hold nothing (held events: a month's rows are all it holds)."""
    held_in = panel.holdings.any(axis=(0, 2))  # (T,)
    if held_in[t] or not held_in[:t].any():
        return
    month, last = panel.months[t], panel.months[np.flatnonzero(held_in[:t])[-1]]
    warnings.warn(f"the holdings table has no holdings for {month}, the month scored, though "
                  "it has them for earlier months: every customer was scored as holding "
                  "nothing, so the offers include products they hold; score as of "
                  f"{last}, the last month with holdings (as_of / --as-of {last}), or add "
                  f"the holdings for {month}.", FindeepWarning, stacklevel=3)


def warn_customers_absent(panel: Panel, t: int) -> None:
    """Warn, with a count, of the customers with rows before month ``t`` but none at ``t``:
    they get no offers (their features at ``t`` are unknown)."""
    absent = panel.present[:, :t].any(axis=1) & ~panel.present[:, t]
    if not absent.any():
        return
    # the latest month before t at which any of them has a row
    latest = panel.months[int(np.flatnonzero(panel.present[absent, :t].any(axis=0))[-1])]
    warnings.warn(f"{int(absent.sum()):,} of {len(absent):,} customers have no row in the "
                  f"customer table for {panel.months[t]}, the month scored, only earlier ones "
                  f"(the latest: {latest}), and get no offers; customers who left need none, "
                  "but to score the others from their last snapshot, score them again as of "
                  f"that month (as_of / --as-of {latest}).", FindeepWarning, stacklevel=3)


def offers_table(design: Design, scores: np.ndarray, top: int, *,
                 customers: pd.Series | None = None,
                 written: np.ndarray | None = None) -> pd.DataFrame:
    """``top`` offers per customer, best first: ``<id>, rank, product, score``.

    ``customers``: the customer table's id column; the ids then come out as that column
    holds them (its name and dtype), not as the text the tables were matched on
    (``customer_key``). Without it the column is ``customer_id`` and holds that text.
    ``written``: the same ids as a CSV writes them (``ids_as_written``), which the output
    copies instead: customer "0012" stays "0012" where the table was read as numbers.
    """
    best = top_k(scores, design.eligible, top)
    rows, ranks = np.nonzero(best >= 0)
    products = np.asarray(design.products, dtype=object)
    chosen = best[rows, ranks]
    ids: Any = design.customer_ids[rows]
    name = "customer_id"
    if customers is not None:
        ids, name = ids_as_given(ids, customers, written), str(customers.name)
    return pd.DataFrame({name: ids, "rank": ranks + 1, "product": products[chosen],
                         "score": scores[rows, chosen]})


def ids_as_given(keys: np.ndarray, ids: pd.Series,
                 written: np.ndarray | None = None) -> pd.Series:
    """The customer ids whose ``customer_key`` text is ``keys``, as ``ids`` (the customer
    table's column) holds them: its dtype, int64 ids as int64 — or, given ``written`` (the
    column's text in the file, row for row), as the file writes them."""
    key = customer_key(ids)
    first = ~pd.Index(key).duplicated()  # a dated table has one row per customer and month
    shown = ids if written is None else pd.Series(written, index=ids.index, name=ids.name)
    given = shown[first].set_axis(key[first])
    return given.loc[keys].reset_index(drop=True)  # every key came from this column


def _wide_to_events(customers: pd.DataFrame, wide: list[str],
                    columns: Columns) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Product columns (counts or 0/1) -> an events table at each row's month."""
    held = customers[wide].apply(pd.to_numeric, errors="coerce").fillna(0).to_numpy() > 0
    r, p = np.nonzero(held)
    # undated: any one month will do to place the rows on the grid (``design`` says NaT)
    date = (customers[columns.customer_date].to_numpy()[r] if columns.customer_date
            else np.full(len(r), np.datetime64("today", "M")))
    events = pd.DataFrame({columns.customer_id: customers[columns.customer_id].to_numpy()[r],
                           columns.product: np.asarray(wide, dtype=object)[p],
                           columns.date or "date": date})
    if not columns.customer_date:
        columns.date = columns.date or "date"
    return customers.drop(columns=wide), events


__all__ = ["NextProductRecommender", "eligibility_mask", "offers_table"]
