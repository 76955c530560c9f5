"""A credit table with a free-text purpose: does the text column help, and do explanations
find the planted words?

``findeep.testing.make_text_credit_frame``: default risk depends only on whether the stated
purpose mentions consolidation / gambling / overdue; income, age and home carry no signal.
On the same stratified folds (seed 0):

- text-cnn over text + other columns (``findeep text``),
- findeep's tabular ``default`` network on the other columns only (without the text),
- TF-IDF + logistic regression with and without the text column.

Then, on the first fold's held-out rows, how often the top positive word of a risky
application's explanation is one of the planted words.

    python benchmarks/text_mixed.py --rows 3000 --folds 5 --folds-to-run 3
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from findeep.data.schema import FindeepWarning
from findeep.pipeline import fit_tabular
from findeep.testing import make_text_credit_frame
from findeep.text import baseline, fit_text
from findeep.text.explain import explain_text

PLANTED = {"consolidation", "gambling", "overdue"}
OUT = Path(__file__).resolve().parent / "results" / "text_mixed.json"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--folds-to-run", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore", FindeepWarning)
    frame = make_text_credit_frame(args.rows, seed=0)
    y = frame.pop("default")
    others = ["income", "age", "home"]
    folds = list(StratifiedKFold(args.folds, shuffle=True, random_state=0).split(frame, y))
    folds = folds[:args.folds_to_run]
    scores: dict[str, list[float]] = {}
    seconds: dict[str, list[float]] = {}

    def record(name: str, auc: float, started: float) -> None:
        scores.setdefault(name, []).append(float(auc))
        seconds.setdefault(name, []).append(time.perf_counter() - started)
        print(f"{name}: auc={auc:.4f}", flush=True)

    explained = {}
    for k, (train, test) in enumerate(folds):
        X_train, X_test, y_train, y_test = (frame.iloc[train], frame.iloc[test], y.iloc[train],
                                            y.iloc[test])
        started = time.perf_counter()
        text_model = fit_text(X_train, y_train, model="text-cnn", verbose=0)
        p, _ = text_model.predict_raw(X_test)
        record("text-cnn (text + other columns)", roc_auc_score(y_test, p), started)
        started = time.perf_counter()
        tabular = fit_tabular(X_train[others], y_train, verbose=0, row_sketch=False)
        p, _ = tabular.predict_raw(X_test[others])
        record("findeep default (other columns, no text)", roc_auc_score(y_test, p), started)
        started = time.perf_counter()
        tfidf = baseline.tfidf_model("purpose_text", ["income", "age"], ["home"], "binary")
        tfidf.fit(X_train, y_train)
        record("tfidf-lr (text + other columns)",
               roc_auc_score(y_test, tfidf.predict_proba(X_test)[:, 1]), started)
        started = time.perf_counter()
        plain = make_pipeline(ColumnTransformer([
            ("n", StandardScaler(), ["income", "age"]),
            ("c", OneHotEncoder(handle_unknown="ignore"), ["home"])]),
            LogisticRegression(max_iter=1000))
        plain.fit(X_train, y_train)
        record("logistic regression (other columns, no text)",
               roc_auc_score(y_test, plain.predict_proba(X_test)[:, 1]), started)
        if k == 0:
            risky = X_test[X_test["purpose_text"].str.contains("|".join(PLANTED))].head(100)
            found = explain_text(text_model, risky, top=3)
            top_words = [next((w["word"] for w in e.words if w["attribution"] > 0), "")
                         for e in found]
            explained = {
                "risky_rows_explained": len(found),
                "top_positive_word_is_planted": float(np.mean([w in PLANTED
                                                               for w in top_words])),
                "max_completeness_delta": float(max(e.delta for e in found)),
                "example": {"text": risky["purpose_text"].iloc[0],
                            "reasons": found[0].reasons("purpose_text")}}
            print(json.dumps(explained), flush=True)
    summary = {name: {"roc_auc_mean": float(np.mean(v)), "roc_auc_std": float(np.std(v, ddof=1)),
                      "fit_seconds_mean": float(np.mean(seconds[name])), "folds": v}
               for name, v in scores.items()}
    OUT.write_text(json.dumps({"rows": args.rows, "n_folds": args.folds,
                               "folds_run": len(folds), "seed": 0, "models": summary,
                               "explanations": explained}, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
