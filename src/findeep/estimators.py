"""scikit-learn estimators over findeep's tabular networks.

``__init__`` only stores keyword arguments; ``fit`` validates them, so ``clone``,
``GridSearchCV``, ``cross_val_score`` and ``Pipeline`` work on raw DataFrames with
strings and missing values.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

from findeep.bundle import write_bundle
from findeep.data.number_text import looks_numeric, numbers_of
from findeep.data.schema import FindeepWarning
from findeep.errors import ConfigError, DataError, NotFittedError
from findeep.estimator_input import (
    LABEL_KINDS,
    as_frame,
    has_feature_names,
    label_dtype,
    plain_parameter,
    saved_label_dtype,
    scoring_frame,
    target_series,
)
from findeep.features.tabular import TransformReport
from findeep.pipeline import (
    BUNDLE_KIND,
    TabularPipeline,
    fit_tabular,
    pipeline_files,
    pipeline_from_bundle,
    pipeline_to_bundle,
)


class _TabularEstimator(BaseEstimator):
    _task: str = "auto"

    def __init__(
        self, *, model: str = "default", max_epochs: int | None = None,
        batch_size: int | None = None, learning_rate: float | None = None,
        weight_decay: float | None = None, patience: int | None = None,
        scaling: str | None = None, validation_fraction: float = 0.2,
        class_weight: str | None = None, loss: str | None = None, calibrate: bool = True,
        model_options: dict[str, Any] | None = None, device: str = "auto",
        random_state: int = 0, verbose: int = 0, row_sketch: bool = True,
        special_values: dict[str, list[float]] | str | None = None,
        interval_method: str = "split-conformal", interval: float = 0.9,
        bagging: int | str = "auto", numeric_columns: list[str] | None = None,
        event_class: Any = None,
    ) -> None:
        self.model = model
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.patience = patience
        self.scaling = scaling
        self.validation_fraction = validation_fraction
        self.class_weight = class_weight
        self.loss = loss
        self.calibrate = calibrate
        self.model_options = model_options
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.row_sketch = row_sketch
        self.special_values = special_values
        self.interval_method = interval_method  # regressions: "split-conformal" or "cqr"
        self.interval = interval  # the level CQR's quantile network is trained for
        self.bagging = bagging  # cross-fitted members: "auto" (within a budget), 1 (off), m >= 2
        self.numeric_columns = numeric_columns  # read as numbers, e.g. a count with few values
        self.event_class = event_class  # classifiers: the binary target's event, if not inferred

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # missing values are imputed (with indicators)
        tags.input_tags.string = True  # text columns are categories
        tags.input_tags.categorical = True
        tags.non_deterministic = False
        return tags

    def _fit(self, X: Any, y: Any, task: str, times: Any = None,
             sample_weight: Any = None, groups: Any = None) -> Self:
        frame = as_frame(X)
        target = target_series(y, len(frame))
        _check_times(times, len(frame))
        self.pipeline_ = fit_tabular(
            frame, target, task=task, model=self.model, seed=self.random_state,
            validation_fraction=self.validation_fraction, times=times,
            class_weight=self.class_weight, loss=self.loss, scaling=self.scaling,
            calibrate=self.calibrate, device=self.device, verbose=self.verbose,
            row_sketch=self.row_sketch, special_values=self.special_values,
            interval_method=self.interval_method, interval=self.interval,
            bagging=self.bagging, numeric_columns=self.numeric_columns,
            model_options=self.model_options, max_epochs=self.max_epochs,
            batch_size=self.batch_size, learning_rate=self.learning_rate,
            weight_decay=self.weight_decay, patience=self.patience,
            sample_weight=sample_weight, event_class=self.event_class, groups=groups,
        )
        if has_feature_names(X):
            self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self.n_features_in_ = frame.shape[1]
        return self

    def _scoring_frame(self, X: Any) -> pd.DataFrame:
        self._check_fitted()
        return scoring_frame(X, n_features_in=self.n_features_in_,
                             feature_names_in=getattr(self, "feature_names_in_", None),
                             estimator=type(self).__name__)

    def _check_fitted(self) -> TabularPipeline:
        if not hasattr(self, "pipeline_"):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet; call fit(X, y) first.")
        return self.pipeline_

    def _raw(self, X: Any) -> np.ndarray:
        prediction, report = self._check_fitted().predict_raw(self._scoring_frame(X))
        _warn_categories(report)
        return prediction

    @property
    def training_(self) -> dict[str, Any]:
        """The training record: rows used, epochs, best epoch, timings."""
        return self._check_fitted().training

    def evaluate(self, X: Any, y: Any, *, bands: int = 10, threshold: float = 0.5,
                 ) -> dict[str, Any]:
        """findeep's metrics on labelled rows, as ``findeep evaluate`` reports them.

        Binary: ROC-AUC, PR-AUC, KS, Gini, log-loss, Brier, calibration error and curve, a
        gains table of ``bands`` score bands, and the threshold metrics at ``threshold``;
        multiclass and regression their own. ``training_overlap`` says how many rows match
        a training row, and a ``FindeepWarning`` is raised when they are training rows.
        """
        frame = self._scoring_frame(X)
        labels = np.asarray(y)
        if labels.ndim == 2 and labels.shape[1] == 1:
            labels = labels.ravel()
        if labels.ndim != 1 or len(labels) != len(frame):
            raise DataError(f"X has {len(frame)} rows but y has shape {labels.shape}: give one "
                            "label per row.")
        labels = pd.Series(labels, index=frame.index)
        return self._check_fitted().evaluate(frame, labels, bands=bands, threshold=threshold)

    def explain(self, X: Any, *, top: int = 4, reference: Any = None,
                target_class: Any = None) -> pd.DataFrame:
        """Per row: the score, the ``top`` reasons that raised it, and attributions per column.

        Attributions (Integrated Gradients, in event log-odds or target units) are taken
        against ``reference`` rows, by default the training rows scored as low risk. A
        multiclass model explains ``target_class``, or else each row's predicted class.
        See ``findeep.explain.explain_frame``.
        """
        # imported here: explanations pull in Captum, which plain fit/predict do not need
        from findeep.explain.reasons import explain_frame

        return explain_frame(self._check_fitted(), self._scoring_frame(X), top=top,
                             reference=(None if reference is None
                                        else self._scoring_frame(reference)),
                             target_class=target_class)

    def save(self, path: str | os.PathLike[str], *, force: bool = False,
             metrics: dict[str, Any] | None = None) -> Path:
        """Write a bundle (safetensors + JSON) that ``findeep.load`` reads back."""
        pipeline = self._check_fitted()
        if metrics is not None:
            pipeline.metrics = metrics
        meta, tensors = pipeline_to_bundle(pipeline)
        meta["estimator"] = type(self).__name__
        meta["params"] = {k: v for k, v in self.get_params().items()}
        meta["feature_names_in"] = hasattr(self, "feature_names_in_")  # read by name or not
        classes = getattr(self, "classes_", None)
        if classes is not None and classes.dtype.kind in LABEL_KINDS:
            meta["label_dtype"] = classes.dtype.str  # 0.0/1.0 labels come back as floats
        return write_bundle(path, kind=BUNDLE_KIND, meta=meta, tensors=tensors,
                            metrics=metrics, force=force, files=pipeline_files(pipeline))


class TabularClassifier(ClassifierMixin, _TabularEstimator):
    """A deep tabular classifier (binary or multiclass) with a scikit-learn interface.

    With ``bagging="auto"`` (the default) the ``default`` model cross-fits up to 5 members
    while the projected fit time stays within CatBoost's, and trains one network where that
    does not apply (see ``fit_tabular``); ``bagging=1`` always trains one network.
    ``event_class`` names a binary target's event (the class ``event_probability`` is for)
    where the labels would choose the other; ``classes_`` and ``predict_proba`` do not move.

    >>> from findeep.testing import make_credit_frame
    >>> frame = make_credit_frame(600, seed=0)
    >>> y = frame.pop("default")
    >>> clf = TabularClassifier(max_epochs=3).fit(frame, y)
    >>> clf.predict_proba(frame).shape
    (600, 2)
    """

    def fit(self, X: Any, y: Any, *, times: Any = None, sample_weight: Any = None,
            groups: Any = None) -> Self:
        """Fit on features ``X`` and labels ``y``; ``times`` makes early stopping out-of-time;
        ``groups`` (one value per row: the customer it belongs to) keeps each customer's rows
        on one side of the early-stopping split and in one bagging fold.

        Every distinct label is a class, whatever its type: an integer target with 15
        levels is a 15-class problem; a float target with fractional values is refused
        (use ``TabularRegressor``). ``sample_weight`` (one number >= 0 per row: an exposure,
        a reject-inference weight) weighs each row's training loss, times its class's
        ``class_weight``; early stopping, calibration and the additive path's share read
        their rows unweighted. Weights all equal fit exactly as none.
        """
        labels = target_series(y, 0 if y is None else len(np.asarray(y)))
        values = labels.dropna()
        if values.dtype.kind == "f" and not np.all(np.mod(values.to_numpy(), 1) == 0):
            raise DataError("the target is continuous (it has fractional values), so it cannot "
                            "be a class label; use TabularRegressor for regression.")
        self._fit(X, y, "binary" if values.nunique() == 2 else "multiclass", times,
                  sample_weight, groups)
        self.classes_ = _classes_like(self.pipeline_.target.classes, label_dtype(y, values))
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Calibrated probabilities, one column per entry of ``classes_`` (float64, as
        scikit-learn's classifiers return them; the network computes in float32)."""
        raw = self._raw(X).astype(np.float64)
        if self.pipeline_.task == "binary":
            return np.column_stack([1.0 - raw, raw])
        return raw

    def predict(self, X: Any) -> np.ndarray:
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]

    def event_probability(self, X: Any) -> np.ndarray:
        """Binary only: probability of the event class (e.g. 'bad', 'default')."""
        pipeline = self._check_fitted()
        if pipeline.task != "binary":
            raise ConfigError(
                f"event_probability is for binary models; this one has {len(self.classes_)} "
                "classes: use predict_proba, one column per entry of classes_.")
        return pipeline.event_probability(self._raw(X)).astype(np.float64)


