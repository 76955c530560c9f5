"""Issue 12: what kind of signal is behind CatBoost's lead on social_insure (development table)?

    OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=1 python benchmarks/social_insure_probe.py

causaldata/social_insure (1,410 rural households, weather-insurance take-up) is the
development table where `default` trails CatBoost most (0.6728 vs 0.7000). Earlier probes
showed CatBoost's lead is not its categorical handling. This one asks what the signal looks
like, on the same 3 stratified folds (seed 0) as the ablations:

- CatBoost (its defaults, 2 threads, seed 0) on all columns, on the numeric columns only,
  without each of the numeric columns that carry most of its importance, and with depth 2
  (pairwise interactions at most) instead of 6;
- an additive model: logistic regression on per-column cubic splines (quantile-scaled
  numerics, 6 knots, scikit-learn; missing values as zeros), numeric columns only, at four
  inverse regularisation strengths C;
- `default` with training seeds 0 and 1: as it is; trained a fixed 10, 30 or 60 epochs with no
  early stopping; and with 32 or 64 piecewise-linear bins per numeric instead of 16.

``--blend`` also scores, on social_insure, Caravan and loanapp (the same 3 folds each),
`default` (seed 0), the spline model (C = 10) and their 50/50 and 75/25 probability
averages: whether an additive member would help where it is weak, and what it would cost
where interactions matter.

Nothing here changes a default; it is a diagnosis for the next lever. Writes
``benchmarks/results/social_insure_probe.json``.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import QuantileTransformer, SplineTransformer
from tables import CARAVAN, LOANAPP, SOCIAL_INSURE

from findeep.pipeline import fit_tabular

HERE = Path(__file__).resolve().parent
CATEGORICAL = ("address", "village")
NETWORK_VARIANTS = {
    "default": {},
    "no early stopping, 10 epochs": {"early_stopping": False, "max_epochs": 10},
    "no early stopping, 30 epochs": {"early_stopping": False, "max_epochs": 30},
    "no early stopping, 60 epochs": {"early_stopping": False, "max_epochs": 60},
    "32 bins per numeric": {"model_options": {"n_bins": 32}},
    "64 bins per numeric": {"model_options": {"n_bins": 64}},
}


def catboost_auc(X: pd.DataFrame, y: np.ndarray, folds: list, columns: list[str],
                 **options: object) -> tuple[float, dict[str, float]]:
    """Mean fold AUC and mean feature importance of CatBoost on ``columns``."""
    from catboost import CatBoostClassifier

    aucs, importances = [], []
    for train, test in folds:
        model = CatBoostClassifier(verbose=0, thread_count=2, random_seed=0,
                                   cat_features=[c for c in columns if c in CATEGORICAL],
                                   **options)
        model.fit(X[columns].iloc[train], y[train])
        aucs.append(roc_auc_score(y[test], model.predict_proba(X[columns].iloc[test])[:, 1]))
        importances.append(model.get_feature_importance())
    return float(np.mean(aucs)), dict(zip(columns, np.mean(importances, axis=0).round(1),
                                          strict=True))


def spline_auc(X: pd.DataFrame, y: np.ndarray, folds: list, columns: list[str],
               C: float) -> float:
    aucs = []
    for train, test in folds:
        model = make_pipeline(QuantileTransformer(n_quantiles=200),
                              SplineTransformer(n_knots=6, degree=3, handle_missing="zeros"),
                              LogisticRegression(C=C, max_iter=2000))
        model.fit(X[columns].iloc[train], y[train])
        aucs.append(roc_auc_score(y[test], model.predict_proba(X[columns].iloc[test])[:, 1]))
    return float(np.mean(aucs))


def network_aucs(X: pd.DataFrame, target: pd.Series, y: np.ndarray, folds: list,
                 options: dict, seed: int) -> list[float]:
    aucs = []
    for train, test in folds:
        pipeline = fit_tabular(X.iloc[train], target.iloc[train], seed=seed, verbose=0,
                               **options)
        prediction, _ = pipeline.predict_raw(X.iloc[test])
        aucs.append(float(roc_auc_score(y[test], prediction)))
    return aucs


def blend_aucs(table) -> dict[str, float]:
    """`default`, the spline model and their probability averages on ``table``'s 3 folds."""
    frame = table.load()
    target = frame[table.target]
    X = frame.drop(columns=[table.target])
    y = pd.factorize(target, sort=True)[0]
    numeric = X.select_dtypes("number").columns.tolist()
    scores: dict[str, list[float]] = {"default": [], "spline GAM": [], "50/50": [], "75/25": []}
    for train, test in StratifiedKFold(3, shuffle=True, random_state=0).split(X, y):
        pipeline = fit_tabular(X.iloc[train], target.iloc[train], seed=0, verbose=0)
        network, _ = pipeline.predict_raw(X.iloc[test])
        gam = make_pipeline(QuantileTransformer(n_quantiles=200),
                            SplineTransformer(n_knots=6, degree=3, handle_missing="zeros"),
                            LogisticRegression(C=10.0, max_iter=3000))
        gam.fit(X[numeric].iloc[train], y[train])
        additive = gam.predict_proba(X[numeric].iloc[test])[:, 1]
        for name, p in (("default", network), ("spline GAM", additive),
                        ("50/50", 0.5 * network + 0.5 * additive),
                        ("75/25", 0.75 * network + 0.25 * additive)):
            scores[name].append(roc_auc_score(y[test], p))
    return {name: float(np.mean(v)) for name, v in scores.items()}


