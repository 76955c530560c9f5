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
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator

from findeep.bundle import read_bundle, write_bundle
from findeep.data.io import TableLike
from findeep.data.schema import FindeepWarning
from findeep.data.splits import seed_problem
from findeep.errors import BundleError, ConfigError, DataError, NotFittedError, did_you_mean
from findeep.forecast.baselines import BASELINE_CLASSES, BASELINES
from findeep.forecast.evaluation import (
    ForecastEvaluation,
    evaluation_from_bundle,
    evaluation_to_bundle,
)
from findeep.forecast.features import (
    BUILTIN_FEATURES,
    DERIVED_TARGETS,
    Columns,
    FeatureScaler,
    Targets,
    build_targets,
    carried_forward_message,
    carry_forward,
    check_features,
    default_features,
    feature_matrix,
    forecast_scale,
    log_returns,
    make_windows,
    next_period_returns,
    resolve_columns,
    target_offset,
    window_ready,
)
from findeep.forecast.models import NETWORKS, build_network
from findeep.forecast.models.registry import FROZEN_DEFAULTS
from findeep.forecast.series import Series, check_date_gaps, checkpoints, read_series
from findeep.forecast.vol_baselines import VOL_BASELINES
from findeep.long_work import long_work_starts

BUNDLE_KIND = "forecast"
TRAIN_OPTIONS = ("max_epochs", "batch_size", "learning_rate", "weight_decay", "patience")
MAX_STEPS = 100_000  # horizon and window, in steps of the series
MAX_MEMBERS = 64  # networks averaged
VOL_TARGETS = ("realized_vol",)
# linear_path: True = ridge-started linear path (the network starts as ridge), False = the
# plain network, 'zero' = a linear path started at zero and trained jointly with the body,
# 'select' = fit True and False, keep the lower validation loss (BENCHMARKS.md, round 4)
LINEAR_PATHS = (True, False, "ridge", "none", "zero", "select")
VOL_BASES = ("gjr",)  # vol_base: the volatility model a network starts from and corrects
MIN_SAMPLES = 10  # labelled windows a fit needs
MIN_SAMPLE_DATES = 4  # dates those span: the validation block takes the latest of them


# set while fitting on a table whose missing values were already carried forward and
# reported (walk-forward folds, the models ``forecast train`` compares): one warning, not one
# per fit, for the values left missing at the start of a series
_MISSING_REPORTED: ContextVar[bool] = ContextVar("findeep_forecast_missing_reported",
                                                 default=False)


@contextmanager
def missing_values_reported() -> Iterator[None]:
    """Fits and forecasts inside this block do not warn about missing values again."""
    token = _MISSING_REPORTED.set(True)
    try:
        yield
    finally:
        _MISSING_REPORTED.reset(token)


class TooFewSamplesError(DataError):
    """``fit`` found too few complete, labelled samples in its table. A ``DataError``
    whose ``samples``, ``dates`` and ``longest`` (rows of the longest series) let a caller
    that chose the table (a test start, a training window) name its own fix."""

    def __init__(self, message: str, *, samples: int, dates: int, longest: int) -> None:
        super().__init__(message)
        self.samples, self.dates, self.longest = samples, dates, longest


def model_names() -> list[str]:
    """Every model ``SequenceForecaster(model=...)`` accepts: networks, then baselines."""
    return [*NETWORKS, *BASELINES, *VOL_BASELINES]


def parse_quantiles(quantiles: Any) -> list[float]:
    """``"0.05,0.5,0.95"`` or a list -> sorted distinct floats, each strictly in (0, 1)."""
    if quantiles is None:
        return []
    if isinstance(quantiles, str):
        parts = [p.strip() for p in quantiles.split(",") if p.strip()]
        try:
            values = [float(p) for p in parts]
        except ValueError:
            raise ConfigError(f"quantiles must be numbers between 0 and 1 separated by commas, "
                              f"however: {quantiles!r}") from None
    else:
        values = [float(q) for q in quantiles]
    bad = [q for q in values if not 0.0 < q < 1.0]
    if bad:
        raise ConfigError(f"quantiles must lie strictly between 0 and 1, however: {bad[0]!r}")
    repeated = sorted({q for q in values if values.count(q) > 1})
    if repeated:
        raise ConfigError(f"quantiles list {', '.join(f'{q:g}' for q in repeated)} more than "
                          f"once; give each quantile once, however: {values}")
    if len(values) < 2:
        raise ConfigError(f"quantiles need at least two values, however: {values}")
    return sorted(values)


@dataclass
class _Design:
    """A table turned into what models consume: raw features, targets, complete windows."""

    series: Series
    columns: Columns
    matrix: np.ndarray
    feature_columns: list[str]
    targets: Targets  # the main horizon's (``horizon``)
    ready: np.ndarray
    target_matrix: np.ndarray  # (N, H'): every horizon the model learns, main one last
    offset: np.ndarray  # (N,): known at t; models learn target - offset (log_volume only)
    base: np.ndarray | None = None  # (N, H'): GJR variance forecast at t (vol_base='gjr')


