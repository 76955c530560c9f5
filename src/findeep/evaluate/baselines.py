"""The models a practitioner runs first, behind one small interface.

Logistic / ridge regression (scikit-learn), LightGBM, XGBoost and CatBoost with their
default settings, each fed the same columns findeep uses. Tree libraries come from the
optional ``findeep[baselines]`` extra; a missing one is reported, never a crash.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from findeep.data.number_text import numbers_of
from findeep.data.schema import Schema, parse_datetimes
from findeep.evaluate.peers import PEER_PACKAGES, make_peer
from findeep.features.tabular import (
    DATE_PARTS,
    MISSING_LEVEL,
    SPECIAL_MARK,
    date_parts,
    refuse_date_part_names,
    special_input_name,
)

BASELINE_PACKAGES = {"logreg": "sklearn", "lightgbm": "lightgbm", "xgboost": "xgboost",
                     "catboost": "catboost"}


@dataclass
class BaselineInputs:
    """Columns prepared once per table: categoricals as pandas categories, each date as the
    four numbers findeep's networks get from it (days since 1970, year, month, day of
    week), so every model sees the same columns."""

    frame: pd.DataFrame
    categorical: list[str]
    numeric: list[str]


def prepare_baseline_inputs(frame: pd.DataFrame, schema: Schema) -> BaselineInputs:
    # a column named as a date's part would be replaced by it, as for the networks
    refuse_date_part_names(frame.columns, schema.names_of("datetime"))
    parts: dict[str, pd.Series] = {}
    for name in schema.names_of("numeric"):
        parts[name] = pd.Series(numbers_of(frame[name]), index=frame.index)
    for name in schema.names_of("datetime"):
        parts |= date_parts(name, parse_datetimes(frame[name]))
    categorical = schema.names_of("categorical")
    for name in categorical:
        text = frame[name].astype("object").where(frame[name].notna(), MISSING_LEVEL).astype(str)
        parts[name] = text.astype("category")
    numeric = [n for n in parts if n not in categorical]
    return BaselineInputs(pd.DataFrame(parts, index=frame.index), categorical, numeric)


def available(name: str) -> bool:
    return importlib.util.find_spec(BASELINE_PACKAGES[name]) is not None


def monotone_vector(inputs: BaselineInputs, monotone: dict[str, int] | None) -> list[int]:
    """Per input column: +1 / -1 where constrained, 0 elsewhere (the tree libraries' form)."""
    monotone = monotone or {}
    return [int(monotone.get(c, 0)) for c in inputs.frame.columns]


def make_baseline(name: str, task: str, inputs: BaselineInputs, seed: int,
                  monotone: dict[str, int] | None = None) -> Any:
    """An unfitted model with ``fit(X, y)`` and ``predict_proba``/``predict``.

    ``monotone`` (column -> +1/-1) constrains the gradient-boosting libraries with their own
    option; logistic/ridge regression is left as it is (linear: it has one sign per column
    anyway, but not a chosen one)."""
    classification = task != "regression"
    constraints = monotone_vector(inputs, monotone) if monotone else None
    if name == "logreg":
        from sklearn.compose import ColumnTransformer
        from sklearn.impute import SimpleImputer
        from sklearn.linear_model import LogisticRegression, RidgeCV
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import OneHotEncoder, StandardScaler

        columns = ColumnTransformer([
            ("num", make_pipeline(SimpleImputer(strategy="median", add_indicator=True),
                                  StandardScaler()), inputs.numeric),
            ("cat", OneHotEncoder(handle_unknown="ignore", min_frequency=5), inputs.categorical),
        ])
        head = LogisticRegression(max_iter=2000) if classification else RidgeCV()
        return make_pipeline(columns, head)
    if name == "lightgbm":
        import lightgbm

        cls = lightgbm.LGBMClassifier if classification else lightgbm.LGBMRegressor
        extra = {"monotone_constraints": constraints} if constraints else {}
        return cls(random_state=seed, verbose=-1, **extra)
    if name == "xgboost":
        import xgboost

        cls = xgboost.XGBClassifier if classification else xgboost.XGBRegressor
        extra = {"monotone_constraints": tuple(constraints)} if constraints else {}
        return cls(random_state=seed, enable_categorical=True, tree_method="hist", **extra)
    if name == "catboost":
        import catboost

        cls = catboost.CatBoostClassifier if classification else catboost.CatBoostRegressor
        extra = {"monotone_constraints": constraints} if constraints else {}
        if constraints and inputs.categorical:
            # CatBoost's category statistics over combinations of columns take in splits of
            # numeric columns too, which breaks its constraints (make_credit_frame: 108
            # wrong-way moves, up to 1.1e-3 in probability, over 2,000 swept rows);
            # statistics of one column at a time keep them (0; docs/decisions.md).
            extra["max_ctr_complexity"] = 1
        return CatBoostAdapter(cls(random_seed=seed, verbose=False, allow_writing_files=False,
                                    **extra), inputs.categorical)
    if name in PEER_PACKAGES:  # published deep-learning defaults (findeep[peers])
        return make_peer(name, task, inputs.categorical, seed)
    raise ValueError(f"unknown baseline {name!r}")


class CatBoostAdapter:
    """CatBoost wants category columns as strings and named up front."""

    def __init__(self, model: Any, categorical: list[str]) -> None:
        self.model = model
        self.categorical = categorical

    def features(self, X: pd.DataFrame) -> pd.DataFrame:
        """``X`` with its category columns as strings, as CatBoost reads them."""
        X = X.copy()
        for name in self.categorical:
            X[name] = X[name].astype(str)
        return X

    def fit(self, X: pd.DataFrame, y: np.ndarray, sample_weight: np.ndarray | None = None,
            on_tree: Callable[[int], None] | None = None) -> CatBoostAdapter:
        """``on_tree(done)``: called as each tree is added (a progress bar); the model is
        the same with or without it."""
        callbacks = None if on_tree is None else [_TreeCallback(on_tree)]
        self.model.fit(self.features(X), y, cat_features=self.categorical,
                       sample_weight=sample_weight, callbacks=callbacks)
        return self

    @property
    def planned_trees(self) -> int:
        """The trees a fit adds: the ``iterations`` set, or CatBoost's default 1,000."""
        return int(self.model.get_params().get("iterations") or 1000)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self.model.predict_proba(self.features(X))

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.model.predict(self.features(X))


class _TreeCallback:
    """CatBoost's ``after_iteration`` protocol around ``on_tree(done)``."""

    def __init__(self, on_tree: Callable[[int], None]) -> None:
        self.on_tree = on_tree

    def after_iteration(self, info: Any) -> bool:
        self.on_tree(int(info.iteration))
        return True  # go on


def with_special_values(inputs: BaselineInputs,
                        special_values: dict[str, list[float]]) -> BaselineInputs:
    """The baselines' side of ``--special-values``: what findeep's networks are told.

    Each named code of a numeric column is set to missing and gets a 0/1 column of its own,
    named as the network's indicator input (``late_payments__special=98``), so every model
    knows the code is not an amount; a monotone constraint then holds over the values, not
    the codes, for trees as for networks. Each new cell depends on its own row only, so
    nothing is learned from test rows (imputation is fitted inside each baseline, on the
    training fold). Only called when special values are given: other tables are untouched.
    """
    frame = inputs.frame.copy()
    added: list[str] = []
    for column, codes in special_values.items():
        values = frame[column].to_numpy(dtype=float)
        for code in codes:
            name = special_input_name(column, code)
            frame[name] = (values == code).astype(float)
            added.append(name)
        frame[column] = np.where(np.isin(values, codes), np.nan, values)
    return BaselineInputs(frame, inputs.categorical, [*inputs.numeric, *added])


def without_columns(inputs: BaselineInputs, columns: list[str] | tuple[str, ...]
                    ) -> BaselineInputs:
    """``inputs`` less ``columns``, their special-value columns and a date's parts (a fold
    left them out)."""
    def dropped(name: str) -> bool:
        base, _, part = name.rpartition("__")
        return (name in columns or (part in DATE_PARTS and base in columns)
                or (SPECIAL_MARK in name and name.split(SPECIAL_MARK)[0] in columns))

    keep = [c for c in inputs.frame.columns if not dropped(c)]
    return BaselineInputs(inputs.frame[keep], [c for c in inputs.categorical if c in keep],
                          [c for c in inputs.numeric if c in keep])
