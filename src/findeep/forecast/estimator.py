"""``SequenceForecaster``: a scikit-learn style forecaster over long price tables.

``fit(X)`` takes the whole training period as one table (date, optional asset, values);
everything it learns — the feature scaler, the target's scale, the weights — comes from
that table alone, so evaluating honestly is a matter of what table you pass
(see ``walkforward.py``). ``predict(X)`` returns one forecast per input row, NaN where
the row has less than a full window of history.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator

from findeep.bundle import read_bundle, write_bundle
from findeep.data.io import TableLike
from findeep.errors import BundleError, ConfigError, DataError, NotFittedError, did_you_mean
from findeep.forecast.baselines import BASELINE_CLASSES, BASELINES
from findeep.forecast.evaluation import (
    ForecastEvaluation,
    evaluation_from_bundle,
    evaluation_to_bundle,
)
from findeep.forecast.features import (
    DERIVED_TARGETS,
    Columns,
    FeatureScaler,
    Targets,
    build_targets,
    check_features,
    default_features,
    feature_matrix,
    make_windows,
    next_period_returns,
    resolve_columns,
    window_ready,
)
from findeep.forecast.models import NETWORKS, build_network
from findeep.forecast.series import Series, read_series

BUNDLE_KIND = "forecast"
TRAIN_OPTIONS = ("max_epochs", "batch_size", "learning_rate", "weight_decay", "patience")


def model_names() -> list[str]:
    """Every model ``SequenceForecaster(model=...)`` accepts: networks, then baselines."""
    return [*NETWORKS, *BASELINES]


@dataclass
class _Design:
    """A table turned into what models consume: raw features, targets, complete windows."""

    series: Series
    columns: Columns
    matrix: np.ndarray
    feature_columns: list[str]
    targets: Targets
    ready: np.ndarray


class SequenceForecaster(BaseEstimator):
    """Forecast ``target`` ``horizon`` steps ahead from a window of the last ``window`` steps.

    ``target`` is ``'return'`` (log return over the next ``horizon`` steps),
    ``'direction'`` (1 when that return is positive; predictions are probabilities),
    ``'volatility'`` (realised: root of the summed squared log returns) or a column name
    (its value at t+h). ``features`` are built-ins (return, volatility, volume, range,
    calendar) or column names; by default the built-ins the table supports.

    >>> from findeep.testing import make_price_panel
    >>> panel = make_price_panel(n_assets=4, n_days=300, seed=0)
    >>> model = SequenceForecaster(asset_column="asset", model="linear", window=5).fit(panel)
    >>> model.predict(panel).shape
    (1200,)
    """

    def __init__(
        self, *, date_column: str = "date", asset_column: str | None = None,
        target: str = "return", price_column: str | None = None,
        features: list[str] | str | None = None, horizon: int = 1, window: int = 20,
        model: str = "lstm", max_epochs: int | None = None, batch_size: int | None = None,
        learning_rate: float | None = None, weight_decay: float | None = None,
        patience: int | None = None, validation_fraction: float = 0.2,
        model_options: dict[str, Any] | None = None, device: str = "auto",
        random_state: int = 0, verbose: int = 0,
    ) -> None:
        self.date_column = date_column
        self.asset_column = asset_column
        self.target = target
        self.price_column = price_column
        self.features = features
        self.horizon = horizon
        self.window = window
        self.model = model
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.model_options = model_options
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # ---- checks ----------------------------------------------------------------------------
    def _check_params(self) -> None:
        problems = []
        for name in ("horizon", "window"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                problems.append(f"{name} must be a positive integer, however: {name}={value!r}")
        if self.model not in model_names():
            problems.append(f"unknown model {self.model!r}; choose from "
                            f"{', '.join(model_names())}."
                            + did_you_mean(self.model, model_names()))
        if not 0.0 < self.validation_fraction < 1.0:
            problems.append("validation_fraction must be between 0 and 1, however: "
                            f"validation_fraction={self.validation_fraction!r}")
        if problems:
            message = "; ".join(p.rstrip(".") if p.endswith(".") else p for p in problems)
            raise ConfigError(message if message.endswith("?") else message + ".")

    def _feature_list(self, columns: Columns, available: list[str]) -> list[str]:
        if self.features is None:
            chosen = default_features(columns)
        elif isinstance(self.features, str):
            chosen = [f.strip() for f in self.features.split(",") if f.strip()]
        else:
            chosen = list(self.features)
        check_features(chosen, available)
        return chosen

    def _check_target(self, series: Series) -> None:
        if self.target in DERIVED_TARGETS:
            return
        values = [str(c) for c in series.frame.columns if c not in ("date", "asset")]
        if self.target not in values:
            raise ConfigError(
                f"target {self.target!r} is neither {', '.join(DERIVED_TARGETS)} nor a column "
                "of the data." + did_you_mean(self.target, [*DERIVED_TARGETS, *values]))

    def _design(self, data: TableLike, columns: Columns | None = None,
                features: list[str] | None = None) -> tuple[_Design, list[str]]:
        series = read_series(data, date_column=self.date_column, asset_column=self.asset_column)
        self._check_target(series)
        columns = columns or resolve_columns(series, self.price_column)
        available = [str(c) for c in series.frame.columns if c not in ("date", "asset")]
        features = features or self._feature_list(columns, available)
        matrix, names = feature_matrix(series, features, columns)
        targets = build_targets(series, self.target, self.horizon, columns)
        ready = window_ready(series, matrix, self.window)
        return _Design(series, columns, matrix, names, targets, ready), features

    def _check_fitted(self) -> None:
        if not hasattr(self, "scaler_"):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet; call fit(X) first.")

    # ---- fit -------------------------------------------------------------------------------
    def fit(self, X: TableLike, y: None = None) -> Self:
        """Learn from every complete window of ``X`` whose target lies inside ``X``.

        Early stopping (networks, LightGBM) uses the latest ``validation_fraction`` of the
        sample dates; samples whose target reaches into that stretch are left out of the
        fit, so validation never scores a forecast the fit already saw the answer to.
        """
        self._check_params()
        design, features = self._design(X)
        series, targets = design.series, design.targets
        labelled = design.ready & (targets.source_row >= 0) & np.isfinite(targets.values)
        rows = np.flatnonzero(labelled)
        if len(rows) < 10:
            raise DataError(
                f"only {len(rows)} sample(s) have a full window of {self.window} steps and a "
                f"known target {self.horizon} step(s) ahead; pass a longer series or shorten "
                "--window.")
        dates = series.dates
        sample_dates = np.unique(dates[rows])
        if len(sample_dates) < 4:
            raise DataError(f"the training samples span only {len(sample_dates)} date(s); "
                            "a validation split needs more.")
        first_valid = int(len(sample_dates) * (1 - self.validation_fraction))
        validation_start = sample_dates[min(len(sample_dates) - 1, first_valid)]
        valid_rows = rows[dates[rows] >= validation_start]
        fit_rows = rows[dates[targets.source_row[rows]] < validation_start]
        if len(fit_rows) == 0:
            raise DataError("no sample is left to fit on before the validation dates; pass a "
                            "longer series, or lower validation_fraction or the horizon.")

        self.columns_ = design.columns
        self.features_ = features
        self.feature_columns_ = design.feature_columns
        self.scaler_ = FeatureScaler.fit(design.matrix)
        self.task_ = targets.task
        scaled = self.scaler_.transform(design.matrix)
        x_fit = make_windows(scaled, fit_rows, self.window)
        x_valid = make_windows(scaled, valid_rows, self.window)
        y_fit, y_valid = targets.values[fit_rows], targets.values[valid_rows]

        started = time.perf_counter()
        record: dict[str, Any] = {}
        if self.model in NETWORKS:
            record = self._fit_network(x_fit, y_fit, x_valid, y_valid)
        else:
            self.baseline_ = BASELINE_CLASSES[self.model](**(
                {"seed": self.random_state} if self.model == "lightgbm" else {}))
            if self.model == "naive":
                self.baseline_.fit(y_fit, self.task_)
            elif self.model == "linear":
                self.baseline_.fit(x_fit, y_fit, self.task_)
            else:
                self.baseline_.fit(x_fit, y_fit, self.task_, x_valid, y_valid)
        self.training_ = {
            "model": self.model, "samples": len(rows), "fit_samples": len(fit_rows),
            "validation_samples": len(valid_rows),
            "first_date": _iso(dates.min()), "last_date": _iso(dates.max()),
            "validation_start": _iso(validation_start),
            "assets": sorted({str(a) for a in series.assets}),
            "seconds": time.perf_counter() - started, **record,
        }
        return self

    def _fit_network(self, x_fit: np.ndarray, y_fit: np.ndarray, x_valid: np.ndarray,
                     y_valid: np.ndarray) -> dict[str, Any]:
        from findeep.train.progress import epoch_progress
        from findeep.train.trainer import TensorData, TrainConfig, fit_network, resolve_device

        recipe = {**NETWORKS[self.model].training,
                  **{k: getattr(self, k) for k in TRAIN_OPTIONS if getattr(self, k) is not None}}
        loss = "bce" if self.task_ == "binary" else "mse"
        config = TrainConfig(**recipe, loss=loss, seed=self.random_state, device=self.device,
                             verbose=self.verbose)
        config.check()
        device = resolve_device(self.device)
        self.y_mean_, self.y_std_ = 0.0, 1.0
        if self.task_ == "regression":
            # returns are ~1e-2: standardising keeps the loss and the step size in scale
            self.y_mean_ = float(y_fit.mean())
            self.y_std_ = float(y_fit.std()) or 1.0
        y_fit_scaled = ((y_fit - self.y_mean_) / self.y_std_).astype(np.float32)
        y_valid_scaled = ((y_valid - self.y_mean_) / self.y_std_).astype(np.float32)

        torch.manual_seed(self.random_state)  # weight initialisation
        network = build_network(self.model, n_features=x_fit.shape[2], window=self.window,
                                options=self.model_options)
        train = TensorData.from_numpy(x_fit, np.zeros((len(x_fit), 0), dtype=np.int64),
                                      y_fit_scaled, task=self.task_, device=device)
        valid = TensorData.from_numpy(x_valid, np.zeros((len(x_valid), 0), dtype=np.int64),
                                      y_valid_scaled, task=self.task_, device=device)
        with epoch_progress(f"training {self.model}", config.max_epochs, self.verbose) as hook:
            result = fit_network(network, train, valid, task=self.task_, config=config,
                                 on_epoch_end=hook)
        self.network_ = network.cpu().eval()
        return {"best_epoch": result.best_epoch, "epochs_run": result.epochs_run,
                "best_validation_score": result.best_score, "device": str(device),
                "config": {k: v for k, v in vars(config).items() if k != "verbose"}}

    # ---- predict ---------------------------------------------------------------------------
    def _predict_rows(self, design: _Design, rows: np.ndarray) -> np.ndarray:
        if len(rows) == 0:
            return np.zeros(0)
        if self.model == "naive":
            return self.baseline_.predict(design.targets.naive[rows])
        x = make_windows(self.scaler_.transform(design.matrix), rows, self.window)
        if self.model in NETWORKS:
            from findeep.train.trainer import logits_to_prediction, predict_logits

            logits = predict_logits(self.network_, torch.from_numpy(x),
                                    torch.zeros((len(x), 0), dtype=torch.long))
            prediction = logits_to_prediction(logits, self.task_).astype(float)
            return prediction * self.y_std_ + self.y_mean_ if self.task_ == "regression" \
                else prediction
        return self.baseline_.predict(x)

    def predict(self, X: TableLike) -> np.ndarray:
        """One forecast per row of ``X``, in ``X``'s order; NaN without a full window."""
        self._check_fitted()
        design, _ = self._design(X, self.columns_, self.features_)
        rows = np.flatnonzero(design.ready)
        out = np.full(len(design.ready), np.nan)
        out[design.series.input_row[rows]] = self._predict_rows(design, rows)
        return out

    def predict_frame(self, X: TableLike, *, start: Any = None) -> pd.DataFrame:
        """Forecasts as a tidy table: date, asset, prediction, actual (NaN until known),
        target_date, and next_return (the asset's simple return over the next step, the
        one a position taken at ``date`` earns). ``start`` skips earlier dates."""
        self._check_fitted()
        design, _ = self._design(X, self.columns_, self.features_)
        series = design.series
        ready = design.ready
        if start is not None:
            ready = ready & (series.dates >= np.datetime64(pd.Timestamp(start), "ns"))
        rows = np.flatnonzero(ready)
        source = design.targets.source_row[rows]
        target_dates = np.where(source >= 0, series.dates[np.maximum(source, 0)],
                                np.datetime64("NaT", "ns"))
        try:
            next_return = next_period_returns(series, design.columns)[rows]
        except DataError:
            next_return = np.full(len(rows), np.nan)
        return pd.DataFrame({
            "date": series.dates[rows], "asset": series.assets[rows],
            "prediction": self._predict_rows(design, rows),
            "actual": design.targets.values[rows], "target_date": target_dates,
            "next_return": next_return,
        })

    def save(self, path: str | os.PathLike[str], *, force: bool = False,
             evaluation: ForecastEvaluation | None = None,
             metrics: dict[str, Any] | None = None) -> Path:
        """Write a bundle that ``findeep.load`` reads back; ``evaluation`` stores its
        out-of-sample forecasts for backtests, and its metrics unless ``metrics`` is given."""
        self._check_fitted()
        meta, tensors = forecaster_to_bundle(self, evaluation)
        if evaluation is not None and metrics is None:
            metrics = evaluation.metrics
        return write_bundle(path, kind=BUNDLE_KIND, meta=meta, tensors=tensors, metrics=metrics,
                            force=force)


