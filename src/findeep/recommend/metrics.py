"""Ranking metrics for next-product recommendation, with their conventions stated.

Every metric takes ``scores`` (n, P), ``labels`` (n, P; 1 = the product was newly taken)
and ``eligible`` (n, P; products that may be offered — not already held). Only eligible
products are ranked; a label on an ineligible product cannot happen by construction.

- ``map_all@k``: mean over *all* customers of AP@k, a customer who adds nothing scoring 0
  (Kaggle's Santander convention; its ceiling is the share of customers who add something).
- ``map_adders@k``: the same mean over customers who add at least one product only (the
  convention of recommender libraries such as implicit and RecBole).
- AP@k = sum over hits at rank i <= k of precision@i, divided by min(#added, k).
- ``ndcg@k``, ``recall@k``: over adders (binary gains, log2 discount; recall = hits / #added).
- ``coverage@k``: share of the catalogue that appears in at least one customer's top k.
- per-product ROC-AUC (eligible customers only) and calibration (mean predicted vs observed
  rate, and expected calibration error over 10 bins) when scores are probabilities.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from findeep.recommend.checks import check_counts

HEADLINE = ("map_all@k", "map_adders@k", "ndcg@k", "recall@k", "coverage@k")


def top_k(scores: np.ndarray, eligible: np.ndarray, k: int) -> np.ndarray:
    """(n, min(k, P)) product indices, best first, among eligible products; -1 pads rows
    with fewer eligible products. A list never runs past the catalogue, so a large ``k``
    costs nothing."""
    check_counts(k=(k, 1))
    masked = np.where(eligible, scores.astype(np.float64), -np.inf)
    k_eff = min(k, masked.shape[1])
    if k_eff == 0:  # an empty catalogue
        return np.zeros((masked.shape[0], 0), dtype=np.int64)
    part = np.argpartition(-masked, k_eff - 1, axis=1)[:, :k_eff]
    order = np.argsort(-np.take_along_axis(masked, part, axis=1), axis=1, kind="stable")
    best = np.take_along_axis(part, order, axis=1)
    return np.where(np.isfinite(np.take_along_axis(masked, best, axis=1)), best, -1)


def ranking_metrics(scores: np.ndarray, labels: np.ndarray, eligible: np.ndarray, *,
                    k: int = 7) -> dict[str, float]:
    """MAP@k (both conventions), NDCG@k, Recall@k, coverage@k, and how many customers."""
    labels = (labels > 0) & eligible
    best = top_k(scores, eligible, k)  # (n, min(k, P)): past the catalogue nothing can hit
    valid = best >= 0
    hits = np.where(valid, np.take_along_axis(labels, np.maximum(best, 0), axis=1), False)
    n_added = labels.sum(axis=1)  # <= P, so min(n_added, k) needs no rank past P
    adders = n_added > 0
    ranks = np.arange(1, best.shape[1] + 1)
    precision_at = np.cumsum(hits, axis=1) / ranks
    ap = (precision_at * hits).sum(axis=1) / np.maximum(np.minimum(n_added, k), 1)
    discount = 1.0 / np.log2(ranks + 1)
    dcg = (hits * discount).sum(axis=1)
    ideal = np.cumsum(discount)[np.maximum(np.minimum(n_added, k), 1) - 1]
    ndcg = np.where(adders, dcg / np.where(adders, ideal, 1.0), 0.0)
    recall = np.where(adders, hits.sum(axis=1) / np.maximum(n_added, 1), 0.0)
    shown = np.unique(best[valid])
    n_adders = int(adders.sum())
    return {
        "map_all@k": float(ap.mean()) if len(ap) else float("nan"),
        "map_adders@k": float(ap[adders].mean()) if n_adders else float("nan"),
        "ndcg@k": float(ndcg[adders].mean()) if n_adders else float("nan"),
        "recall@k": float(recall[adders].mean()) if n_adders else float("nan"),
        "coverage@k": float(len(shown) / labels.shape[1]),
        "customers": len(ap),
        "adders": n_adders,
    }


def per_product_metrics(scores: np.ndarray, labels: np.ndarray, eligible: np.ndarray,
                        products: list[str], *, probabilities: bool = True,
                        ) -> dict[str, dict[str, Any]]:
    """ROC-AUC per product over eligible customers; calibration when scores are probabilities."""
    from sklearn.metrics import roc_auc_score

    out: dict[str, dict[str, Any]] = {}
    for j, product in enumerate(products):
        rows = eligible[:, j]
        y = labels[rows, j] > 0
        s = scores[rows, j]
        entry: dict[str, Any] = {"eligible": int(rows.sum()), "added": int(y.sum())}
        entry["auc"] = float(roc_auc_score(y, s)) if 0 < y.sum() < len(y) else float("nan")
        if probabilities and len(y):
            entry["mean_predicted"] = float(np.mean(s))
            entry["observed_rate"] = float(np.mean(y))
            entry["ece"] = expected_calibration_error(s, y)
        out[product] = entry
    return out


def expected_calibration_error(p: np.ndarray, y: np.ndarray, n_bins: int = 10) -> float:
    """Row-weighted mean |observed rate - mean predicted| over equal-count bins."""
    if len(p) == 0:
        return float("nan")
    order = np.argsort(p, kind="stable")
    bins = np.array_split(order, min(n_bins, len(p)))
    return float(sum(len(b) * abs(np.mean(y[b]) - np.mean(p[b])) for b in bins) / len(p))


def summarise_products(per_product: dict[str, dict[str, Any]]) -> dict[str, float]:
    """Mean AUC over products with both outcomes, and mean ECE."""
    aucs = [v["auc"] for v in per_product.values() if np.isfinite(v.get("auc", np.nan))]
    eces = [v["ece"] for v in per_product.values() if np.isfinite(v.get("ece", np.nan))]
    return {"mean_product_auc": float(np.mean(aucs)) if aucs else float("nan"),
            "mean_product_ece": float(np.mean(eces)) if eces else float("nan")}