class TabularRegressor(RegressorMixin, _TabularEstimator):
    """A deep tabular regressor (prices, rates, amounts) with a scikit-learn interface."""

    def fit(self, X: Any, y: Any, *, times: Any = None, sample_weight: Any = None,
            groups: Any = None) -> Self:
        """Fit on features ``X`` and a numeric target ``y``; ``times``, ``sample_weight`` and
        ``groups`` as for the classifier (split-conformal intervals read the validation rows
        unweighted)."""
        values = target_series(y, 0 if y is None else len(np.asarray(y)))
        if not pd.api.types.is_numeric_dtype(values) and looks_numeric(values):
            # a regressor asked for: amounts written as text ("€52,201.43") are numbers
            y = values = pd.Series(numbers_of(values), name=values.name)
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            raise DataError("Unknown label type for a regressor: the target must be numeric, "
                            f"however it holds {values.dtype} values such as "
                            f"{values.iloc[0]!r}; use TabularClassifier for labels.")
        return self._fit(X, y, "regression", times, sample_weight, groups)

    def predict(self, X: Any) -> np.ndarray:
        return self._raw(X).astype(float)

    def predict_interval(self, X: Any, level: float = 0.9) -> np.ndarray:
        """``(n, 2)`` lower and upper ends of prediction intervals that cover a new row's
        value with probability ``level``: split-conformal, or conformalised quantile
        regression with ``interval_method="cqr"`` (calibrated on the validation rows; see
        ``findeep.evaluate.intervals``)."""
        pipeline = self._check_fitted()
        _, lower, upper, report = pipeline.predict_interval_report(self._scoring_frame(X), level)
        _warn_categories(report)
        if message := pipeline.negative_lower_message(lower):
            warnings.warn(message, FindeepWarning, stacklevel=2)
        return np.column_stack([lower, upper])