def forecaster_to_bundle(forecaster: SequenceForecaster,
                         evaluation: ForecastEvaluation | None = None
                         ) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """The JSON document and tensors that ``write_bundle`` stores for a fitted forecaster,
    with ``evaluation``'s out-of-sample forecasts when given."""
    model: dict[str, Any] = {"name": forecaster.model}
    tensors: dict[str, torch.Tensor] = {}
    if forecaster.model in NETWORKS:
        config = dict(forecaster.network_.config)
        model["config"] = config
        model["target_scaling"] = {"mean": forecaster.y_mean_, "std": forecaster.y_std_}
        tensors |= {f"network.{k}": v for k, v in forecaster.network_.state_dict().items()}
    else:
        state, baseline_tensors = forecaster.baseline_.state()
        model["state"] = state
        tensors |= {f"baseline.{k}": v for k, v in baseline_tensors.items()}
    meta: dict[str, Any] = {
        "estimator": type(forecaster).__name__,
        "params": forecaster.get_params(),
        "model": model,
        "task": forecaster.task_,
        "columns": asdict(forecaster.columns_),
        "features": list(forecaster.features_),
        "feature_columns": list(forecaster.feature_columns_),
        "scaler": forecaster.scaler_.to_dict(),
        "training": forecaster.training_,
    }
    if evaluation is not None:
        meta["evaluation"], oos_tensors = evaluation_to_bundle(evaluation)
        tensors |= oos_tensors
    if not tensors:
        tensors["model.empty"] = torch.zeros(0)  # safetensors files need at least one entry
    return meta, tensors


