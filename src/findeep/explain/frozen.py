"""A trained pipeline seen by scikit-learn's inspection tools as a fitted estimator.

``permutation_importance`` and ``partial_dependence`` want an object with ``fit`` and
``predict``/``predict_proba``; this wrapper is already trained, so ``fit`` leaves it
as it is (scikit-learn's ``FrozenEstimator`` pattern). findeep's own permutation importance
(``explain.importance``) reads the same outputs, for shuffled copies stacked into one call.
For a binary model class 1 is always the event, whichever label the event has; a multiclass
model's classes are the indices of its labels.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

from findeep.data.profile import DECISION_THRESHOLD
from findeep.pipeline import TabularPipeline


class _FrozenPipeline(BaseEstimator):
    """A trained pipeline that scikit-learn may "fit" without changing it."""

    def __init__(self, pipeline: TabularPipeline | None = None) -> None:
        self.pipeline = pipeline

    def __sklearn_is_fitted__(self) -> bool:
        return True

    def fit(self, X: Any, y: Any = None) -> Self:
        """Already trained: leaves the model unchanged."""
        return self


class FrozenEventClassifier(ClassifierMixin, _FrozenPipeline):
    """Binary pipeline as a classifier whose ``predict_proba[:, 1]`` is P(event)."""

    @property
    def classes_(self) -> np.ndarray:
        return np.array([0, 1])

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        prediction, _ = self.pipeline.predict_raw(X)
        event = self.pipeline.event_probability(prediction)
        return np.column_stack([1.0 - event, event])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= DECISION_THRESHOLD).astype(int)


class FrozenMulticlassClassifier(ClassifierMixin, _FrozenPipeline):
    """Multiclass pipeline as a classifier over class indices ``0 .. C-1``."""

    @property
    def classes_(self) -> np.ndarray:
        return np.arange(len(self.pipeline.target.classes))

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        prediction, _ = self.pipeline.predict_raw(X)
        return np.asarray(prediction, dtype=float)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.predict_proba(X).argmax(axis=1)


class FrozenRegressor(RegressorMixin, _FrozenPipeline):
    """Regression pipeline as a fitted scikit-learn regressor."""

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        prediction, _ = self.pipeline.predict_raw(X)
        return np.asarray(prediction, dtype=float)


Frozen = FrozenEventClassifier | FrozenMulticlassClassifier | FrozenRegressor


def frozen(pipeline: TabularPipeline) -> Frozen:
    """The wrapper matching the pipeline's task."""
    if pipeline.task == "regression":
        return FrozenRegressor(pipeline)
    if pipeline.task == "multiclass":
        return FrozenMulticlassClassifier(pipeline)
    return FrozenEventClassifier(pipeline)
