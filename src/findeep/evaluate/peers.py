"""Published deep-learning defaults to compare findeep against: RealMLP-TD and TabM-D.

Both come from ``pytabkit`` (the optional ``findeep[peers]`` extra) with their tuned-once
default settings, fed the same prepared columns as the baselines. Unlike a missing
gradient-boosting library, a missing peer is an error: the user asked for it by name.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

import numpy as np
import pandas as pd

from findeep.errors import ConfigError

PEER_PACKAGES = {"realmlp": "pytabkit", "tabm": "pytabkit"}
PEER_DESCRIPTIONS = {"realmlp": "RealMLP-TD (pytabkit's tuned defaults)",
                     "tabm": "TabM-D (pytabkit's tuned defaults)"}


def check_peers_installed(models: list[str] | tuple[str, ...]) -> None:
    """Raise ``ConfigError`` naming the extra when a requested peer's package is missing."""
    missing = [m for m in models
               if m in PEER_PACKAGES and importlib.util.find_spec(PEER_PACKAGES[m]) is None]
    if missing:
        raise ConfigError(f"{', '.join(missing)} need(s) pytabkit, which is not installed; "
                          "install it with pip install 'findeep[peers]'.")


def make_peer(name: str, task: str, categorical: list[str], seed: int, **options: Any) -> Any:
    """An unfitted peer with ``fit(X, y)`` and ``predict_proba``/``predict``.

    ``options`` go to the pytabkit constructor (e.g. ``n_epochs``); benchmarks pass none,
    so each peer runs with its published defaults.
    """
    check_peers_installed([name])
    import pytabkit

    classification = task != "regression"
    kind = {"realmlp": "RealMLP_TD", "tabm": "TabM_D"}[name]
    cls = getattr(pytabkit, f"{kind}_{'Classifier' if classification else 'Regressor'}")
    threads = max(1, min(2, os.cpu_count() or 1))
    model = cls(**{"device": "cpu", "random_state": seed, "n_threads": threads, "verbosity": 0,
                   **options})
    return _ImputedPeer(model, categorical, classification=classification, seed=seed)


class _ImputedPeer:
    """pytabkit wants no missing numbers: median-impute them (training rows' medians) and
    add a missing-value indicator per column that had gaps in training, as findeep does."""

    def __init__(self, model: Any, categorical: list[str], *, classification: bool = True,
                 seed: int = 0) -> None:
        self.model = model
        self.categorical = categorical
        self.classification = classification
        self.seed = seed
        self.medians: dict[str, float] = {}
        self.indicators: list[str] = []

    def _frame(self, X: pd.DataFrame) -> pd.DataFrame:
        parts: dict[str, pd.Series] = {}
        for name in X.columns:
            if name in self.categorical:
                parts[name] = X[name]
            else:
                parts[name] = X[name].astype(float).fillna(self.medians[name])
        for name in self.indicators:
            parts[f"{name}__missing"] = X[name].isna().astype(float)
        return pd.DataFrame(parts, index=X.index)

    def fit(self, X: pd.DataFrame, y: np.ndarray, groups: np.ndarray | None = None
            ) -> _ImputedPeer:
        """``groups`` (one code per row: a customer) keep each customer's rows on one side of
        the peer's own validation split (a fifth of the rows, as pytabkit holds out), where
        it picks its epoch, as findeep's networks do under ``--group-column``."""
        numeric = [c for c in X.columns if c not in self.categorical]
        self.medians = {c: float(np.nan_to_num(X[c].astype(float).median())) for c in numeric}
        self.indicators = [c for c in numeric if X[c].isna().any()]
        cat = [c for c in X.columns if c in self.categorical]
        split = {}
        if groups is not None:
            from findeep.data.splits import grouped_folds

            split["val_idxs"] = grouped_folds(np.asarray(y), groups, n_folds=5, seed=self.seed,
                                              stratify=self.classification)[0][1]
        self.model.fit(self._frame(X), np.asarray(y), cat_col_names=cat or None, **split)
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.model.predict_proba(self._frame(X)))

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.model.predict(self._frame(X)))