def forecaster_from_bundle(meta: dict[str, Any],
                           tensors: dict[str, torch.Tensor]) -> SequenceForecaster:
    """Rebuild the fitted ``SequenceForecaster`` a bundle holds (``findeep.load`` calls it)."""
    try:
        params = {k: v for k, v in meta["params"].items()
                  if k in SequenceForecaster().get_params()}
        forecaster = SequenceForecaster(**params)
        model = meta["model"]
        if model["name"] not in model_names():
            raise BundleError(f"the bundle's model {model['name']!r} is not known to this "
                              "findeep version.")
        forecaster.columns_ = Columns(**meta["columns"])
        forecaster.features_ = list(meta["features"])
        forecaster.feature_columns_ = list(meta["feature_columns"])
        forecaster.scaler_ = FeatureScaler.from_dict(meta["scaler"])
        forecaster.task_ = meta["task"]
        forecaster.training_ = meta.get("training", {})
        if model["name"] in NETWORKS:
            config = dict(model["config"])
            config.pop("cell", None)
            network = build_network(model["name"], n_features=config.pop("n_features"),
                                    window=config.pop("window"), n_out=config.pop("n_out"),
                                    options=config)
            network.load_state_dict({k.removeprefix("network."): v for k, v in tensors.items()
                                     if k.startswith("network.")}, strict=True)
            forecaster.network_ = network.eval()
            forecaster.y_mean_ = float(model["target_scaling"]["mean"])
            forecaster.y_std_ = float(model["target_scaling"]["std"])
        else:
            forecaster.baseline_ = BASELINE_CLASSES[model["name"]].from_state(
                model["state"], {k.removeprefix("baseline."): v for k, v in tensors.items()
                                 if k.startswith("baseline.")})
    except (KeyError, TypeError, RuntimeError) as exc:
        raise BundleError(f"the forecast bundle is incomplete or does not fit its model: "
                          f"{exc}") from None
    if "evaluation" in meta and "oos.date" in tensors:
        forecaster.evaluation_ = evaluation_from_bundle(meta["evaluation"], tensors)
    return forecaster


def read_forecaster(path: str | os.PathLike[str]) -> SequenceForecaster:
    """A forecaster bundle on disk (checksums verified first) as its fitted forecaster."""
    meta, tensors = read_bundle(path)
    if meta.get("kind") != BUNDLE_KIND:
        raise BundleError(f"'{path}' holds a {meta.get('kind')!r} model, not a forecaster; "
                          "train one with 'findeep forecast train'.")
    return forecaster_from_bundle(meta, tensors)


def _iso(value: Any) -> str:
    return pd.Timestamp(value).isoformat()
