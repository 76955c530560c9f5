"""Causal features, targets at t+h, and windows of the last W steps.

Every feature at row t is computed from rows <= t of the same asset (trailing windows
only); a target at t looks at t+h and records which row it was read from, so a split can
drop every training sample whose target lies past its cut-off. The scaler learns its
means and spreads from training rows only and is applied unchanged afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from findeep.errors import ConfigError, DataError
from findeep.forecast.series import Series

BUILTIN_FEATURES = ("return", "abs_return", "squared_return", "volatility", "volume", "range",
                    "calendar", "har", "leverage", "garch_var")
DERIVED_TARGETS = ("return", "direction", "volatility", "realized_vol", "log_volume")
HAR_SPANS = {"rv_d": 1, "rv_w": 5, "rv_m": 22}  # Corsi's daily, weekly, monthly averages
_LOG_FLOOR = 1e-8  # a squared daily log return of (0.01%)^2: keeps log() finite on still days
VOL_ESTIMATORS = ("squared", "parkinson", "garman_klass")
VOLATILITY_WINDOW = 20
_PRICE_NAMES = ("adj.close", "adj_close", "adj close", "adjclose", "adjusted", "close", "price",
                "value")
_ROLES = {"volume": ("volume", "vol"), "high": ("high",), "low": ("low",), "open": ("open",)}


@dataclass(frozen=True)
class Columns:
    """Which input columns play the price, volume, high and low roles (None when absent)."""

    price: str | None
    volume: str | None
    high: str | None
    low: str | None
    open: str | None = None


def resolve_columns(series: Series, price_column: str | None) -> Columns:
    """Find the price/volume/high/low columns by name; ``price_column`` overrides the guess."""
    names = {str(c).lower(): str(c) for c in series.frame.columns if c not in ("date", "asset")}
    if price_column is not None:
        series.column(price_column)  # raises a clear error when absent or not numeric
        price = price_column
    else:
        price = next((names[n] for n in _PRICE_NAMES if n in names), None)
    found = {role: next((names[n] for n in options if n in names), None)
             for role, options in _ROLES.items()}
    return Columns(price, found["volume"], found["high"], found["low"], found["open"])


def default_features(columns: Columns, target: str = "return") -> list[str]:
    """Returns and volatility always; volume and range when the table has those columns;
    squared returns for a realised-volatility target (so the linear path on a window of
    22 or more days contains HAR-RV, a linear function of the last 22 squared returns).

    Calendar features are opt-in: they are the same for every asset on a date, so in a
    panel they let a network memorise each date's market noise. On the synthetic panel a
    Transformer's out-of-sample IC fell from about 0.2 to 0.06 with them.
    """
    chosen = ["return", "volatility"]
    if target == "realized_vol":
        chosen.insert(1, "squared_return")
    if columns.volume:
        chosen.append("volume")
    if columns.high and columns.low:
        chosen.append("range")
    return chosen


def carry_forward(frame: pd.DataFrame, assets: np.ndarray,
                  names: list[str]) -> dict[str, tuple[int, int]]:
    """Fill, in place, each named numeric column's missing values with the same asset's
    last known value. ``frame`` is in date order within each asset, so a filled value
    comes from an earlier row only: causal, like every feature. Returns, per column with
    missing values, (filled, still missing: before the asset's first known value)."""
    counts: dict[str, tuple[int, int]] = {}
    for name in names:
        if name not in frame.columns or not pd.api.types.is_numeric_dtype(frame[name]) \
                or pd.api.types.is_bool_dtype(frame[name]):
            continue  # absent or not numeric: the step that reads it says so
        values = frame[name].to_numpy(dtype=float, na_value=np.nan)
        missing = ~np.isfinite(values)
        if not missing.any():
            continue
        filled = pd.Series(np.where(missing, np.nan, values)).groupby(
            assets, sort=False).ffill().to_numpy()
        left = int(np.isnan(filled).sum())
        counts[name] = (int(missing.sum()) - left, left)
        frame[name] = filled
    return counts


def carried_forward_message(counts: dict[str, tuple[int, int]]) -> str:
    """One sentence on what ``carry_forward`` filled and what it could not."""
    filled = [f"{n} in '{name}'" for name, (n, _) in counts.items() if n]
    left = [f"{n} in '{name}'" for name, (_, n) in counts.items() if n]
    parts = []
    if filled:
        parts.append(f"missing values carried forward from each asset's last known value: "
                     f"{', '.join(filled)}")
    if left:
        parts.append(f"missing values before an asset's first known value, left missing (rows "
                     f"whose window reaches them get no forecast): {', '.join(left)}")
    return "; ".join(parts) + "."


def _require_price(series: Series, columns: Columns, why: str) -> np.ndarray:
    if columns.price is None:
        raise DataError(f"{why} needs a price column, and none was found (looked for Close, "
                        "Adj.Close, price, value); name it with --price-column.")
    price = series.column(columns.price)
    bad = ~((price > 0) & np.isfinite(price))  # infinity too: its log return is no number
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"price column '{columns.price}' has {int(bad.sum())} value(s) that are not "
            f"positive and finite or are missing (first: {series.assets[first]} on "
            f"{pd.Timestamp(series.dates[first]).date()}, value {float(price[first]):g}); "
            f"{why} takes logarithms of prices.")
    return price