def _classes_like(classes: list[Any], dtype: str | None) -> np.ndarray:
    """``classes_`` in the labels' own numeric dtype, as scikit-learn keeps it: the bundle
    stores 0.0/1.0 as the JSON numbers 0 and 1, so float labels are restored here (``predict``
    then returns what ``y`` held)."""
    values = np.asarray(classes)
    return values if dtype is None else values.astype(np.dtype(dtype))


def _warn_categories(report: TransformReport) -> None:
    """One ``FindeepWarning`` per scoring call counting the category values scored as the
    shared unknown level (the command line prints the same counts, the server returns them
    as ``unseen_categories``)."""
    report.warn_categories(stacklevel=4)  # the caller of predict_proba / predict_interval

def _check_times(times: Any, n_rows: int) -> None:
    """``times``: one date per row of ``X``, or one sentence saying what is wrong."""
    if times is None:
        return
    if isinstance(times, str):
        raise DataError(f"times takes one date per row of X, not a column name: pass "
                        f"times=X.pop({times!r}) (the clock of the split is not a feature, as "
                        "with --time-column).")
    n_times = len(times) if hasattr(times, "__len__") else -1
    if n_times != n_rows:
        shown = f"{n_times} value(s)" if n_times >= 0 else f"a {type(times).__name__}"
        raise DataError(f"times has {shown} but X has {n_rows} rows: give one date per row.")


def estimator_from_bundle(meta: dict[str, Any], tensors: dict[str, torch.Tensor],
                          path: str | os.PathLike[str] | None = None
                          ) -> TabularClassifier | TabularRegressor:
    """The fitted estimator a verified tabular bundle holds (``findeep.load`` calls it)."""
    pipeline = pipeline_from_bundle(meta, tensors, path)
    cls = TabularRegressor if pipeline.task == "regression" else TabularClassifier
    params = {k: plain_parameter(v) for k, v in meta.get("params", {}).items()
              if k in cls().get_params()}
    if isinstance(params.get("class_weight"), dict):  # JSON keys are text: '0' was 0
        by_text = {str(c): c for c in pipeline.target.classes or []}
        params["class_weight"] = {by_text.get(k, k): w
                                  for k, w in params["class_weight"].items()}
    estimator = cls(**params)
    estimator.pipeline_ = pipeline
    if isinstance(estimator, TabularClassifier):
        estimator.classes_ = _classes_like(pipeline.target.classes,
                                           saved_label_dtype(meta.get("label_dtype")))
    names = [c.name for c in pipeline.schema.columns]
    named = meta.get("feature_names_in")  # saved by the estimator; a CLI bundle has names,
    if named is None:  # unless they are x0, x1, …: an older estimator's, fitted on an array
        named = names != [f"x{i}" for i in range(len(names))]
    if named:
        estimator.feature_names_in_ = np.asarray(names, dtype=object)
    estimator.n_features_in_ = len(names)
    return estimator
