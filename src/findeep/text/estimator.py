"""``TextClassifier`` and ``TextRegressor``: scikit-learn estimators over ``fit_text``.

``X`` is a DataFrame with a text column (inferred or ``text_column``) and maybe other
columns, or a plain list/Series of strings. ``__init__`` only stores arguments; ``fit``
validates them, so ``clone``, ``cross_val_score`` and ``GridSearchCV`` work.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

from findeep.errors import NotFittedError
from findeep.estimator_input import (
    LABEL_KINDS,
    has_feature_names,
    label_dtype,
    plain_parameter,
    saved_label_dtype,
    target_series,
)
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
        """Fit on texts ``X`` (a DataFrame, or a list/Series of strings) and labels ``y``
        (one per row; a column vector is flattened, anything wider is a ``DataError``)."""
        frame = _as_frame(X, self.text_column)
        column = self.text_column or (TEXT if not isinstance(X, pd.DataFrame) else None)
        labels = target_series(y, len(frame))  # named as y is, so errors name it
        self.pipeline_ = fit_text(
            frame, labels, model=self.model, text_column=column, task=self._task,
            seed=self.random_state, verbose=self.verbose,
            validation_fraction=self.validation_fraction, class_weight=self.class_weight,
            model_options=self.model_options, max_epochs=self.max_epochs,
            batch_size=self.batch_size, learning_rate=self.learning_rate)
        if has_feature_names(X):
            self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        elif hasattr(self, "feature_names_in_"):  # a refit on a list forgets the old names
            del self.feature_names_in_
        self.n_features_in_ = frame.shape[1]
        if self._task != "regression":
            values = labels.dropna()
            self.classes_ = classes_like(self.pipeline_.target.classes, label_dtype(y, values))
        return self

    def _pipeline(self) -> TextPipeline:
        if not hasattr(self, "pipeline_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit first.")
        return self.pipeline_

    def _raw(self, X: Any) -> np.ndarray:
        """The pipeline's prediction in float64, as scikit-learn's estimators (and the
        tabular ones) return it; the network computes in float32."""
        pipeline = self._pipeline()
        raw, _ = pipeline.predict_raw(_as_frame(X, pipeline.text_column))
        return raw.astype(np.float64)

    def save(self, path: str | os.PathLike[str], *, force: bool = False) -> Path:
        """Write a bundle (safetensors + JSON) that ``findeep.load`` reads back; returns
        its path. Refuses to overwrite unless ``force``."""
        from findeep.text.bundle import save_text_model

        self._pipeline()  # NotFittedError before anything else
        estimator: dict[str, Any] = {
            "estimator": type(self).__name__, "params": self.get_params(),
            "feature_names_in": (self.feature_names_in_.tolist()
                                 if hasattr(self, "feature_names_in_") else None),
            "n_features_in": self.n_features_in_}
        classes = getattr(self, "classes_", None)
        if classes is not None and classes.dtype.kind in LABEL_KINDS:
            estimator["label_dtype"] = classes.dtype.str  # 0/1 labels come back as integers
        return save_text_model(self._pipeline(), path, force=force, estimator=estimator)


class TextClassifier(ClassifierMixin, _TextEstimator):
    """Binary or multiclass classification of texts (and the table's other columns)."""

    def predict_proba(self, X: Any) -> np.ndarray:
        """Calibrated probabilities (float64), one column per entry of ``classes_``."""
        raw = self._raw(X)
        return np.column_stack([1.0 - raw, raw]) if raw.ndim == 1 else raw

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class per row, in the labels' own dtype (``classes_``)."""
        proba = self.predict_proba(X)  # first: an unfitted model says so, not AttributeError
        return self.classes_[proba.argmax(axis=1)]


class TextRegressor(RegressorMixin, _TextEstimator):
    """Regression on texts, e.g. a return after an announcement."""

    _task = "regression"

    def predict(self, X: Any) -> np.ndarray:
        """Predicted values (float64)."""
        return self._raw(X)


def classes_like(classes: list[Any], dtype: str | None) -> np.ndarray:
    """``classes_`` in the labels' own numeric dtype (``dtype``), as scikit-learn keeps it,
    else as objects (text labels): the bundle stores 0.0/1.0 as the JSON numbers 0 and 1,
    so the dtype is restored here and ``predict`` returns what ``y`` held."""
    if dtype is None:
        return np.asarray(classes, dtype=object)
    return np.asarray(classes).astype(np.dtype(dtype))


def text_estimator_from_bundle(meta: dict[str, Any], tensors: dict[str, Any],
                               path: str | os.PathLike[str]) -> _TextEstimator:
    """A fitted ``TextClassifier`` / ``TextRegressor`` from a verified text bundle.

    A bundle the estimator saved restores its parameters, feature names and label dtype; an
    older one, or one ``findeep text train`` wrote, is read as fitted on a named table."""
    from findeep.text.bundle import text_pipeline_from_bundle

    pipeline = text_pipeline_from_bundle(meta, tensors, path)
    cls = TextRegressor if pipeline.task == "regression" else TextClassifier
    known = cls().get_params()
    params = {k: plain_parameter(v) for k, v in meta.get("params", {}).items()
              if k in known} or {
        "model": pipeline.model_name, "text_column": pipeline.text_column}
    estimator = cls(**params)
    estimator.pipeline_ = pipeline
    if "feature_names_in" in meta:  # saved by the estimator: None when fitted on a list
        names, n_features = meta["feature_names_in"], int(meta["n_features_in"])
    else:
        names = [pipeline.text_column, *(c.name for c in pipeline.schema.columns)]
        n_features = len(names)
    if names is not None:
        estimator.feature_names_in_ = np.asarray(names, dtype=object)
    estimator.n_features_in_ = n_features
    if pipeline.task != "regression":
        estimator.classes_ = classes_like(pipeline.target.classes,
                                          saved_label_dtype(meta.get("label_dtype")))
    return estimator