def _per_asset(series: Series, values: np.ndarray) -> pd.core.groupby.SeriesGroupBy:
    return pd.Series(values).groupby(series.assets, sort=False)


def log_returns(series: Series, columns: Columns, why: str = "a return feature") -> np.ndarray:
    """log(P_t / P_{t-1}) per asset; NaN on each asset's first row."""
    log_price = np.log(_require_price(series, columns, why))
    return (log_price - _per_asset(series, log_price).shift(1).to_numpy()).astype(float)


def feature_matrix(series: Series, features: list[str], columns: Columns,
                   garch_variance: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
                   ) -> tuple[np.ndarray, list[str]]:
    """One row per input row, one column per feature; NaN where history is too short.

    ``garch_var`` (the GJR-GARCH variance forecast known at t) needs ``garch_variance``:
    returns and assets -> that forecast, with parameters the caller fitted on training
    rows (``SequenceForecaster`` does).
    """
    blocks: list[np.ndarray] = []
    names: list[str] = []
    returns: np.ndarray | None = None
    for feature in features:
        if feature in ("return", "abs_return", "squared_return", "volatility", "har",
                       "leverage", "garch_var") and returns is None:
            returns = log_returns(series, columns, f"the '{feature}' feature")
        if feature == "return":
            blocks.append(returns)
            names.append("return")
        elif feature == "squared_return":
            blocks.append(returns ** 2)
            names.append("squared_return")
        elif feature == "abs_return":
            blocks.append(np.abs(returns))
            names.append("abs_return")
        elif feature == "volatility":
            blocks.append(_per_asset(series, returns).transform(
                lambda s: s.rolling(VOLATILITY_WINDOW).std()).to_numpy())
            names.append("volatility")
        elif feature == "har":  # log of the 1/5/22-day mean squared return (log-HAR inputs)
            for name, span in HAR_SPANS.items():
                mean = _per_asset(series, returns ** 2).transform(
                    lambda s, span=span: s.rolling(span).mean()).to_numpy()
                blocks.append(np.log(mean + _LOG_FLOOR))
                names.append(name)
        elif feature == "leverage":  # squared return on down days only: GJR's asymmetry
            with np.errstate(invalid="ignore"):
                down = np.where(returns < 0, returns ** 2, 0.0)
            blocks.append(np.where(np.isfinite(returns), down, np.nan))
            names.append("negative_squared_return")
        elif feature == "garch_var":
            if garch_variance is None:
                raise ConfigError("the 'garch_var' feature needs GJR-GARCH parameters fitted "
                                  "on training rows; use it through SequenceForecaster.")
            blocks.append(garch_variance(returns, series.assets))
            names.append("garch_var")
        elif feature == "volume":
            if columns.volume is None:
                raise DataError("the 'volume' feature needs a Volume column; none was found.")
            volume = series.column(columns.volume)
            if (volume < 0).any():
                raise DataError(f"volume column '{columns.volume}' has negative values.")
            log_volume = np.log1p(volume)
            # relative volume: today's log volume against its own trailing mean
            trailing = _per_asset(series, log_volume).transform(
                lambda s: s.rolling(VOLATILITY_WINDOW).mean()).to_numpy()
            blocks.append(log_volume - trailing)
            names.append("volume")
        elif feature == "range":
            if columns.high is None or columns.low is None:
                raise DataError("the 'range' feature needs High and Low columns; none were found.")
            high, low = series.column(columns.high), series.column(columns.low)
            with np.errstate(divide="ignore", invalid="ignore"):
                blocks.append(np.where((high > 0) & (low > 0), np.log(high / low), np.nan))
            names.append("range")
        elif feature == "calendar":
            dates = pd.DatetimeIndex(series.dates)
            day, month = dates.day_of_week.to_numpy(), dates.month.to_numpy() - 1
            blocks += [np.sin(2 * np.pi * day / 7), np.cos(2 * np.pi * day / 7),
                       np.sin(2 * np.pi * month / 12), np.cos(2 * np.pi * month / 12)]
            names += ["day_of_week_sin", "day_of_week_cos", "month_sin", "month_cos"]
        else:
            blocks.append(series.column(feature))
            names.append(feature)
    matrix = np.column_stack(blocks).astype(float) if blocks else np.zeros((len(series.frame), 0))
    matrix[~np.isfinite(matrix)] = np.nan
    return matrix, names


