"""Issue 12: would an additive member, weighted per table by cross-fitted validation, help?

    OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=1 python benchmarks/additive_blend_dev.py \
        [TABLE ...] [--out FILE]

Development panel only (the 7 tables of ``ablations.py --panel development``, the same 3
stratified folds, seed 0). The social_insure probe (``social_insure_probe.py``) found an
additive model (logistic regression on per-column splines) level with CatBoost there while
`default` trails, and a fixed 50/50 blend hurting the tables with interactions. This measures
the rule a library would need — the blend weight chosen inside each training fold, never on
its test rows:

- outer fold: `default` as the library fits it (``bagging="auto"``) and the additive model
  (quantile-scaled numerics through 6-knot cubic splines, categoricals of at most
  ``MAX_LEVELS`` training levels one-hot, wider ones left to the network; logistic regression
  at C = 10; scikit-learn), both on the fold's training rows. (A first run one-hot encoded
  every categorical: on social_insure its 166 addresses and 44 villages took the additive
  model from 0.6931 on the numerics alone to 0.6516, so wide categoricals are left out);
- the weight w of the additive model in the probability average, from {0, 0.25, 0.5, 0.75}:
  the one with the best out-of-fold ROC-AUC over a 5-fold stratified split of the training
  rows (one network per inner fold, ``bagging=1``, and the additive model on the same rows);
- scored: the test rows' AUC of ``(1 - w) * default + w * additive``, paired with `default`.

Nothing here is in the library; it decides whether the lever is worth building. Writes
``benchmarks/results/additive_blend_dev.json`` (tables merged into an existing file; give
parallel processes their own ``--out`` and merge with ``--merge FILE ...``).
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from ablations import tables as original_tables
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, QuantileTransformer, SplineTransformer
from tables import DEVELOPMENT_TABLES

from findeep.pipeline import fit_tabular

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "additive_blend_dev.json"
WEIGHTS = (0.0, 0.25, 0.5, 0.75)
MAX_LEVELS = 16  # categoricals one-hot in the additive model; wider ones left to the network


def panel() -> list[tuple[str, pd.DataFrame, pd.Series]]:
    out = original_tables()
    for table in DEVELOPMENT_TABLES:
        frame = table.load()
        out.append((f"{table.package}/{table.item}", frame.drop(columns=[table.target]),
                    frame[table.target]))
    return out


def additive_model(X: pd.DataFrame) -> object:
    numeric = X.select_dtypes("number").columns.tolist()
    categorical = [c for c in X.columns
                   if c not in numeric and X[c].nunique() <= MAX_LEVELS]
    spline = make_pipeline(QuantileTransformer(n_quantiles=200),
                           SplineTransformer(n_knots=6, degree=3, handle_missing="zeros"))
    parts = [("splines", spline, numeric)]
    if categorical:
        parts.append(("levels", OneHotEncoder(handle_unknown="ignore", min_frequency=5),
                      categorical))
    return make_pipeline(ColumnTransformer(parts),
                         LogisticRegression(C=10.0, max_iter=5000))


def _as_text(X: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns as strings (the one-hot encoder refuses mixed types)."""
    X = X.copy()
    for column in X.columns:
        if not pd.api.types.is_numeric_dtype(X[column]):
            X[column] = X[column].astype(str)
    return X


def additive_probabilities(X_train: pd.DataFrame, y_train: np.ndarray,
                           X_test: pd.DataFrame) -> np.ndarray:
    model = additive_model(X_train)
    model.fit(_as_text(X_train), y_train)
    return model.predict_proba(_as_text(X_test))[:, 1]


def chosen_weight(X: pd.DataFrame, target: pd.Series, y: np.ndarray) -> float:
    """The additive weight with the best out-of-fold AUC over 5 folds of these rows."""
    network = np.zeros(len(y))
    additive = np.zeros(len(y))
    for train, valid in StratifiedKFold(5, shuffle=True, random_state=1).split(X, y):
        pipeline = fit_tabular(X.iloc[train], target.iloc[train], seed=0, verbose=0,
                               bagging=1)
        network[valid] = pipeline.predict_raw(X.iloc[valid])[0]
        additive[valid] = additive_probabilities(X.iloc[train], y[train], X.iloc[valid])
    scores = [roc_auc_score(y, (1 - w) * network + w * additive) for w in WEIGHTS]
    return WEIGHTS[int(np.argmax(scores))]


def summarise(results: dict) -> None:
    deltas = [r["blend"] - r["default"] for v in results.values() for r in v["folds"]]
    if deltas:
        print(f"{len(results)} tables: paired delta {np.mean(deltas):+.4f} ± "
              f"{np.std(deltas, ddof=1):.4f} over {len(deltas)} folds "
              f"(s.e. {np.std(deltas, ddof=1) / np.sqrt(len(deltas)):.4f})")


def main() -> None:
    warnings.simplefilter("ignore")
    args = sys.argv[1:]
    if "--merge" in args:  # parallel processes' files into OUT
        results = json.loads(OUT.read_text()) if OUT.exists() else {}
        for path in args[args.index("--merge") + 1:]:
            results.update(json.loads(Path(path).read_text()))
        OUT.write_text(json.dumps(results, indent=1) + "\n")
        summarise(results)
        return
    out = OUT
    if "--out" in args:
        at = args.index("--out")
        out, args = Path(args[at + 1]), args[:at] + args[at + 2:]
    wanted = set(args)
    results = json.loads(out.read_text()) if out.exists() else {}
    for name, X, target in panel():
        if wanted and name not in wanted:
            continue
        X = X.reset_index(drop=True)
        target = target.reset_index(drop=True)
        y = pd.factorize(target, sort=True)[0]
        started = time.process_time()
        rows = []
        for train, test in StratifiedKFold(3, shuffle=True, random_state=0).split(X, y):
            pipeline = fit_tabular(X.iloc[train], target.iloc[train], seed=0, verbose=0)
            network = pipeline.predict_raw(X.iloc[test])[0]
            additive = additive_probabilities(X.iloc[train], y[train], X.iloc[test])
            w = chosen_weight(X.iloc[train].reset_index(drop=True),
                              target.iloc[train].reset_index(drop=True), y[train])
            rows.append({"weight": w, "default": roc_auc_score(y[test], network),
                         "additive": roc_auc_score(y[test], additive),
                         "blend": roc_auc_score(y[test], (1 - w) * network + w * additive)})
        results[name] = {"folds": rows, "cpu_seconds": time.process_time() - started}
        delta = [r["blend"] - r["default"] for r in rows]
        print(f"{name}: default {np.mean([r['default'] for r in rows]):.4f}, additive "
              f"{np.mean([r['additive'] for r in rows]):.4f}, weights "
              f"{[r['weight'] for r in rows]}, blend {np.mean([r['blend'] for r in rows]):.4f}"
              f" (paired {np.mean(delta):+.4f})", flush=True)
        out.write_text(json.dumps(results, indent=1) + "\n")
    summarise(results)


if __name__ == "__main__":
    main()
