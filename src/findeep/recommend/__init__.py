"""Next-best-offer: rank which financial product each customer is most likely to take next.

The path a user follows::

    panel.py       customer table + holdings/events -> one monthly grid; features at t,
                   labels "newly held at t+1" (nothing after t reaches a feature)
    network.py     ``NextProductNet``: findeep's tabular encoder shared across products,
                   one logit per product through product embeddings
    training.py    the trainer extended to masked multi-label BCE (validation MAP@k)
    rankers.py     the network and the baselines: popularity, LightGBM per product, ALS
    metrics.py     MAP@k (all customers / adders only), NDCG@k, Recall@k, coverage,
                   per-product AUC and calibration
    evaluation.py  out-of-time: train on months <= t, rank t+1; walk-forward; oracle
    hidden.py      cross-sectional "which product did we hide" task (COIL 2000 / Caravan)
    estimator.py   ``NextProductRecommender``: fit on the two tables, recommend top k
    reasons.py     the inputs that raised each recommended product's score
    bundle.py      save/load through findeep's bundle format
                   (``POST /v1/recommend`` lives in the serving layer: ``serve/recommend.py``)
    checks.py      the option rules (k, top, reasons, lags, months, as-of), checked first
    jobs.py        the commands as library calls
    commands.py    ``findeep recommend train|predict|benchmark``
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from findeep.recommend.estimator import NextProductRecommender
    from findeep.recommend.evaluation import walk_forward
    from findeep.recommend.metrics import ranking_metrics

# imported on first use, so `findeep recommend --help` does not load torch
_LAZY = {"NextProductRecommender": "findeep.recommend.estimator",
         "ranking_metrics": "findeep.recommend.metrics",
         "walk_forward": "findeep.recommend.evaluation"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'findeep.recommend' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


__all__ = ["NextProductRecommender", "ranking_metrics", "walk_forward"]