def check_features(features: list[str], columns: list[str]) -> None:
    """Every name is a built-in feature or a column of the data; no repeats."""
    if not features:
        raise ConfigError("features must name at least one feature.")
    unknown = [f for f in features if f not in BUILTIN_FEATURES and f not in columns]
    if unknown:
        from findeep.errors import did_you_mean

        raise ConfigError(
            f"unknown feature(s) {', '.join(repr(f) for f in unknown)}; use built-ins "
            f"{', '.join(BUILTIN_FEATURES)} or columns of the data."
            + did_you_mean(unknown[0], [*BUILTIN_FEATURES, *columns]))
    repeated = sorted({f for f in features if features.count(f) > 1})
    if repeated:
        raise ConfigError(f"feature(s) listed twice: {', '.join(repeated)}.")


@dataclass
class Targets:
    """The target of each row, the row it was read from (-1 when beyond the data), and a
    naive forecast known at t: the last value for levels, zero for returns."""

    values: np.ndarray
    source_row: np.ndarray
    naive: np.ndarray
    task: str


def build_targets(series: Series, target: str, horizon: int, columns: Columns,
                  vol_estimator: str = "squared") -> Targets:
    """Target at t from rows t+1..t+h of the same asset.

    ``realized_vol`` is the root of the mean daily variance over t+1..t+h (daily units, so
    horizons compare), the daily variance coming from ``daily_variance``.
    """
    n = len(series.frame)
    rows = np.arange(n, dtype=np.int64)
    ahead = _per_asset(series, rows.astype(float)).shift(-horizon).to_numpy()
    source_row = np.where(np.isnan(ahead), -1, ahead).astype(np.int64)
    known = source_row >= 0
    task = "binary" if target == "direction" else "regression"
    if target in ("return", "direction"):
        log_price = np.log(_require_price(series, columns, f"target '{target}'"))
        values = np.full(n, np.nan)
        values[known] = log_price[source_row[known]] - log_price[known]
        naive = np.zeros(n)
        if target == "direction":
            values = np.where(known, (values > 0).astype(float), np.nan)
            naive = np.full(n, np.nan)  # filled with the training base rate at fit time
    elif target == "realized_vol":
        variance = daily_variance(series, columns, vol_estimator)
        mean_ahead = _per_asset(series, variance).transform(
            lambda s: s.rolling(horizon).mean()).to_numpy()  # mean over (t-h, t]: known at t
        values = np.full(n, np.nan)
        values[known] = np.sqrt(mean_ahead[source_row[known]])
        naive = np.sqrt(mean_ahead)
    elif target == "log_volume":
        log_volume = log_volume_level(series, columns)
        values = np.full(n, np.nan)
        values[known] = log_volume[source_row[known]]
        naive = log_volume
    elif target == "volatility":
        squared = log_returns(series, columns, "target 'volatility'") ** 2
        summed = _per_asset(series, squared).transform(lambda s: s.rolling(horizon).sum())
        trailing = np.sqrt(summed.to_numpy())  # realised over (t-h, t]: known at t
        values = np.full(n, np.nan)
        values[known] = trailing[source_row[known]]
        naive = trailing
    else:
        level = series.column(target)
        values = np.full(n, np.nan)
        values[known] = level[source_row[known]]
        naive = level
    return Targets(values, source_row, naive, task)


def log_volume_level(series: Series, columns: Columns) -> np.ndarray:
    """log(1 + volume) per row; the ``log_volume`` target reads it ``horizon`` rows ahead."""
    if columns.volume is None:
        raise DataError("target 'log_volume' needs a Volume column; none was found.")
    volume = series.column(columns.volume)
    if (volume < 0).any():
        raise DataError(f"volume column '{columns.volume}' has negative values.")
    return np.log1p(volume)


def target_offset(series: Series, target: str, columns: Columns) -> np.ndarray:
    """What models learn the target relative to, known at t: for ``log_volume`` the
    trailing 20-day mean log volume (volume trends over decades, so its level would leave
    the scaler's range; its deviation from the recent mean does not); zero otherwise."""
    if target != "log_volume":
        return np.zeros(len(series.frame))
    level = log_volume_level(series, columns)
    return _per_asset(series, level).transform(
        lambda s: s.rolling(VOLATILITY_WINDOW).mean()).to_numpy()


