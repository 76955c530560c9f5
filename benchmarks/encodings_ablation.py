"""Column additions tried by the development ablations, each fitted on training rows only.

Used by ``ablations.py --panel development``: a transform is fitted on a fold's training
rows and applied to its training and test rows, so no test label or test value leaks in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from findeep.data.schema import infer_schema

MAX_INTEGER_LEVELS = 16
SMOOTHING = 10.0  # prior weight of the target statistics, in rows


def categorical_columns(X: pd.DataFrame) -> list[str]:
    return infer_schema(X, warn=False).names_of("categorical")


def integers_as_categoricals(train: pd.DataFrame, test: pd.DataFrame,
                             y: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Numeric columns holding whole numbers with 3..16 distinct training values get a text
    copy as well (counts, codes, day of month): the network sees both."""
    numeric = infer_schema(train, warn=False).names_of("numeric")
    chosen = []
    for name in numeric:
        values = pd.to_numeric(train[name], errors="coerce").dropna()
        if (values % 1 == 0).all() and 3 <= values.nunique() <= MAX_INTEGER_LEVELS:
            chosen.append(name)

    def add(frame: pd.DataFrame) -> pd.DataFrame:
        extra = {f"{n}__code": frame[n].astype("Int64").astype(str) for n in chosen}
        return frame.assign(**extra)
    return add(train), add(test)


def frequency_encoding(train: pd.DataFrame, test: pd.DataFrame,
                       y: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each categorical also as the share of training rows holding its level (unseen: 0)."""
    columns = categorical_columns(train)
    shares = {n: train[n].astype(str).value_counts(normalize=True) for n in columns}

    def add(frame: pd.DataFrame) -> pd.DataFrame:
        extra = {f"{n}__freq": frame[n].astype(str).map(shares[n]).fillna(0.0).astype(float)
                 for n in columns}
        return frame.assign(**extra)
    return add(train), add(test)


def target_statistics(train: pd.DataFrame, test: pd.DataFrame,
                      y: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each categorical also as a smoothed event rate of its level. Training rows get it
    out of fold (5 inner folds: a row's own label never enters its value, as CatBoost's
    ordered statistics intend); test rows get the rate over all training rows."""
    columns = categorical_columns(train)
    y = np.asarray(y, dtype=float)
    prior = float(y.mean())

    def rates(text: pd.Series, labels: np.ndarray) -> pd.Series:
        grouped = pd.DataFrame({"level": text.to_numpy(), "y": labels}).groupby("level")["y"]
        return (grouped.sum() + SMOOTHING * prior) / (grouped.count() + SMOOTHING)

    train_extra = {f"{n}__rate": np.full(len(train), prior) for n in columns}
    inner = StratifiedKFold(5, shuffle=True, random_state=0).split(train, y)
    for fit_rows, out_rows in inner:
        for n in columns:
            text = train[n].astype(str)
            table = rates(text.iloc[fit_rows], y[fit_rows])
            train_extra[f"{n}__rate"][out_rows] = (
                text.iloc[out_rows].map(table).fillna(prior).to_numpy(dtype=float))
    test_extra = {}
    for n in columns:
        table = rates(train[n].astype(str), y)
        test_extra[f"{n}__rate"] = test[n].astype(str).map(table).fillna(prior).astype(float)
    return (train.assign(**{k: v for k, v in train_extra.items()}),
            test.assign(**test_extra))


TRANSFORMS = {"ints": integers_as_categoricals, "freq": frequency_encoding,
              "rates": target_statistics}