def main() -> None:
    import sys
    warnings.simplefilter("ignore")
    frame = SOCIAL_INSURE.load()
    target = frame[SOCIAL_INSURE.target]
    X = frame.drop(columns=[SOCIAL_INSURE.target])
    y = pd.factorize(target, sort=True)[0]
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    numeric = [c for c in X.columns if c not in CATEGORICAL]
    out: dict = {"catboost": {}, "spline_gam": {}, "network": {}}
    out["catboost"]["all columns"], out["catboost_importance_all"] = catboost_auc(
        X, y, folds, list(X.columns))
    out["catboost"]["numeric only"], numeric_importance = catboost_auc(X, y, folds, numeric)
    out["catboost_importance_numeric_only"] = numeric_importance
    for column in sorted(numeric, key=lambda c: -numeric_importance[c])[:3]:
        out["catboost"][f"numeric only, without {column}"] = catboost_auc(
            X, y, folds, [c for c in numeric if c != column])[0]
    out["catboost"]["numeric only, depth 2"] = catboost_auc(X, y, folds, numeric, depth=2)[0]
    for C in (0.1, 1.0, 10.0, 100.0):
        out["spline_gam"][f"C={C:g}"] = spline_auc(X, y, folds, numeric, C)
    for name, options in NETWORK_VARIANTS.items():
        for seed in (0, 1):
            aucs = network_aucs(X, target, y, folds, options, seed)
            out["network"][f"{name}, seed {seed}"] = {"mean": float(np.mean(aucs)),
                                                      "folds": aucs}
            print(f"{name}, seed {seed}: {np.mean(aucs):.4f}", flush=True)
    if "--blend" in sys.argv[1:]:
        out["blend"] = {}
        for table in (SOCIAL_INSURE, CARAVAN, LOANAPP):
            out["blend"][table.item] = blend_aucs(table)
            print(table.item, {k: round(v, 4) for k, v in out["blend"][table.item].items()},
                  flush=True)
    (HERE / "results" / "social_insure_probe.json").write_text(json.dumps(out, indent=1) + "\n")
    for group in ("catboost", "spline_gam"):
        for name, value in out[group].items():
            print(f"{group} {name}: {value:.4f}")
    print("CatBoost importance (numeric only):", numeric_importance)


if __name__ == "__main__":
    main()
