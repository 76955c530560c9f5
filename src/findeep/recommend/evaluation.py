"""Out-of-time evaluation: train on months <= t, rank for t+1; walk forward over several t.

For a test month ``s+1`` (features at ``s``, products newly held at ``s+1``), every model
learns from feature months ``s-train_months .. s-1`` whose labels (``.. s``) are all known
at ``s``. The network's early stopping uses a random fifth of the customers of the latest
training month (the rest train); the baselines fit on all training rows. Every model is
scored on the same test customers, held products masked; an optional ``oracle`` (true
adoption probabilities, from ``make_bank_customers``) gives the ceiling.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from findeep.errors import ConfigError, DataError
from findeep.evaluate.comparison import verdict
from findeep.recommend.checks import check_counts
from findeep.recommend.metrics import (
    per_product_metrics,
    ranking_metrics,
    summarise_products,
)
from findeep.recommend.panel import Design, Panel, customer_key, design_at, stack_designs
from findeep.recommend.rankers import RANKERS, check_ranker, make_ranker

Oracle = Callable[[Design], np.ndarray]
ORACLE = "oracle"  # the ceiling's entry beside the models, when the truth is known


def training_designs(panel: Panel, last_feature_month: int, *, lags: int, train_months: int,
                     eligibility: dict[str, str] | None = None, seed: int = 0,
                     validation_fraction: float = 0.2) -> tuple[Design, Design, Design]:
    """(all training rows, network's fit rows, network's validation rows).

    Feature months run up to ``last_feature_month`` (its labels are month +1).
    """
    first = max(lags, last_feature_month - train_months + 1, 0)
    if last_feature_month < first:
        raise DataError(f"not enough months to train on: the panel has {len(panel.months)} "
                        f"month(s), and {lags} lag month(s) plus two labelled months are "
                        "needed before the first test month.")
    designs = [design_at(panel, t, lags=lags, eligibility=eligibility)
               for t in range(first, last_feature_month + 1)]
    everything = stack_designs(designs)
    latest = len(designs[-1])
    offset = len(everything) - latest
    rng = np.random.default_rng(seed)
    chosen = rng.random(latest) < validation_fraction
    valid_rows = offset + np.flatnonzero(chosen)
    fit_rows = np.concatenate([np.arange(offset), offset + np.flatnonzero(~chosen)])
    return everything, everything.subset(fit_rows), everything.subset(valid_rows)


def evaluate_month(panel: Panel, test_feature_month: int, models: Sequence[str], *,
                   lags: int = 2, train_months: int = 6, k: int = 7,
                   eligibility: dict[str, str] | None = None, oracle: Oracle | None = None,
                   seed: int = 0, options: dict[str, dict[str, Any]] | None = None,
                   verbose: int = 0) -> dict[str, Any]:
    """Every model fitted on months before ``test_feature_month`` and ranked at it."""
    check_evaluation(models, k=k, lags=lags, train_months=train_months)
    everything, fit_rows, valid_rows = training_designs(
        panel, test_feature_month - 1, lags=lags, train_months=train_months,
        eligibility=eligibility, seed=seed)
    test = design_at(panel, test_feature_month, lags=lags, eligibility=eligibility)
    if test.labels is None or len(test) == 0:
        raise DataError("the test month has no customers with a following month to check.")
    results: dict[str, Any] = {}
    for name in models:
        ranker = make_ranker(name, random_state=seed, verbose=verbose,
                             options=(options or {}).get(name))
        results[name] = fit_and_rank(name, ranker, fit_rows, valid_rows, everything, test, k)
    if oracle is not None:
        results[ORACLE] = _score_entry(oracle(test), test, k, probabilities=True)
    return {"test_month": str(panel.months[test_feature_month + 1]),
            "train_rows": len(everything), "test_customers": len(test), "models": results}


def fit_and_rank(name: str, ranker: Any, fit_rows: Design, valid_rows: Design,
                 everything: Design, test: Design, k: int) -> dict[str, Any]:
    """Fit one ranker (the network early-stops on ``valid_rows``; the others see all the
    training rows), rank ``test`` and score it, with fit seconds and ranking speed."""
    started = time.perf_counter()
    if name == "network":
        ranker.fit(fit_rows, valid_rows)
    else:
        ranker.fit(everything)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    scores = ranker.score(test)
    rank_seconds = time.perf_counter() - started
    entry = _score_entry(scores, test, k, probabilities=name != "als")
    return entry | {"fit_seconds": fit_seconds,
                    "customers_per_second": len(test) / max(rank_seconds, 1e-9)}


def _score_entry(scores: np.ndarray, test: Design, k: int, *, probabilities: bool,
                 ) -> dict[str, Any]:
    assert test.labels is not None
    entry: dict[str, Any] = ranking_metrics(scores, test.labels, test.eligible, k=k)
    products = per_product_metrics(scores, test.labels, test.eligible, test.products,
                                   probabilities=probabilities)
    entry |= summarise_products(products)
    entry["per_product"] = products
    return entry


def check_evaluation(models: Sequence[str], *, k: object, lags: object, train_months: object,
                     n_test_months: object = 1) -> None:
    """Refuse, in one error, bad evaluation options (the jobs call this before reading data)."""
    if isinstance(models, str) or not len(models):
        raise ConfigError(f"models must be a list naming at least one of {', '.join(RANKERS)}, "
                          f"however: {models!r}.")
    for name in models:
        check_ranker(name)
    repeated = sorted({m for m in models if list(models).count(m) > 1})
    if repeated:
        raise ConfigError(f"--models names {', '.join(repeated)} more than once; each model is "
                          "fitted once on the same months.")
    check_counts(k=(k, 1), lags=(lags, 0), train_months=(train_months, 1),
                 **{"n_test_months (--test-months)": (n_test_months, 1)})


def walk_forward(panel: Panel, models: Sequence[str], *, n_test_months: int = 3,
                 lags: int = 2, train_months: int = 6, k: int = 7,
                 eligibility: dict[str, str] | None = None, oracle: Oracle | None = None,
                 seed: int = 0, options: dict[str, dict[str, Any]] | None = None,
                 verbose: int = 0) -> dict[str, Any]:
    """The last ``n_test_months`` months, each ranked by models trained on the months before.

    Returns each fold's metrics and, per model, mean and std over folds.
    """
    check_evaluation(models, k=k, lags=lags, train_months=train_months,
                     n_test_months=n_test_months)
    last = len(panel.months) - 2  # the last feature month with a following month
    months = list(range(last - n_test_months + 1, last + 1))
    if months[0] < lags + 2:
        fitting = months[0] - 2  # the most lags these test months leave room for
        fewer = (f"pass --lags {fitting} or fewer --test-months" if fitting >= 0
                 else "use fewer --test-months")
        raise DataError(f"{len(panel.months)} month(s) are too few for {n_test_months} test "
                        f"month(s) with {lags} lag(s); {fewer}.")
    folds = [evaluate_month(panel, t, models, lags=lags, train_months=train_months, k=k,
                            eligibility=eligibility, oracle=oracle, seed=seed, options=options,
                            verbose=verbose) for t in months]
    result = {"folds": folds, "summary": summarise_folds(folds), "k": k, "lags": lags,
              "train_months": train_months}
    line = network_verdict(folds)
    if line is not None:
        result["verdict"] = line
    return result


VERDICT_METRIC = "map_all@k"  # MAP@k over all customers, the Kaggle convention


def network_verdict(folds: list[dict[str, Any]], metric: str = VERDICT_METRIC) -> str | None:
    """The network against the best other model on ``metric`` (highest mean), as a paired
    difference over the same test months with the benchmark's noise rule; None without a
    network or another model. The oracle (the generator's true probabilities) is the ceiling
    the models are measured against, not a model one could run, so it is never the one named."""
    models = list(folds[0]["models"])
    others = [m for m in models if m not in ("network", ORACLE)]
    if "network" not in models or not others:
        return None

    def series(name: str) -> np.ndarray:
        return np.array([fold["models"][name].get(metric, np.nan) for fold in folds], float)

    best = max(others, key=lambda m: np.nanmean(series(m)) if np.isfinite(series(m)).any()
               else -np.inf)
    diff = series("network") - series(best)
    if not np.isfinite(diff).all():
        return None
    std = float(np.std(diff, ddof=1)) if len(diff) > 1 else float("nan")
    mean = float(np.mean(diff))
    spread = "" if std != std else f" ± {std:.4f}"
    return (f"network vs {best} (best other model): {mean:+.4f}{spread} {metric} over the "
            f"same {len(diff)} month(s) — {verdict(mean, std)}.")


def summarise_folds(folds: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Mean and std over folds of every scalar metric, per model."""
    summary: dict[str, dict[str, float]] = {}
    for name in folds[0]["models"]:
        entries = [fold["models"][name] for fold in folds]
        out: dict[str, float] = {}
        for key, value in entries[0].items():
            if isinstance(value, int | float):
                values = np.array([e[key] for e in entries], dtype=float)
                out[key] = float(np.mean(values))
                out[f"{key}_std"] = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
        summary[name] = out
    return summary


def oracle_from_truth(probability: np.ndarray, customer_ids: Sequence[Any], months: Any,
                      products: Sequence[str]) -> Oracle:
    """An ``Oracle`` from true probabilities ``[customer, month, product]`` (e.g.
    ``make_bank_customers``' ``adoption_probability``), matched by id, month and name."""
    rows = {key: i for i, key in enumerate(customer_key(pd.Series(list(customer_ids))))}
    month_index = {m: i for i, m in enumerate(np.asarray(months, dtype="datetime64[M]"))}
    product_index = {p: j for j, p in enumerate(products)}

    def oracle(design: Design) -> np.ndarray:
        r = np.array([rows[c] for c in design.customer_ids])  # panel ids are already keys
        t = np.array([month_index[m] for m in design.months])
        p = np.array([product_index[name] for name in design.products])
        return np.nan_to_num(probability[r[:, None], t[:, None], p[None, :]], nan=0.0)

    return oracle
