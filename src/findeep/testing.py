"""Synthetic tables with known structure, for findeep's tests and for yours.

``make_credit_frame`` mimics an application-time credit table: skewed incomes, threshold
effects, an interaction, missing values that carry risk, categoricals, an application
date, and noise columns. Its ``default`` column is drawn from a known probability, so a
model's ceiling is known (``return_probability=True``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from findeep.errors import ConfigError

_PURPOSES = np.array(["car", "debt_consolidation", "home_improvement", "medical", "small_business",
                      "vacation"])
_PURPOSE_RISK = np.array([0.0, 0.25, -0.2, 0.35, 0.7, 0.15])
_HOMES = np.array(["rent", "mortgage", "own"])
_REGIONS = np.array([f"region_{i:02d}" for i in range(12)])


def make_credit_frame(n: int = 10_000, seed: int = 0, *, return_probability: bool = False,
                      ) -> pd.DataFrame:
    """A credit table of ``n`` applications with a binary ``default`` target (1 = default).

    Drivers of risk: debt_to_income (sharp rise past 40), utilization (convex), income
    (log-linear; missing income is riskier), months_since_delinquency (recent is risky,
    missing = never), purpose, and home x utilization. ``region`` and ``noise_*`` carry no
    signal. Works from a few hundred to 10M rows (vectorised numpy).
    """
    if n < 1:
        raise ConfigError(f"n must be a positive integer, however: {n=}")
    rng = np.random.default_rng(seed)
    age = rng.integers(19, 80, n)
    income = np.round(np.exp(rng.normal(10.8, 0.55, n)), -2)
    debt_to_income = np.clip(rng.gamma(4.0, 6.0, n), 0, 95).round(1)
    utilization = np.clip(rng.beta(2.0, 3.0, n) * 1.3, 0, 1.3).round(3)
    delinquency = rng.integers(0, 120, n).astype(float)
    never_delinquent = rng.random(n) < 0.55
    delinquency[never_delinquent] = np.nan
    purpose_idx = rng.choice(len(_PURPOSES), n, p=[0.2, 0.35, 0.15, 0.08, 0.07, 0.15])
    home_idx = rng.choice(3, n, p=[0.4, 0.45, 0.15])
    employment_years = np.minimum(rng.exponential(6, n), age - 18).round(1)
    open_accounts = rng.poisson(7, n)
    start = np.datetime64("2019-01-01")
    applied_on = start + rng.integers(0, 365 * 4, n).astype("timedelta64[D]")

    income_missing = rng.random(n) < 0.08
    log_income = np.log(income)
    logit = (
        -2.3
        + 2.2 * (debt_to_income > 40) + 0.02 * (debt_to_income - 25)
        + 1.6 * (utilization - 0.45) ** 2 * 3 + 0.8 * utilization
        - 0.7 * (log_income - 10.8)
        + 0.6 * income_missing
        + np.where(np.isnan(delinquency), -0.4, 1.2 * np.exp(-np.nan_to_num(delinquency) / 18))
        + _PURPOSE_RISK[purpose_idx]
        + 0.9 * (home_idx == 0) * (utilization > 0.8)
        - 0.03 * np.minimum(employment_years, 10)
    )
    probability = 1 / (1 + np.exp(-logit))
    default = (rng.random(n) < probability).astype(int)
    frame = pd.DataFrame({
        "applied_on": pd.to_datetime(applied_on),
        "age": age,
        "income": np.where(income_missing, np.nan, income),
        "debt_to_income": debt_to_income,
        "utilization": utilization,
        "months_since_delinquency": delinquency,
        "employment_years": employment_years,
        "open_accounts": open_accounts,
        "purpose": _PURPOSES[purpose_idx],
        "home": _HOMES[home_idx],
        "region": _REGIONS[rng.integers(0, len(_REGIONS), n)],
        "noise_1": rng.normal(size=n).round(3),
        "noise_2": rng.uniform(0, 100, n).round(1),
        "default": default,
    })
    if return_probability:
        frame["true_probability"] = probability
    return frame


def make_driver_frame(n: int = 4_000, seed: int = 0, *, n_noise: int = 7) -> pd.DataFrame:
    """A table where exactly three columns drive ``default``: ``debt_to_income``,
    ``utilization`` and ``late_payments``; ``noise_*`` columns carry nothing.
    """
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "debt_to_income": rng.uniform(0, 60, n).round(1),
        "utilization": rng.uniform(0, 1, n).round(3),
        "late_payments": rng.poisson(1.0, n),
    })
    for i in range(n_noise):
        frame[f"noise_{i + 1}"] = rng.normal(size=n).round(3)
    logit = (-1.5 + 0.08 * (frame["debt_to_income"] - 30) + 3.0 * (frame["utilization"] - 0.5)
             + 0.9 * (frame["late_payments"] - 1))
    frame["default"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return frame


def make_price_panel(n_assets: int = 20, n_days: int = 750, seed: int = 0, *,
                     signal_strength: float = 0.15, start: str = "2015-01-01",
                     return_signal: bool = True) -> pd.DataFrame:
    """A long daily panel (date, asset, open, high, low, close, volume) with a planted signal.

    Each next-day log return is ``signal_strength`` parts a known forecast and the rest
    noise, plus a market factor common to all assets (which a cross-sectional IC ignores).
    The forecast is built from what is known at the close of ``date``: a three-day
    reversal, and momentum confirmed by unusually high volume (a non-linear term).
    ``signal`` holds it (standardised), so ``corr(signal_t, return_{t+1})`` across assets
    is the oracle IC (a little below ``signal_strength``: unequal market betas add
    cross-sectional noise); drop it before fitting. With
    ``signal_strength=0`` the returns are pure noise and ``signal`` is unrelated to them.
    """
    if n_assets < 1 or n_days < 2:
        raise ConfigError(f"need n_assets >= 1 and n_days >= 2, however: {n_assets=}, {n_days=}")
    if not 0.0 <= signal_strength < 1.0:
        raise ConfigError(f"signal_strength must be in [0, 1), however: {signal_strength=}")
    rng = np.random.default_rng(seed)
    sigma = rng.uniform(0.01, 0.025, n_assets)  # daily idiosyncratic volatility per asset
    beta = rng.uniform(0.6, 1.4, n_assets)
    returns = np.zeros((n_days, n_assets))
    volume_surprise = np.zeros((n_days, n_assets))
    signal = np.zeros((n_days, n_assets))
    noise_weight = np.sqrt(1.0 - signal_strength ** 2)
    market = rng.normal(0.0003, 0.008, n_days)
    for t in range(n_days):
        if t > 0:
            volume_surprise[t] = 0.5 * volume_surprise[t - 1] + rng.normal(0, 0.5, n_assets)
            noise = rng.normal(size=n_assets)
            idiosyncratic = signal_strength * signal[t - 1] + noise_weight * noise
            returns[t] = beta * market[t] + sigma * idiosyncratic
        z = returns[max(0, t - 2):t + 1].sum(axis=0) / (sigma * np.sqrt(min(t + 1, 3)))
        reversal = -z
        confirmed = np.tanh(volume_surprise[t] * 1.5) * np.sign(returns[t]) * 1.5
        raw = 0.7 * reversal + 0.7 * confirmed
        signal[t] = raw / 0.97  # about unit variance
    close = 100.0 * np.exp(np.cumsum(returns, axis=0))
    previous = np.vstack([close[:1], close[:-1]])
    open_ = previous * np.exp(rng.normal(0, 0.002, (n_days, n_assets)))
    spread = np.abs(rng.normal(0, 0.6, (n_days, n_assets))) * sigma
    high = np.maximum(open_, close) * np.exp(spread)
    low = np.minimum(open_, close) * np.exp(-spread)
    volume = np.round(np.exp(13.0 + rng.normal(0, 0.3, n_assets) + volume_surprise))
    dates = pd.bdate_range(start, periods=n_days)
    assets = [f"A{i:02d}" for i in range(n_assets)]
    frame = pd.DataFrame({
        "date": np.repeat(dates, n_assets), "asset": np.tile(assets, n_days),
        "open": open_.ravel(), "high": high.ravel(), "low": low.ravel(), "close": close.ravel(),
        "volume": volume.ravel(),
    })
    if return_signal:
        frame["signal"] = signal.ravel()
    return frame.sort_values(["asset", "date"], ignore_index=True)


def json_record(row: dict) -> dict:
    """A row as JSON-ready values for a request to ``findeep serve``: dates as ISO text,
    NaN as null, numpy scalars as Python ones."""
    record = {}
    for key, value in row.items():
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif isinstance(value, float) and np.isnan(value):
            value = None
        elif isinstance(value, np.generic):
            value = value.item()
        record[key] = value
    return record


# ---- bank customers and their products (next-best-offer) ---------------------------------------
BANK_PRODUCTS = ("current_account", "e_account", "savings", "debit_card", "credit_card",
                 "personal_loan", "mortgage", "home_insurance", "car_insurance",
                 "life_insurance", "pension", "investment_fund", "student_loan",
                 "travel_insurance", "securities_account", "overdraft")
_BANK_BASE = np.array([-3.6, -5.2, -5.3, -4.4, -5.0, -5.6, -6.2, -6.6, -5.6, -6.4, -6.6, -7.2,
                       -7.0, -6.4, -7.6, -6.2])
_BANK_DROP = np.array([0.003, 0.012, 0.008, 0.006, 0.008, 0.03, 0.004, 0.006, 0.01, 0.004,
                       0.002, 0.01, 0.02, 0.03, 0.008, 0.02])
_SEGMENTS = np.array(["individual", "young", "affluent", "private"])


class BankCustomers:
    """What ``make_bank_customers`` returns: the tables a bank has, plus the truth.

    ``customers``: one row per customer per month they were a customer (``customer_id``,
    ``month``, age, income, tenure_months, children, segment, region); ``holdings``: one
    row per product held per month (``customer_id``, ``product``, ``month``);
    ``adoption_probability[c, t, p]``: the true probability that customer ``c`` (row order
    of ``customer_ids``) newly holds product ``p`` at month ``t + 1`` given everything at
    ``t`` — NaN where ``p`` is held at ``t``, the customer is absent at ``t`` or ``t + 1``,
    or ``t`` is the last month. Ranking by it is the oracle.
    """

    def __init__(self, customers: pd.DataFrame, holdings: pd.DataFrame,
                 adoption_probability: np.ndarray, customer_ids: np.ndarray,
                 months: pd.DatetimeIndex, products: tuple[str, ...]) -> None:
        self.customers = customers
        self.holdings = holdings
        self.adoption_probability = adoption_probability
        self.customer_ids = customer_ids
        self.months = months
        self.products = products


def _bump(x: np.ndarray, centre: float, width: float) -> np.ndarray:
    return np.exp(-(((x - centre) / width) ** 2))


def _bank_adoption_logits(age: np.ndarray, log_income: np.ndarray, tenure: np.ndarray,
                          children: np.ndarray, held: np.ndarray, previous: np.ndarray,
                          propensity: np.ndarray) -> np.ndarray:
    """Monthly adoption log-odds per (customer, product) from the state at t."""
    h = held.astype(float)
    new = (held & ~previous).astype(float)  # added last month: cross-selling window
    z = log_income - 10.3
    (cur, eacc, sav, deb, cc, loan, mort, home, car, life, pen, inv, student, travel, sec,
     overdraft) = range(16)
    logit = np.repeat(_BANK_BASE[None, :], len(age), axis=0)
    logit[:, cur] += 2.0 * (tenure < 6) - 0.6 * h[:, eacc]
    logit[:, eacc] += 1.2 * (age < 35) - 0.9 * h[:, sav] - 0.5 * h[:, cur]  # substitutes
    logit[:, sav] += 0.7 * z + 0.9 * (age > 50) - 0.9 * h[:, eacc] + 0.4 * h[:, cur]
    logit[:, deb] += 1.6 * h[:, cur] + 0.8 * (age < 30) + 1.2 * new[:, cur]
    logit[:, cc] += 0.9 * z + 1.2 * _bump(age, 38, 14) + 0.6 * h[:, cur] - 0.7 * h[:, loan]
    logit[:, loan] += -0.8 * z + 1.0 * _bump(age, 32, 10) - 0.8 * h[:, cc] + 0.5 * children
    logit[:, mort] += (2.2 * _bump(age, 34, 7) + 0.9 * z + 0.5 * (children > 0)
                       + 0.6 * h[:, cur] - 1.5 * (tenure < 12))
    logit[:, home] += 2.4 * h[:, mort] + 2.0 * new[:, mort] + 0.5 * (age > 30)
    logit[:, car] += 1.0 * _bump(age, 40, 16) + 0.4 * z + 0.3 * h[:, loan]
    logit[:, life] += 1.3 * h[:, mort] + 0.6 * children + 0.8 * _bump(age, 40, 10)
    logit[:, pen] += 2.0 * _bump(age, 52, 7) + 1.0 * z + 0.02 * np.minimum(tenure, 120) / 4
    logit[:, inv] += 1.8 * np.maximum(z, 0) + 1.2 * h[:, sav] + 0.8 * (age > 45)
    logit[:, student] += 3.0 * (age < 25) - 0.4 * z - 2.0 * (age > 30)
    logit[:, travel] += 1.1 * h[:, cc] + 0.9 * new[:, cc] + 0.6 * z
    logit[:, sec] += 1.6 * h[:, inv] + 1.2 * np.maximum(z, 0)
    logit[:, overdraft] += 1.0 * h[:, cur] - 0.7 * z - 0.6 * h[:, loan]
    return logit + propensity[:, None]


def make_bank_customers(n_customers: int = 10_000, n_months: int = 18, seed: int = 0,
                        ) -> BankCustomers:
    """Monthly snapshots of ``n_customers`` bank customers and the 16 products they hold.

    Which products a customer adds next depends on life cycle (mortgages peak in the
    thirties, pensions in the fifties, e-accounts in the young), income, tenure, children
    and what they hold: complements (current account -> debit card; a mortgage -> home and
    life insurance, most of all in the month after it is taken; a new credit card -> travel
    insurance), substitutes (credit card
    vs personal loan, e-account vs savings). An unobserved per-customer propensity shifts
    all of a customer's products alike (so it never changes their order). About 10% of
    customers join after the first month; products are also dropped now and then.
    ``region`` carries no signal.
    """
    if n_customers < 1 or n_months < 2:
        raise ConfigError(f"n_customers must be >= 1 and n_months >= 2, however: "
                          f"{n_customers=}, {n_months=}")
    rng = np.random.default_rng(seed)
    n, n_products = n_customers, len(BANK_PRODUCTS)
    age0 = rng.uniform(18, 80, n)
    log_income = rng.normal(10.3, 0.5, n) + 0.25 * _bump(age0, 48, 15)
    tenure0 = np.floor(rng.exponential(60, n))
    children = np.where(_bump(age0, 38, 10) > rng.random(n), rng.poisson(1.4, n), 0)
    propensity = rng.normal(0.0, 0.5, n)
    segment = np.where(log_income > 11.0, 2, np.where(age0 < 26, 1, 0))
    segment = np.where((segment == 2) & (rng.random(n) < 0.2), 3, segment)
    region = rng.integers(0, 8, n)
    join = np.where(rng.random(n) < 0.1, rng.integers(1, n_months, n), 0)
    tenure0 = np.where(join > 0, 0.0, tenure0)
    # starting holdings: a plausible portfolio, then a burn-in of the same dynamics
    held = rng.random((n, n_products)) < 1 / (1 + np.exp(-(_BANK_BASE + 3.0)))
    held[:, 0] |= rng.random(n) < 0.7
    previous = held.copy()
    for _ in range(12):
        logit = _bank_adoption_logits(age0, log_income, tenure0, children, held, previous,
                                      propensity)
        add = rng.random((n, n_products)) < 1 / (1 + np.exp(-(logit + 0.5)))
        previous, held = held, held | add
    held[join > 0] = False
    held[join > 0, 0] = rng.random(int((join > 0).sum())) < 0.7
    previous = held.copy()
    probability = np.full((n, n_months, n_products), np.nan, dtype=np.float32)
    history = np.zeros((n, n_months, n_products), dtype=bool)
    incomes = np.zeros((n, n_months))
    for t in range(n_months):
        age = age0 + t / 12
        tenure = tenure0 + np.maximum(t - join, 0)
        incomes[:, t] = log_income
        history[:, t] = held
        if t == n_months - 1:
            break
        p = 1 / (1 + np.exp(-_bank_adoption_logits(age, log_income, tenure, children, held,
                                                   previous, propensity)))
        eligible = ~held & (join <= t)[:, None]
        probability[:, t] = np.where(eligible, p, np.nan)
        add = eligible & (rng.random((n, n_products)) < p)
        drop = held & (rng.random((n, n_products)) < _BANK_DROP)
        joining = join == t + 1
        previous = held
        held = (held & ~drop) | add
        held[joining] = history[joining, t]  # set at the start, unchanged until they join
        log_income = log_income + rng.normal(0.0, 0.01, n)
    months = pd.date_range("2024-01-01", periods=n_months, freq="MS")
    rows = np.argwhere(join[:, None] <= np.arange(n_months)[None, :])  # (customer, month)
    c, t = rows[:, 0], rows[:, 1]
    ids = np.arange(100_000, 100_000 + n)
    customers = pd.DataFrame({
        "customer_id": ids[c], "month": months[t],
        "age": np.floor(age0[c] + t / 12).astype(int),
        "income": np.round(np.exp(incomes[c, t]), -1),
        "tenure_months": (tenure0[c] + np.maximum(t - join[c], 0)).astype(int),
        "children": children[c],
        "segment": pd.Categorical.from_codes(segment[c], categories=list(_SEGMENTS)),
        "region": pd.Categorical.from_codes(region[c],
                                            categories=[f"region_{i}" for i in range(8)]),
    })
    present = join[:, None] <= np.arange(n_months)[None, :]
    cells = np.argwhere(history & present[:, :, None])
    holdings = pd.DataFrame({"customer_id": ids[cells[:, 0]],
                             "product": pd.Categorical.from_codes(cells[:, 2],
                                                                  categories=list(BANK_PRODUCTS)),
                             "month": months[cells[:, 1]]})
    return BankCustomers(customers, holdings, probability, ids, months, BANK_PRODUCTS)
_TEXT_SUBJECTS = ("The company", "Net sales", "Operating profit", "The bank", "Quarterly revenue",
                  "The group", "Its order book", "Earnings per share", "The retailer",
                  "Pretax income")
_TEXT_VERBS = {"positive": ("rose", "increased", "grew", "jumped", "improved"),
               "negative": ("fell", "decreased", "dropped", "declined", "slumped"),
               "neutral": ("was", "remained", "stood", "came in", "was reported")}
_TEXT_TAILS = ("in the third quarter", "compared with last year", "according to the report",
               "in Finland", "during the period", "from a year earlier", "in euro terms",
               "the statement said")


def make_text_frame(n: int = 600, seed: int = 0) -> pd.DataFrame:
    """``n`` templated financial sentences (``sentence``) with a 3-class ``sentiment``.

    The label is carried only by the verb (rose/fell/remained …); subjects, figures and
    tails are random, so a model that learns the label has learned the planted words.
    """
    if n < 1:
        raise ConfigError(f"n must be a positive integer, however: {n=}")
    rng = np.random.default_rng(seed)
    labels = rng.choice(["positive", "negative", "neutral"], n, p=[0.3, 0.2, 0.5])
    sentences = []
    for label in labels:
        verb = _TEXT_VERBS[label][rng.integers(0, 5)]
        subject = _TEXT_SUBJECTS[rng.integers(0, len(_TEXT_SUBJECTS))]
        tail = _TEXT_TAILS[rng.integers(0, len(_TEXT_TAILS))]
        amount = f"EUR {rng.integers(1, 900)}.{rng.integers(0, 10)} mn"
        sentences.append(f"{subject} {verb} to {amount} {tail} .")
    return pd.DataFrame({"sentence": sentences, "sentiment": labels})


_PURPOSE_RISKY = ("consolidation", "gambling", "overdue")
_PURPOSE_SAFE = ("wedding", "renovation", "tuition")


def make_text_credit_frame(n: int = 1_000, seed: int = 0) -> pd.DataFrame:
    """A credit table with a free-text ``purpose_text`` where the signal is only in the text.

    ``default`` depends on whether the stated purpose mentions a risky word (consolidation,
    gambling, overdue: ~55% default) or not (~12%); ``income``, ``age`` and ``home`` carry no
    signal, so a model without the text column cannot beat the base rate.
    """
    if n < 1:
        raise ConfigError(f"n must be a positive integer, however: {n=}")
    rng = np.random.default_rng(seed)
    risky = rng.random(n) < 0.35
    openers = ("I need money for", "loan to cover", "funds for my", "please approve credit for",
               "applying for a loan for", "money needed for")
    fillers = ("this spring", "as soon as possible", "and some small costs", "for my family",
               "next month", "before the summer", "with a fixed rate")
    texts = []
    for is_risky in risky:
        word = (_PURPOSE_RISKY if is_risky else _PURPOSE_SAFE)[rng.integers(0, 3)]
        texts.append(f"{openers[rng.integers(0, len(openers))]} {word} "
                     f"{fillers[rng.integers(0, len(fillers))]} {rng.integers(2, 60)} items")
    default = (rng.random(n) < np.where(risky, 0.55, 0.12)).astype(int)
    return pd.DataFrame({
        "income": np.round(np.exp(rng.normal(10.8, 0.5, n)), -2),
        "age": rng.integers(19, 80, n),
        "home": rng.choice(["rent", "own", "mortgage"], n),
        "purpose_text": texts,
        "default": default,
    })
