"""The baseline a practitioner runs first: TF-IDF (word 1-2-grams + character 2-5-grams)
and logistic regression (ridge for regression), scikit-learn defaults otherwise.

Other columns of a mixed table join as scaled numbers (a date as the four numbers the
networks read it as) and one-hot categories, so the baseline sees what the networks see.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from findeep.data.schema import parse_datetimes
from findeep.features.tabular import date_parts


def tfidf_model(text_column: str, numeric: list[str], categorical: list[str], task: str,
                seed: int = 0) -> Pipeline:
    parts: list[tuple[str, Any, Any]] = [
        ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1),
         text_column),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                  min_df=2), text_column)]
    if numeric:
        parts.append(("numeric", make_pipeline(SimpleImputer(strategy="median"),
                                               StandardScaler()), numeric))
    if categorical:
        parts.append(("categorical", make_pipeline(
            SimpleImputer(strategy="constant", fill_value="(missing)"),
            OneHotEncoder(handle_unknown="ignore")), categorical))
    estimator = Ridge() if task == "regression" else LogisticRegression(
        C=10.0, max_iter=3000, random_state=seed)
    return Pipeline([("features", ColumnTransformer(parts)), ("model", estimator)])


def prepare(frame: pd.DataFrame, text_column: str, categorical: list[str],
            dates: list[str] | None = None) -> pd.DataFrame:
    """The baseline's inputs: text filled, categories as text, and each date column as the
    four numbers the networks read it as (days since 1970, year, month, day of week)."""
    out = frame.copy()
    out[text_column] = out[text_column].fillna("").astype(str)
    for name in categorical:
        out[name] = out[name].astype(str).where(out[name].notna(), "(missing)")
    for name in dates or []:
        for part, values in date_parts(name, parse_datetimes(out.pop(name))).items():
            out[part] = values.to_numpy(dtype=float, na_value=np.nan)
    return out


def predict(model: Pipeline, frame: pd.DataFrame, task: str) -> np.ndarray:
    if task == "regression":
        return model.predict(frame)
    proba = model.predict_proba(frame)
    return proba[:, 1] if task == "binary" else proba
