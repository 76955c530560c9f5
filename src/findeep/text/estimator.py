"""``TextClassifier`` and ``TextRegressor``: scikit-learn estimators over ``fit_text``.

``X`` is a DataFrame with a text column (inferred or ``text_column``) and maybe other
columns, or a plain list/Series of strings. ``__init__`` only stores arguments; ``fit``
validates them, so ``clone``, ``cross_val_score`` and ``GridSearchCV`` work.
"""

from __future__ import annotations

import os
from typing import Any, Self

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

from findeep.errors import NotFittedError
from findeep.text.pipeline import TextPipeline, fit_text

TEXT = "text"


def _as_frame(X: Any, text_column: str | None) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X
    return pd.DataFrame({text_column or TEXT: pd.Series(list(X), dtype=object)})


class _TextEstimator(BaseEstimator):
    _task = "auto"

    def __init__(self, *, model: str = "text-cnn", text_column: str | None = None,
                 max_epochs: int | None = None, batch_size: int | None = None,
                 learning_rate: float | None = None, validation_fraction: float = 0.1,
                 class_weight: str | None = None, model_options: dict[str, Any] | None = None,
                 random_state: int = 0, verbose: int = 0) -> None:
        self.model = model
        self.text_column = text_column
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_fraction = validation_fraction
        self.class_weight = class_weight
        self.model_options = model_options
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X: Any, y: Any) -> Self:
        frame = _as_frame(X, self.text_column)
        column = self.text_column or (TEXT if not isinstance(X, pd.DataFrame) else None)
        labels = pd.Series(np.asarray(y), name=getattr(y, "name", None))  # errors name y
        self.pipeline_ = fit_text(
            frame, labels, model=self.model, text_column=column, task=self._task,
            seed=self.random_state, verbose=self.verbose,
            validation_fraction=self.validation_fraction, class_weight=self.class_weight,
            model_options=self.model_options, max_epochs=self.max_epochs,
            batch_size=self.batch_size, learning_rate=self.learning_rate)
        self.n_features_in_ = frame.shape[1]
        if self._task != "regression":
            self.classes_ = np.asarray(self.pipeline_.target.classes, dtype=object)
        return self

    def _pipeline(self) -> TextPipeline:
        if not hasattr(self, "pipeline_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit first.")
        return self.pipeline_

    def _raw(self, X: Any) -> np.ndarray:
        pipeline = self._pipeline()
        raw, _ = pipeline.predict_raw(_as_frame(X, pipeline.text_column))
        return raw

    def save(self, path: str | os.PathLike[str], *, force: bool = False) -> None:
        from findeep.text.bundle import save_text_model

        save_text_model(self._pipeline(), path, force=force)


class TextClassifier(ClassifierMixin, _TextEstimator):
    """Binary or multiclass classification of texts (and the table's other columns)."""

    def predict_proba(self, X: Any) -> np.ndarray:
        raw = self._raw(X)
        return np.column_stack([1.0 - raw, raw]) if raw.ndim == 1 else raw

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


class TextRegressor(RegressorMixin, _TextEstimator):
    """Regression on texts, e.g. a return after an announcement."""

    _task = "regression"

    def predict(self, X: Any) -> np.ndarray:
        return self._raw(X)


def text_estimator_from_bundle(meta: dict[str, Any], tensors: dict[str, Any],
                               path: str | os.PathLike[str]) -> _TextEstimator:
    """A fitted ``TextClassifier`` / ``TextRegressor`` from a verified text bundle."""
    from findeep.text.bundle import text_pipeline_from_bundle

    pipeline = text_pipeline_from_bundle(meta, tensors, path)
    cls = TextRegressor if pipeline.task == "regression" else TextClassifier
    estimator = cls(model=pipeline.model_name, text_column=pipeline.text_column)
    estimator.pipeline_ = pipeline
    estimator.n_features_in_ = 1 + len(pipeline.other_columns)
    if pipeline.task != "regression":
        estimator.classes_ = np.asarray(pipeline.target.classes, dtype=object)
    return estimator