class SequenceForecaster(BaseEstimator):
    """Forecast ``target`` ``horizon`` steps ahead from a window of the last ``window`` steps.

    ``target`` is ``'return'`` (log return over the next ``horizon`` steps),
    ``'direction'`` (1 when that return is positive; predictions are probabilities),
    ``'volatility'`` (realised: root of the summed squared log returns) or a column name
    (its value at t+h). ``features`` are built-ins (return, volatility, volume, range,
    calendar) or column names; by default the built-ins the table supports.

    Networks contain the linear model: by default (``linear_path='select'``, round 4) the
    ridge-started network (a linear path set to ridge plus the network's residual) and the
    plain network are both fitted and the lower validation loss is kept, so the result is
    never behind ridge on validation; ``True`` keeps the ridge-started one, ``False`` the
    plain one, ``'zero'`` starts the linear path at zero and trains it with the body;
    networks average ``n_members`` seeds and can
    normalise each window (``instance_norm``). ``target='realized_vol'`` forecasts the root
    mean daily variance over the next ``horizon`` days (``vol_estimator``: squared,
    parkinson, garman_klass) and adds models ``har``, ``garch`` and ``gjr_garch``;
    feature ``garch_var`` feeds a network the GJR-GARCH variance forecast known at t;
    ``vol_base='gjr'`` makes the network contain GJR-GARCH instead: it predicts log
    variance as log(GJR forecast) + a learned correction that starts at zero.
    ``quantiles`` trains non-crossing quantile outputs (``predict_quantiles``), by default
    recalibrated every date from realised outcomes (``conformal='adaptive'``; ``'dtaci'``
    aggregates eight step sizes online instead of one; ``'none'`` keeps the pinball heads
    as trained);
    ``all_horizons=True`` one output per horizon 1..``horizon``.

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
        random_state: int = 0, verbose: int = 0, quantiles: list[float] | str | None = None,
        all_horizons: bool = False, vol_estimator: str = "squared",
        n_members: int | None = None, instance_norm: bool | None = None,
        linear_path: bool | str = "select", conformal: bool | str = "adaptive",
        zero_head: bool | None = None,
        linear_lr_scale: float | None = None, vol_base: str | None = None,
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
        self.quantiles = quantiles
        self.all_horizons = all_horizons
        self.vol_estimator = vol_estimator
        self.n_members = n_members
        self.instance_norm = instance_norm
        self.linear_path = linear_path
        self.conformal = conformal
        self.zero_head = zero_head
        self.linear_lr_scale = linear_lr_scale
        self.vol_base = vol_base

    # ---- checks ----------------------------------------------------------------------------
    def _check_params(self) -> None:
        self.quantiles_ = parse_quantiles(self.quantiles)  # its own message: values come first
        problems = []
        from findeep.forecast.conformal import CONFORMAL_MODES

        mode = (("scaled" if self.conformal else "none") if isinstance(self.conformal, bool)
                else self.conformal)
        if mode not in CONFORMAL_MODES:
            problems.append(f"conformal must be one of {', '.join(CONFORMAL_MODES)}, however: "
                            f"conformal={self.conformal!r}")
        self.conformal_mode_ = mode
        for name in ("horizon", "window"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) \
                    or not 1 <= value <= MAX_STEPS:
                problems.append(f"{name} must be a positive integer of at most {MAX_STEPS}, "
                                f"however: {name}={value!r}")
        if self.model not in model_names():
            problems.append(f"unknown model {self.model!r}; choose from "
                            f"{', '.join(model_names())}."
                            + did_you_mean(self.model, model_names()))
        if self.n_members is not None and (not isinstance(self.n_members, (int, np.integer))
                                           or not 1 <= self.n_members <= MAX_MEMBERS):
            problems.append(f"n_members must be a positive integer of at most {MAX_MEMBERS}, "
                            f"however: n_members={self.n_members!r}")
        if self.learning_rate is not None and not 0 < self.learning_rate < np.inf:
            problems.append("learning_rate must be a positive, finite number, however: "
                            f"learning_rate={self.learning_rate!r}")
        if self.weight_decay is not None and not 0 <= self.weight_decay < np.inf:
            problems.append("weight_decay must be a finite number >= 0, however: "
                            f"weight_decay={self.weight_decay!r}")
        if seed_problem(self.random_state):
            problems.append(seed_problem(self.random_state))
        if (self.quantiles is not None or self.all_horizons) and self.model not in NETWORKS \
                and self.model in model_names():
            what = "quantiles" if self.quantiles is not None else "all_horizons"
            problems.append(f"{what} needs a network (lstm, gru, tcn, transformer); "
                            f"model {self.model!r} forecasts one point at one horizon")
        if self.model in VOL_BASELINES and self.target not in VOL_TARGETS:
            problems.append(f"model {self.model!r} forecasts volatility: use "
                            f"target='realized_vol', however: target={self.target!r}")
        if self.quantiles is not None and self.target == "direction":
            problems.append("quantiles need a numeric target; 'direction' is a probability")
        if self.linear_lr_scale is not None and (
                not isinstance(self.linear_lr_scale, (int, float, np.number))
                or not self.linear_lr_scale > 0):
            problems.append("linear_lr_scale must be a positive number, however: "
                            f"linear_lr_scale={self.linear_lr_scale!r}")
        if not any(self.linear_path is v or (isinstance(self.linear_path, str)
                                             and self.linear_path == v) for v in LINEAR_PATHS):
            # the CLI's spellings; True and False (ridge, none) are Python aliases
            problems.append("linear_path must be one of select, ridge, none, zero, however: "
                            f"linear_path={self.linear_path!r}")
        if self.vol_base is not None:
            if self.vol_base not in VOL_BASES:
                problems.append(f"vol_base (--vol-base) must be one of {', '.join(VOL_BASES)} "
                                f"or none, however: {self.vol_base!r}")
            elif (self.target not in VOL_TARGETS or self.model not in NETWORKS
                  or self.quantiles is not None):
                problems.append("vol_base='gjr' needs a network point forecast of "
                                "target='realized_vol' (no quantiles)")
        if not 0.0 < self.validation_fraction < 1.0:
            problems.append("validation_fraction must be between 0 and 1, however: "
                            f"validation_fraction={self.validation_fraction!r}")
        if problems:
            message = "; ".join(p.rstrip(".") if p.endswith(".") else p for p in problems)
            raise ConfigError(message if message.endswith("?") else message + ".")

    def _horizons(self) -> list[int]:
        return list(range(1, self.horizon + 1)) if self.all_horizons else [self.horizon]

    def _feature_list(self, columns: Columns, available: list[str]) -> list[str]:
        if self.features is None:
            chosen = default_features(columns, self.target)
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

    def _inputs(self, series: Series, columns: Columns | None = None,
                features: list[str] | None = None) -> tuple[Columns, list[str]]:
        """The column roles and features: the fitted ones, or resolved from ``series``."""
        self._check_target(series)
        columns = columns or resolve_columns(series, self.price_column)
        available = [str(c) for c in series.frame.columns if c not in ("date", "asset")]
        return columns, features or self._feature_list(columns, available)

    def _read_columns(self, columns: Columns, features: list[str]) -> list[str]:
        """The value columns features, targets and baselines read, less the price (a
        missing price is refused, never filled)."""
        names = [f for f in features if f not in BUILTIN_FEATURES]
        if "volume" in features or self.target == "log_volume":
            names.append(columns.volume)
        ranges = self.target in VOL_TARGETS and self.vol_estimator != "squared"
        if "range" in features or ranges:
            names += [columns.high, columns.low]
        if ranges and self.vol_estimator == "garman_klass":
            names.append(columns.open)
        if self.target not in DERIVED_TARGETS:
            names.append(self.target)
        return list(dict.fromkeys(n for n in names if n is not None and n != columns.price))

    def _fill_missing(self, series: Series, columns: Columns, features: list[str]) -> list[str]:
        """Carry each read column's missing values forward per asset (``carry_forward``:
        causal), with one warning that counts them; returns the columns that had any."""
        counts = carry_forward(series.frame, series.assets, self._read_columns(columns, features))
        if counts and not _MISSING_REPORTED.get():
            warnings.warn(carried_forward_message(counts), FindeepWarning, stacklevel=1)
        return list(counts)

    def _design(self, data: TableLike, columns: Columns | None = None,
                features: list[str] | None = None,
                fitting: bool = False) -> tuple[_Design, list[str]]:
        series = read_series(data, date_column=self.date_column, asset_column=self.asset_column)
        check_date_gaps(series)  # on every path: a window across a gap is wrong at predict too
        columns, features = self._inputs(series, columns, features)
        self._fill_missing(series, columns, features)
        needs_garch = "garch_var" in features or self.vol_base == "gjr"
        garch = self._garch_input(series, columns, fitting) if needs_garch else None
        matrix, names = feature_matrix(series, features, columns,
                                       garch if "garch_var" in features else None)
        every = [build_targets(series, self.target, h, columns, self.vol_estimator)
                 for h in self._horizons()]
        ready = window_ready(series, matrix, self.window)
        target_matrix = np.column_stack([t.values for t in every])
        offset = target_offset(series, self.target, columns)
        ready = ready & np.isfinite(offset)
        base = None
        if self.vol_base == "gjr":  # the GJR forecast known at t, one column per horizon
            from findeep.forecast.features import log_returns

            returns = log_returns(series, columns, "vol_base='gjr'")
            base = np.column_stack([garch(returns, series.assets, h) for h in self._horizons()])
            ready = ready & np.isfinite(base).all(axis=1)
        return _Design(series, columns, matrix, names, every[-1], ready, target_matrix, offset,
                       base), features

    def _garch_input(self, series: Series, columns: Columns, fitting: bool) -> Any:
        """The ``garch_var`` feature and the ``vol_base='gjr'`` start: a GJR-GARCH fitted
        (when ``fitting``) on the returns dated before the latest ``validation_fraction``
        of the table's dates, so neither the validation block nor anything later sets its
        parameters; then filtered forward with those parameters
        (``vol_baselines.gjr_variance_path``: the value at t uses returns through t only)."""
        from findeep.forecast.features import log_returns
        from findeep.forecast.vol_baselines import GARCHBaseline, garch_feature

        try:
            import arch  # noqa: F401
        except ImportError:
            what = ("the 'garch_var' feature" if self.vol_base is None else "vol_base='gjr'")
            raise ConfigError(f"{what} needs the arch package: "
                              "pip install 'findeep[forecast]'.") from None
        if fitting:
            returns = log_returns(series, columns, "the GJR-GARCH input")
            dates = np.unique(series.dates)
            cut = dates[int(len(dates) * (1 - self.validation_fraction))]
            before = np.where(series.dates < cut, returns, np.nan)
            self.garch_input_ = GARCHBaseline("gjr_garch").fit(before, series.assets)
        model = getattr(self, "garch_input_", None)
        if model is None:
            raise BundleError("this forecaster uses a GJR-GARCH input but holds no "
                              "GJR-GARCH parameters; refit it.")
        return lambda returns, assets, horizon=self.horizon: garch_feature(
            model, returns, assets, horizon)

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
        self.conformal_shift_: np.ndarray | None = None
        self.conformal_state_: dict[str, Any] | None = None
        self.garch_input_ = None
        design, features = self._design(X, fitting=True)
        series, targets = design.series, design.targets
        labelled = (design.ready & (targets.source_row >= 0)
                    & np.isfinite(design.target_matrix).all(axis=1))
        rows = np.flatnonzero(labelled)
        dates = series.dates
        sample_dates = np.unique(dates[rows])
        longest = max((e - s for _, s, e in series.asset_bounds()), default=0)
        if len(rows) < MIN_SAMPLES:
            raise TooFewSamplesError(
                f"only {len(rows)} sample(s) have a full window of {self.window} steps and a "
                f"known target {self.horizon} step(s) ahead (the longest series has "
                f"{longest} rows; it needs more than window + horizon = "
                f"{self.window + self.horizon}, plus warm-up); pass a longer series or shorten "
                "--window or --horizon.", samples=len(rows), dates=len(sample_dates),
                longest=longest)
        if self.target in VOL_TARGETS and not (design.target_matrix[rows] > 0).any():
            raise DataError("the realised volatility is zero on every training row (the price "
                            "never moves); a volatility model needs a series that varies.")
        if len(sample_dates) < MIN_SAMPLE_DATES:
            raise TooFewSamplesError(
                f"the training samples span only {len(sample_dates)} date(s); a validation "
                f"split needs at least {MIN_SAMPLE_DATES}.", samples=len(rows),
                dates=len(sample_dates), longest=longest)
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
        y_all = self._to_train_space(design.target_matrix) - design.offset[:, None]
        if self.target in VOL_TARGETS:  # forecasts never go below the 1st percentile seen
            positive = y_all[rows, -1][y_all[rows, -1] > 0]
            self.variance_floor_ = float(np.quantile(positive, 0.01))
        y_fit, y_valid = y_all[fit_rows, -1], y_all[valid_rows, -1]

        started = time.perf_counter()
        record: dict[str, Any] = {}
        if self.model in NETWORKS:
            if design.base is not None:  # learn the ratio to GJR: QLIKE differs by a constant
                y_all = y_all / design.base
            record = self._fit_linear_choice(x_fit, y_all[fit_rows], x_valid, y_all[valid_rows])
            if self.quantiles_ and self.conformal_mode_ != "none":
                record["conformal"] = self._calibrate(design, valid_rows)
        elif self.model == "har":
            from findeep.forecast.vol_baselines import HARBaseline

            regressors = self._har_regressors(design)
            usable = rows[np.isfinite(regressors[rows]).all(axis=1)]
            self.baseline_ = HARBaseline().fit(regressors[usable], y_all[usable, -1])
        elif self.model in ("garch", "gjr_garch"):
            from findeep.forecast.features import log_returns
            from findeep.forecast.vol_baselines import GARCHBaseline

            returns = log_returns(series, design.columns, f"model {self.model!r}")
            self.baseline_ = GARCHBaseline(self.model).fit(returns, series.assets)
        else:
            self.baseline_ = BASELINE_CLASSES[self.model](**(
                {"seed": self.random_state} if self.model == "lightgbm" else {}))
            if self.model == "naive":
                self.baseline_.fit(y_fit, self.task_)
            elif self.model == "linear":
                self.baseline_.fit(x_fit, y_fit, self.task_,
                                   log_variance=self.target in VOL_TARGETS)
            else:
                self.baseline_.fit(x_fit, y_fit, self.task_, x_valid, y_valid)
        self.training_ = {
            "model": self.model, "samples": len(rows), "fit_samples": len(fit_rows),
            "validation_samples": len(valid_rows),
            "first_date": _iso(dates.min()), "last_date": _iso(dates.max()),
            "validation_start": _iso(validation_start),
            "assets": sorted({str(a) for a in series.assets}),
            "history_needed": _history_needed(series, design.ready),
            "seconds": time.perf_counter() - started, **record,
        }
        self.checkpoints_ = self._fingerprint(series, design.columns)
        return self

    @staticmethod
    def _fingerprint(series: Series, columns: Columns) -> dict[str, Any] | None:
        """A few log returns per asset of the training series (``series.checkpoints``), so
        that data passed later can be told apart from it; None without a usable price."""
        try:
            returns = log_returns(series, columns, "the training fingerprint")
        except DataError:
            return None
        return {"price_column": columns.price, "log_return": checkpoints(series, returns)}

    def _calibrate(self, design: _Design, rows: np.ndarray) -> dict[str, Any]:
        """Conformalise the quantile heads on the validation block (``conformal.py``;
        ``adaptive.py`` for the adaptive mode, whose state then moves on in ``predict``)."""
        from findeep.forecast.conformal import conformal_shifts

        outputs = self._network_outputs(design, rows)  # uncalibrated: no shift yet
        scale = None
        if self.conformal_mode_ in ("scaled", "adaptive", "dtaci"):
            raw = forecast_scale(design.series, self.target, design.columns)[rows]
            usable = raw[np.isfinite(raw) & (raw > 0)]
            self.conformal_fallback_ = float(np.median(usable)) if len(usable) else 1.0
            scale = self._conformal_scale(design, rows)
        if self.conformal_mode_ in ("adaptive", "dtaci"):
            from findeep.forecast.adaptive import adaptive_shifts, new_state, state_shift

            start = new_state(design.target_matrix.shape[1], self.quantiles_,
                              method="dtaci" if self.conformal_mode_ == "dtaci" else "aci")
            _, self.conformal_state_ = adaptive_shifts(
                outputs, design.target_matrix[rows], scale, design.series.dates[rows],
                self._known_dates(design, rows), self.quantiles_, start)
            return {"rows": len(rows), "mode": self.conformal_mode_,
                    "gamma": self.conformal_state_["gamma"],
                    "window": self.conformal_state_["window"],
                    "alpha": self.conformal_state_["alpha"],
                    "shift": state_shift(self.conformal_state_, self.quantiles_).tolist()}
        self.conformal_shift_ = conformal_shifts(outputs, design.target_matrix[rows],
                                                 self.quantiles_, scale)
        return {"rows": len(rows), "mode": self.conformal_mode_,
                "shift": self.conformal_shift_.tolist()}

    def _conformal_scale(self, design: _Design, rows: np.ndarray) -> np.ndarray | None:
        """Each row's scale for ``scaled`` shifts; the calibration median where unknown."""
        if getattr(self, "conformal_mode_", "additive") not in ("scaled", "adaptive", "dtaci"):
            return None
        raw = forecast_scale(design.series, self.target, design.columns)[rows]
        return np.where(np.isfinite(raw) & (raw > 0), raw, self.conformal_fallback_)

    # ---- target space ----------------------------------------------------------------------
    def _to_train_space(self, values: np.ndarray) -> np.ndarray:
        """Realised volatility is learned as variance: a squared-error fit then estimates
        the conditional mean variance, the forecast QLIKE and MSE on variance reward."""
        return values ** 2 if self.target in VOL_TARGETS else values

    def _from_train_space(self, values: np.ndarray) -> np.ndarray:
        if self.target in VOL_TARGETS:
            return np.sqrt(np.maximum(values, getattr(self, "variance_floor_", 1e-10)))
        return values

    def _har_regressors(self, design: _Design) -> np.ndarray:
        from findeep.forecast.features import daily_variance
        from findeep.forecast.vol_baselines import har_regressors

        variance = daily_variance(design.series, design.columns, self.vol_estimator)
        return har_regressors(variance, design.series.assets)

    # ---- networks --------------------------------------------------------------------------
    def _network_settings(self) -> dict[str, Any]:
        chosen = (("n_members", self.n_members), ("instance_norm", self.instance_norm),
                  ("zero_head", self.zero_head), ("linear_lr_scale", self.linear_lr_scale))
        return {**FROZEN_DEFAULTS, **{k: v for k, v in chosen if v is not None}}

    def _build_member(self, n_features: int, n_out: tuple[int, int],
                      settings: dict[str, Any]) -> torch.nn.Module:
        from findeep.forecast.models.residual import LinearResidualForecaster

        n_horizons, n_quantiles = n_out
        body = build_network(self.model, n_features=n_features, window=self.window,
                             n_out=n_horizons * n_quantiles, options=self.model_options)
        return LinearResidualForecaster(
            body, n_features=n_features, window=self.window, n_horizons=n_horizons,
            quantiles=self.quantiles_, instance_norm=bool(settings["instance_norm"]),
            scale_feature=self._scale_feature(), linear_path=self.linear_path_ != "none",
            zero_head=bool(settings["zero_head"]) and self.linear_path_ == "ridge")

    def _scale_feature(self) -> int | None:
        """The feature whose window spread rescales the residual under instance norm."""
        volatility = ("volatility", "abs_return", "squared_return")
        wanted = {"return": ("return",), "direction": (), "volatility": volatility,
                  "realized_vol": volatility}.get(self.target, (self.target,))
        return next((self.feature_columns_.index(n) for n in wanted
                     if n in self.feature_columns_), None)

    def _fit_linear_choice(self, x_fit: np.ndarray, y_fit: np.ndarray, x_valid: np.ndarray,
                           y_valid: np.ndarray) -> dict[str, Any]:
        """Fit the network with the linear path ``linear_path`` asks for; ``'select'`` fits
        the ridge-started and the plain network and keeps the lower validation loss (so the
        kept network is never behind ridge on validation, and never behind the plain one)."""
        choice = {True: "ridge", False: "none"}.get(self.linear_path, self.linear_path)
        if choice == "select" and self.vol_base is not None:
            choice = "ridge"  # vol_base: the network starts at exactly GJR-GARCH (round 3c)
        if choice != "select":
            self.linear_path_ = choice
            return self._fit_network(x_fit, y_fit, x_valid, y_valid)
        fits = {}
        for candidate in ("ridge", "none"):
            self.linear_path_ = candidate
            record = self._fit_network(x_fit, y_fit, x_valid, y_valid)
            fits[candidate] = (record, self.network_, self.network_settings_)
        kept = min(fits, key=lambda c: fits[c][0]["best_validation_score"])
        record, self.network_, self.network_settings_ = fits[kept]
        self.linear_path_ = kept
        return {**record, "linear_path": kept, "validation_by_linear_path": {
            c: fits[c][0]["best_validation_score"] for c in fits}}

    def _fit_network(self, x_fit: np.ndarray, y_fit: np.ndarray, x_valid: np.ndarray,
                     y_valid: np.ndarray) -> dict[str, Any]:
        """``y_fit (N, H')`` in training space; k members, each started at ridge."""
        from findeep.forecast.training import (
            FitSettings,
            MemberAverage,
            log_variance_ridge,
            ridge_start,
            train_member,
        )
        from findeep.train.progress import epoch_progress
        from findeep.train.trainer import resolve_device

        long_work_starts()  # the inputs passed their checks: held warnings may be shown now
        recipe = {**NETWORKS[self.model].training,
                  **{k: getattr(self, k) for k in TRAIN_OPTIONS if getattr(self, k) is not None}}
        settings = self._network_settings()
        fit_settings = FitSettings(**recipe, linear_lr_scale=float(settings["linear_lr_scale"]))
        for name in ("max_epochs", "batch_size", "patience"):
            value = getattr(fit_settings, name)
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, however: {name}={value!r}")
        device = resolve_device(self.device)
        binary = self.task_ == "binary"
        self.y_mean_ = np.zeros(y_fit.shape[1]) if binary else y_fit.mean(axis=0)
        spread = y_fit.std(axis=0)
        self.y_std_ = np.ones(y_fit.shape[1]) if binary else np.where(spread > 0, spread, 1.0)
        y_fit_scaled = ((y_fit - self.y_mean_) / self.y_std_).astype(np.float32)
        y_valid_scaled = ((y_valid - self.y_mean_) / self.y_std_).astype(np.float32)

        # realised volatility (point forecasts): the output is log variance, trained by QLIKE,
        # whose minimiser is the conditional mean variance; ridge starts on log variance
        self.log_variance_ = self.target in VOL_TARGETS and not self.quantiles_
        if self.log_variance_:
            self.y_mean_ = np.zeros(y_fit.shape[1])
            self.y_std_ = np.where(y_fit.mean(axis=0) > 0, y_fit.mean(axis=0), 1.0)
            y_fit_scaled = (y_fit / self.y_std_).astype(np.float32)
            y_valid_scaled = (y_valid / self.y_std_).astype(np.float32)
            coef, intercept = log_variance_ridge(x_fit, y_fit_scaled)
            if self.vol_base is not None:  # targets are ratios to GJR: start at exactly GJR
                self.y_std_ = np.ones(y_fit.shape[1])
                y_fit_scaled, y_valid_scaled = y_fit.astype(np.float32), y_valid.astype(
                    np.float32)
                coef, intercept = np.zeros_like(coef), np.zeros_like(intercept)
        else:
            coef, intercept = ridge_start(x_fit, y_fit_scaled.astype(np.float64))
        if binary:
            # a linear probability model's slope is about a quarter of the logit's
            rate = float(np.clip(y_fit.mean(), 1e-3, 1 - 1e-3))
            flat_mean = x_fit.reshape(len(x_fit), -1).mean(axis=0)
            coef = 4.0 * coef
            intercept = np.log(rate / (1 - rate)) - coef @ flat_mean
        if self.linear_path_ != "ridge":  # plain network, or a linear path started at zero
            coef, intercept = np.zeros_like(coef), np.zeros_like(intercept)
        gaps = None
        if self.quantiles_:
            residual = y_fit_scaled - (x_fit.reshape(len(x_fit), -1) @ coef.T + intercept)
            levels = np.quantile(residual, self.quantiles_, axis=0).T  # (H', Q)
            anchor = int(np.argmin([abs(q - 0.5) for q in self.quantiles_]))
            intercept = intercept + levels[:, anchor]
            lower = levels[:, anchor - np.arange(anchor)] - levels[:, anchor - 1 - np.arange(
                anchor)] if anchor else np.zeros((len(levels), 0))
            upper = np.diff(levels[:, anchor:], axis=1)
            gaps = np.maximum(np.concatenate([lower, upper], axis=1), 1e-3)

        loss = "bce" if binary else ("pinball" if self.quantiles_ else
                                     "qlike" if self.log_variance_ else "mse")
        n_out = (y_fit.shape[1], max(1, len(self.quantiles_)))
        members, records = [], []
        total = fit_settings.max_epochs * settings["n_members"]
        with epoch_progress(f"training {self.model}", total, self.verbose) as hook:
            for member in range(settings["n_members"]):
                seed = self.random_state + member
                torch.manual_seed(seed)  # weight initialisation
                network = self._build_member(x_fit.shape[2], n_out, settings)
                network.init_linear(coef, intercept, gaps)
                done = member * fit_settings.max_epochs

                def report(record: dict[str, Any], done: int = done) -> None:
                    if hook is not None:
                        hook(done + record["epoch"], {"valid_score": record["valid_loss"]})

                records.append(train_member(
                    network, x_fit, y_fit_scaled, x_valid, y_valid_scaled, loss=loss,
                    quantiles=self.quantiles_, settings=fit_settings, seed=seed, device=device,
                    on_epoch_end=report))
                members.append(network)
        self.network_ = MemberAverage(members).eval()
        self.network_settings_ = {**settings, "n_horizons": n_out[0], "linear_path":
                                  self.linear_path_}
        return {"best_epoch": int(np.median([r["best_epoch"] for r in records])),
                "member_best_epochs": [r["best_epoch"] for r in records],
                "epochs_run": sum(r["epochs_run"] for r in records),
                "best_validation_score": float(np.mean([r["best_validation_loss"]
                                                        for r in records])),
                "device": str(device), "config": vars(fit_settings), "network": settings}

    # ---- predict ---------------------------------------------------------------------------
    def _raw_network_outputs(self, design: _Design, rows: np.ndarray) -> np.ndarray:
        """``(N, H', Q)`` in target units (probabilities for direction), before any
        conformal shift."""
        from findeep.forecast.training import predict_network

        x = make_windows(self.scaler_.transform(design.matrix), rows, self.window)
        raw = predict_network(self.network_, x)
        if self.task_ == "binary":
            return 1.0 / (1.0 + np.exp(-raw))
        if getattr(self, "log_variance_", False):
            variance = np.exp(np.clip(raw, -30, 30)) * self.y_std_[None, :, None]
            if design.base is not None:  # GJR forecast x the learned correction (no floor)
                from findeep.forecast.vol_baselines import VARIANCE_FLOOR

                return np.sqrt(np.maximum(variance * design.base[rows, :, None],
                                          VARIANCE_FLOOR))
            return self._from_train_space(variance)
        scaled = raw * self.y_std_[None, :, None] + self.y_mean_[None, :, None]
        if self.target in VOL_TARGETS and self.quantiles_:  # lower heads may reach zero
            return np.sqrt(np.maximum(scaled, self._head_floor() ** 2))
        return self._from_train_space(scaled) + design.offset[rows, None, None]

    def _head_floor(self) -> np.ndarray:
        """``(Q,)`` lowest value each volatility quantile head may take: the variance floor
        for the median and above (a point forecast must stay positive for QLIKE), zero
        below it — a realised volatility is often exactly zero (an unchanged close), and a
        lower head held above zero could never cover those days."""
        anchor = int(np.argmin([abs(q - 0.5) for q in self.quantiles_]))
        floor = np.full(len(self.quantiles_), float(np.sqrt(self.variance_floor_)))
        floor[:anchor] = 0.0
        return floor

    def _network_outputs(self, design: _Design, rows: np.ndarray) -> np.ndarray:
        """``(N, H', Q)`` in target units, conformal shifts applied when fitted with them."""
        from findeep.forecast.conformal import apply_shifts

        outputs = self._raw_network_outputs(design, rows)
        if self.task_ == "binary" or getattr(self, "log_variance_", False):
            return outputs
        floor = self._head_floor() if self.target in VOL_TARGETS and self.quantiles_ else None
        if getattr(self, "conformal_state_", None) is not None and self.quantiles_:
            return self._adaptive_outputs(design, rows, outputs, floor)
        shift = getattr(self, "conformal_shift_", None)
        if shift is None or not self.quantiles_:
            return outputs
        return apply_shifts(outputs, shift, floor, self._conformal_scale(design, rows))

    @staticmethod
    def _known_dates(design: _Design, rows: np.ndarray) -> np.ndarray:
        """The date each row's outcome becomes known (its target date; NaT if unknown)."""
        source = design.targets.source_row[rows]
        return np.where(source >= 0, design.series.dates[np.maximum(source, 0)],
                        np.datetime64("NaT", "ns"))

    def _adaptive_outputs(self, design: _Design, rows: np.ndarray, outputs: np.ndarray,
                          floor: np.ndarray | None) -> np.ndarray:
        """Adaptive conformal heads (``adaptive.py``): the fit's state carried forward over
        every forecast in ``design`` whose outcome arrived after the fit, up to the last
        date asked about; each row's shift uses only outcomes known at its date."""
        from findeep.forecast.adaptive import adaptive_shifts

        state = self.conformal_state_
        dates = design.series.dates
        known = self._known_dates(design, np.arange(len(dates)))
        through = (np.datetime64("NaT", "ns") if state.get("through") is None
                   else np.datetime64(state["through"], "ns"))
        online = design.ready & (dates <= dates[rows].max())
        if not np.isnat(through):  # outcomes the state already holds are not scored again
            online &= np.isnat(known) | (known > through)
        extra = np.setdiff1d(np.flatnonzero(online), rows)
        every = np.concatenate([rows, extra])
        raw = (np.concatenate([outputs, self._raw_network_outputs(design, extra)])
               if len(extra) else outputs)
        actual = design.target_matrix[every].astype(float).copy()
        if not np.isnat(through):
            actual[~np.isnat(known[every]) & (known[every] <= through)] = np.nan
        scale = self._conformal_scale(design, every)
        shifts, _ = adaptive_shifts(raw, actual, scale, dates[every], known[every],
                                    self.quantiles_, state)
        moved = np.sort(raw + shifts * scale[:, None, None], axis=-1)[:len(rows)]
        return moved if floor is None else np.maximum(moved, floor)

    def _predict_rows(self, design: _Design, rows: np.ndarray) -> np.ndarray:
        if len(rows) == 0:
            return np.zeros(0)
        if self.model == "naive":
            return self.baseline_.predict(design.targets.naive[rows])
        if self.model == "har":
            return self.baseline_.predict(self._har_regressors(design)[rows])
        if self.model in ("garch", "gjr_garch"):
            from findeep.forecast.features import log_returns

            returns = log_returns(design.series, design.columns, f"model {self.model!r}")
            return self.baseline_.predict(returns, design.series.assets, self.horizon)[rows]
        if self.model in NETWORKS:
            anchor = (int(np.argmin([abs(q - 0.5) for q in self.quantiles_]))
                      if self.quantiles_ else 0)
            return self._network_outputs(design, rows)[:, -1, anchor]
        x = make_windows(self.scaler_.transform(design.matrix), rows, self.window)
        return self._from_train_space(self.baseline_.predict(x)) + design.offset[rows]

    def predict(self, X: TableLike) -> np.ndarray:
        """One forecast per row of ``X``, in ``X``'s order; NaN without a full window."""
        self._check_fitted()
        design, _ = self._design(X, self.columns_, self.features_)
        rows = np.flatnonzero(design.ready)
        out = np.full(len(design.ready), np.nan)
        out[design.series.input_row[rows]] = self._predict_rows(design, rows)
        return out

    def predict_frame(self, X: TableLike, *, start: Any = None,
                      input_order: bool = False) -> pd.DataFrame:
        """Forecasts as a tidy table: date, asset, prediction, actual (NaN until known),
        target_date, and next_return (the asset's simple return over the next step, the
        one a position taken at ``date`` earns), one row per (asset, date) with a full
        window. ``start`` skips earlier dates. Rows are sorted by asset then date, or
        follow ``X``'s row order with ``input_order=True`` (index: the row's position in
        ``X``)."""
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
        frame = pd.DataFrame({
            "date": series.dates[rows], "asset": series.assets[rows],
            "prediction": self._predict_rows(design, rows),
            "actual": design.targets.values[rows], "target_date": target_dates,
            "next_return": next_return,
        })
        if self.model in NETWORKS and (self.quantiles_ or self.all_horizons) and len(rows):
            outputs = self._network_outputs(design, rows)  # (N, H', Q)
            for j, q in enumerate(self.quantiles_):
                frame[quantile_column(q)] = outputs[:, -1, j]
            if self.all_horizons:
                anchor = (int(np.argmin([abs(q - 0.5) for q in self.quantiles_]))
                          if self.quantiles_ else 0)
                for i, h in enumerate(self._horizons()):
                    frame[f"prediction_h{h}"] = outputs[:, i, anchor]
                    frame[f"actual_h{h}"] = design.target_matrix[rows, i]
        if input_order:
            frame.index = series.input_row[rows]
            frame = frame.sort_index()
        return frame

    def predict_quantiles(self, X: TableLike) -> np.ndarray:
        """``(n_rows, Q)`` quantile forecasts at ``horizon``, in ``X``'s order (NaN rows
        without a full window); columns follow ``quantiles_`` (ascending, never crossing)."""
        self._check_fitted()
        if not getattr(self, "quantiles_", []):
            raise ConfigError("this forecaster was fitted without quantiles; pass "
                              "quantiles=[0.05, 0.5, 0.95] (CLI: --quantiles).")
        design, _ = self._design(X, self.columns_, self.features_)
        rows = np.flatnonzero(design.ready)
        out = np.full((len(design.ready), len(self.quantiles_)), np.nan)
        if len(rows):
            out[design.series.input_row[rows]] = self._network_outputs(design, rows)[:, -1, :]
        return out

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


