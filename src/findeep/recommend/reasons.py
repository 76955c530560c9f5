"""Why a product was recommended: the customer's inputs that raised its score.

The same machinery as credit reason codes (``explain/attributions.py``): Integrated
Gradients (Captum, Gauss-Legendre points) on the network's embedded input, the embedded
slots summed back to the user's columns through ``embedding_slots``. What is explained is
the recommended product's log-odds of being taken (members averaged) above the customer's
mean log-odds over the catalogue, relative to the mean embedded training customer, so a
reason reads "income = 92000 raised the mortgage score, against this customer's other
products, by 0.41 log-odds". Explaining the log-odds alone gave 34% of customers the same
three reasons for all seven offers and 73% the same top one (what lifts every product
alike: tenure, a propensity); relative to the catalogue, 0% and 0% on 400 customers of
``make_bank_customers(3000, 12)`` (``benchmarks/recommend_reasons.py``).
Holdings appear as ``holds:mortgage`` (held now) or ``held_1m_ago:...``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from findeep.errors import ConfigError
from findeep.explain.reasons import describe_value
from findeep.recommend.checks import check_counts
from findeep.recommend.panel import Design, holding_feature_names


def _integrated_gradients() -> Any:
    try:
        from captum.attr import IntegratedGradients
    except ImportError:
        raise ConfigError("reasons need Captum: pip install 'findeep[explain]'.") from None
    return IntegratedGradients


def slot_columns(recommender: Any) -> tuple[list[str], np.ndarray]:
    """(column names, the column index of each embedded slot)."""
    ranker = recommender.ranker_
    network = ranker.network_
    preprocessor = ranker.preprocessor_
    n_customer = network.config["n_customer_num"]
    lags = network.config["n_holdings"] // len(recommender.products_) - 1
    numeric = preprocessor.source_of_numeric[:n_customer]
    holdings = holding_feature_names(recommender.products_, lags)
    categorical = preprocessor.categorical_feature_names
    columns: list[str] = []
    index: dict[str, int] = {}

    def column_of(name: str) -> int:
        if name not in index:
            index[name] = len(columns)
            columns.append(name)
        return index[name]

    slots = []
    for kind, j in network.embedding_slots():
        if kind == "cat":
            slots.append(column_of(categorical[j]))
        elif j < n_customer:
            slots.append(column_of(numeric[j]))
        else:
            slots.append(column_of(holdings[j - n_customer]))
    return columns, np.asarray(slots)


def recommendation_attributions(recommender: Any, design: Design, chosen: np.ndarray, *,
                                n_steps: int = 32) -> np.ndarray:
    """(n, top, columns): each input column's share of each chosen product's log-odds above
    the customer's mean over the catalogue, against the mean training customer (``chosen``:
    (n, top) product indices, -1 = none, whose row is all 0). Per offer the shares sum to
    that relative log-odds minus the baseline customer's (Integrated Gradients'
    completeness); columns in ``slot_columns(recommender)[0]`` order."""
    if recommender.model != "network":
        raise ConfigError("reasons are available for network recommenders only; a "
                          f"{recommender.model} model ranks every customer the same way.")
    check_counts(n_steps=(n_steps, 2))
    IntegratedGradients = _integrated_gradients()
    ranker = recommender.ranker_
    network = ranker.network_
    x_num, x_cat, _ = ranker.inputs(design)
    columns, slots = slot_columns(recommender)
    group = torch.zeros(len(slots), len(columns))
    group[torch.arange(len(slots)), torch.as_tensor(slots)] = 1.0
    with torch.no_grad():
        embedded = network.embed(torch.as_tensor(x_num), torch.as_tensor(x_cat))
    baseline = torch.as_tensor(ranker.baseline_embedding_, dtype=embedded.dtype).expand_as(
        embedded)

    def log_odds(e: torch.Tensor) -> torch.Tensor:
        # each product's log-odds above the customer's mean over the catalogue: what lifts
        # a customer's every product alike (a propensity, tenure) explains no one offer
        out = network.forward_embedded(e).mean(dim=1)  # (B, P)
        return out - out.mean(dim=1, keepdim=True)

    ig = IntegratedGradients(log_odds)
    shares = np.zeros((len(design), chosen.shape[1], len(columns)))
    for r in range(chosen.shape[1]):
        target = np.maximum(chosen[:, r], 0)
        attributions = ig.attribute(embedded, baselines=baseline,
                                    target=torch.as_tensor(target), n_steps=n_steps,
                                    method="gausslegendre").detach() @ group  # (n, columns)
        shares[:, r] = np.where(chosen[:, r:r + 1] >= 0, attributions.numpy(), 0.0)
    return shares


def recommendation_reasons(recommender: Any, design: Design, chosen: np.ndarray, *,
                           n_reasons: int = 3, n_steps: int = 32) -> list[list[list[dict]]]:
    """For each row and each chosen product (``chosen``: (n, top) indices, -1 = none), the
    ``n_reasons`` inputs that raised that product's log-odds against the customer's other
    products most, largest first (``recommendation_attributions``)."""
    check_counts(n_reasons=(n_reasons, 1))
    shares = recommendation_attributions(recommender, design, chosen, n_steps=n_steps)
    columns, _ = slot_columns(recommender)
    network = recommender.ranker_.network_
    holding_names = set(holding_feature_names(recommender.products_,
                                              network.config["n_holdings"]
                                              // len(recommender.products_) - 1))
    out: list[list[list[dict]]] = [[[] for _ in range(chosen.shape[1])]
                                   for _ in range(len(design))]
    for r in range(chosen.shape[1]):
        values = shares[:, r]
        for i in range(len(design)):
            if chosen[i, r] < 0:
                continue
            order = np.argsort(-values[i], kind="stable")[:n_reasons]
            out[i][r] = [_reason(columns[c], float(values[i, c]), design, i, holding_names)
                         for c in order if values[i, c] > 0]
    return out


def _reason(column: str, contribution: float, design: Design, row: int,
            holding_names: set[str]) -> dict[str, Any]:
    if column in holding_names:
        kind, _, product = column.partition(":")
        position = design.products.index(product)
        lag = 0 if kind == "holds" else int(kind.split("_")[1].rstrip("m"))
        held = design.holdings[row, lag * len(design.products) + position] > 0.5
        value = "held" if held else "not held"
    else:
        value = describe_value(design.frame.iloc[row][column])
    # four significant figures: a small lift must not read as 0 beside the ones above it
    return {"feature": column, "value": value, "contribution": float(f"{contribution:.4g}")}