def forecast_scale(series: Series, target: str, columns: Columns) -> np.ndarray:
    """The trailing 20-step spread of the target series' one-step changes, known at t (NaN
    until 20 changes exist): log returns for price targets, log volume for ``log_volume``,
    the column itself for a column target. Conformal interval shifts are in these units."""
    if target == "log_volume":
        level = log_volume_level(series, columns)
    elif target in DERIVED_TARGETS:
        level = np.log(_require_price(series, columns, f"target '{target}'"))
    else:
        level = series.column(target).astype(float)
    change = level - _per_asset(series, level).shift(1).to_numpy()
    return _per_asset(series, change).transform(
        lambda s: s.rolling(VOLATILITY_WINDOW).std()).to_numpy()


def daily_variance(series: Series, columns: Columns, estimator: str = "squared") -> np.ndarray:
    """One variance estimate per day: squared log return, or from the day's range.

    - ``squared``: r_t^2 (close to close; NaN on each asset's first row).
    - ``parkinson``: ln(H/L)^2 / (4 ln 2).
    - ``garman_klass``: 0.5 ln(H/L)^2 - (2 ln 2 - 1) ln(C/O)^2 (needs an Open column).
    """
    if estimator == "squared":
        return log_returns(series, columns, "realised volatility") ** 2
    if estimator not in VOL_ESTIMATORS:
        raise ConfigError(f"vol_estimator must be one of {', '.join(VOL_ESTIMATORS)}, however: "
                          f"{estimator=}")
    if columns.high is None or columns.low is None:
        raise DataError(f"the {estimator} volatility estimator needs High and Low columns; "
                        "none were found (use vol_estimator='squared').")
    high, low = series.column(columns.high), series.column(columns.low)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_range = np.where((high > 0) & (low > 0), np.log(high / low), np.nan)
        if estimator == "parkinson":
            return log_range ** 2 / (4 * np.log(2))
        if columns.open is None:
            raise DataError("the garman_klass volatility estimator needs an Open column; none "
                            "was found (use vol_estimator='parkinson').")
        opened = series.column(columns.open)
        close = _require_price(series, columns, "the garman_klass estimator")
        log_body = np.where(opened > 0, np.log(close / opened), np.nan)
        return np.maximum(0.5 * log_range ** 2 - (2 * np.log(2) - 1) * log_body ** 2, 0.0)


def next_period_returns(series: Series, columns: Columns) -> np.ndarray:
    """Simple return from t to t+1 of each asset: what a position held over (t, t+1] earns."""
    price = _require_price(series, columns, "a backtest")
    following = _per_asset(series, price).shift(-1).to_numpy()
    return following / price - 1.0


def window_ready(series: Series, matrix: np.ndarray, window: int) -> np.ndarray:
    """True where the last ``window`` rows of the same asset all have finite features."""
    finite = np.isfinite(matrix).all(axis=1).astype(float)
    complete = _per_asset(series, finite).transform(lambda s: s.rolling(window).sum()).to_numpy()
    return complete == window


def make_windows(matrix: np.ndarray, rows: np.ndarray, window: int) -> np.ndarray:
    """Samples ``(N, W, F)``: for each row t, rows t-W+1..t (oldest first)."""
    offsets = np.arange(-window + 1, 1)
    return matrix[rows[:, None] + offsets[None, :]].astype(np.float32)  # (N, W) -> (N, W, F)


@dataclass
class FeatureScaler:
    """Standardise each feature with the training rows' mean and spread; clip outliers.

    Clipping at ``clip`` spreads keeps a crash day from dominating a window.
    """

    mean: np.ndarray
    scale: np.ndarray
    clip: float = 5.0

    @classmethod
    def fit(cls, matrix: np.ndarray, clip: float = 5.0) -> FeatureScaler:
        finite_rows = np.isfinite(matrix).all(axis=1)
        if not finite_rows.any():
            raise DataError("no training row has every feature present; the series is too "
                            "short or a chosen column is empty.")
        fitted = matrix[finite_rows]
        scale = fitted.std(axis=0)
        return cls(fitted.mean(axis=0), np.where(scale > 0, scale, 1.0), clip)

    def transform(self, matrix: np.ndarray) -> np.ndarray:
        return np.clip((matrix - self.mean) / self.scale, -self.clip, self.clip)

    def to_dict(self) -> dict[str, Any]:
        return {"mean": self.mean.tolist(), "scale": self.scale.tolist(), "clip": self.clip}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureScaler:
        return cls(np.asarray(data["mean"], dtype=float), np.asarray(data["scale"], dtype=float),
                   float(data["clip"]))