def point_variance_floor(forecaster: SequenceForecaster) -> tuple[float, bool] | None:
    """The variance floor of a fitted ``realized_vol`` forecaster's point forecasts, and
    whether its forecasts are raised to it; None for other targets.

    Networks, ``linear`` and ``lightgbm`` raise theirs to ``variance_floor_`` (the 1st
    percentile of the training variances), ``har`` to its own (the same percentile over the
    rows its regressors cover), GARCH and ``vol_base='gjr'`` networks to ``VARIANCE_FLOOR``.
    ``naive`` forecasts the last realised value unfloored: its floor is the training one,
    for comparison. A forecast at or below the floor scores QLIKE ``log h + s²/h`` by the
    floor, not by the model.
    """
    if forecaster.target not in VOL_TARGETS:
        return None
    from findeep.forecast.vol_baselines import VARIANCE_FLOOR

    if forecaster.model == "har":
        return float(forecaster.baseline_.floor), True
    if forecaster.model in ("garch", "gjr_garch") or (
            forecaster.model in NETWORKS and forecaster.vol_base is not None):
        return VARIANCE_FLOOR, True
    return float(forecaster.variance_floor_), forecaster.model != "naive"


def forecaster_to_bundle(forecaster: SequenceForecaster,
                         evaluation: ForecastEvaluation | None = None
                         ) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """The JSON document and tensors that ``write_bundle`` stores for a fitted forecaster,
    with ``evaluation``'s out-of-sample forecasts when given."""
    model: dict[str, Any] = {"name": forecaster.model}
    tensors: dict[str, torch.Tensor] = {}
    if forecaster.model in NETWORKS:
        members = forecaster.network_.members
        model["config"] = dict(members[0].config)
        model["n_members"] = len(members)
        model["target_scaling"] = {"mean": np.asarray(forecaster.y_mean_).tolist(),
                                   "std": np.asarray(forecaster.y_std_).tolist()}
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
        "quantiles": list(getattr(forecaster, "quantiles_", [])),
        "variance_floor": getattr(forecaster, "variance_floor_", None),
        "log_variance": bool(getattr(forecaster, "log_variance_", False)),
        "conformal_shift": (np.asarray(forecaster.conformal_shift_).tolist()
                            if getattr(forecaster, "conformal_shift_", None) is not None
                            else None),
        "conformal_mode": getattr(forecaster, "conformal_mode_", "none"),
        "conformal_fallback": getattr(forecaster, "conformal_fallback_", None),
        "conformal_state": getattr(forecaster, "conformal_state_", None),
        "garch_input": (forecaster.garch_input_.state()[0]
                        if getattr(forecaster, "garch_input_", None) is not None else None),
        "training": forecaster.training_,
        "checkpoints": getattr(forecaster, "checkpoints_", None),
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
        forecaster.checkpoints_ = meta.get("checkpoints")  # None in bundles before 2026-12
        forecaster.quantiles_ = [float(q) for q in meta.get("quantiles", [])]
        forecaster.log_variance_ = bool(meta.get("log_variance", False))
        if meta.get("variance_floor") is not None:
            forecaster.variance_floor_ = float(meta["variance_floor"])
        if meta.get("conformal_shift") is not None:
            forecaster.conformal_shift_ = np.asarray(meta["conformal_shift"], dtype=float)
            forecaster.conformal_mode_ = str(meta.get("conformal_mode", "additive"))
            if meta.get("conformal_fallback") is not None:
                forecaster.conformal_fallback_ = float(meta["conformal_fallback"])
        if meta.get("conformal_state") is not None:  # adaptive: gamma, window, alpha, scores
            forecaster.conformal_state_ = dict(meta["conformal_state"])
            forecaster.conformal_mode_ = str(meta.get("conformal_mode", "adaptive"))
            forecaster.conformal_fallback_ = float(meta["conformal_fallback"])
        if meta.get("garch_input") is not None:  # the garch_var feature's fitted parameters
            from findeep.forecast.vol_baselines import GARCHBaseline

            forecaster.garch_input_ = GARCHBaseline.from_state(meta["garch_input"], {})
        if model["name"] in NETWORKS:
            from findeep.forecast.models.residual import LinearResidualForecaster
            from findeep.forecast.training import MemberAverage

            config = dict(model["config"])
            body_config = dict(config.pop("body"))
            body_config.pop("cell", None)
            n_features, window = body_config.pop("n_features"), body_config.pop("window")
            members = []
            for _ in range(int(model["n_members"])):
                body = build_network(model["name"], n_features=n_features, window=window,
                                     n_out=body_config["n_out"], options={
                                         k: v for k, v in body_config.items() if k != "n_out"})
                members.append(LinearResidualForecaster(body, n_features=n_features,
                                                        window=window, **config))
            network = MemberAverage(members)
            network.load_state_dict({k.removeprefix("network."): v for k, v in tensors.items()
                                     if k.startswith("network.")}, strict=True)
            forecaster.network_ = network.eval()
            forecaster.y_mean_ = np.asarray(model["target_scaling"]["mean"], dtype=float)
            forecaster.y_std_ = np.asarray(model["target_scaling"]["std"], dtype=float)
        else:
            from findeep.forecast.vol_baselines import GARCHBaseline, HARBaseline

            classes = {**BASELINE_CLASSES, "har": HARBaseline, "garch": GARCHBaseline,
                       "gjr_garch": GARCHBaseline}
            forecaster.baseline_ = classes[model["name"]].from_state(
                model["state"], {k.removeprefix("baseline."): v for k, v in tensors.items()
                                 if k.startswith("baseline.")})
    except (KeyError, TypeError, RuntimeError) as exc:
        raise BundleError(f"the forecast bundle is incomplete or does not fit its model "
                          f"({' '.join(str(exc).split())}): a damaged bundle, or one written "
                          "by an earlier findeep whose forecast network this version builds "
                          "differently — retrain it with this version.") from None
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


def quantile_column(q: float) -> str:
    """``0.05 -> 'q0.05'``: the predict_frame column of one quantile."""
    return f"q{q:g}"


def _iso(value: Any) -> str:
    return pd.Timestamp(value).isoformat()


def _history_needed(series: Series, ready: np.ndarray) -> int:
    """Rows of an asset up to and including its first forecast (window plus the features'
    warm-up), the fewest over the assets."""
    needed = [int(np.argmax(ready[first:end])) + 1 for _, first, end in series.asset_bounds()
              if ready[first:end].any()]
    return min(needed, default=0)
