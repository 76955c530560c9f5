"""A forecaster's report: how its forecasts were made (the walk-forward folds on a
timeline), how good they were out of sample (metrics, forecast against realised, rolling
information coefficient) and what trading them would have earned (equity curves with and
without costs, drawdown), from forecasts made without sight of their period only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import findeep
from findeep.forecast.backtest import HEADLINE, RULES, backtest, backtest_series
from findeep.forecast.estimator import SequenceForecaster
from findeep.forecast.jobs import check_tradable, honest_forecasts
from findeep.forecast.metrics import HEADLINE as ACCURACY_HEADLINE
from findeep.report import figures
from findeep.report.document import Document, Figure, Section, Table

ROLLING_DATES = 63  # about a quarter of trading days
MAX_SCATTER_POINTS = 2_000


def build_forecast_report(bundle: str, data_name: str, data: Any,
                          forecaster: SequenceForecaster, *, cost_bps: float,
                          compared: dict[str, dict[str, Any]] | None = None) -> Document:
    """The forecast report's document; ``compared``: the model and the baselines fitted
    beside it on the same out-of-sample dates at training (the bundle's metrics.json)."""
    honest = honest_forecasts(forecaster, data)
    sections = [_model_section(forecaster), _folds_section(forecaster, honest),
                _accuracy_section(forecaster, honest, compared)]
    if forecaster.target in ("return", "direction"):
        sections.append(_trading_section(forecaster, honest, cost_bps))
    return Document(
        title=f"Forecast report: {Path(bundle).name}",
        subtitle=(f"Forecasts of `{forecaster.target}` checked against `{data_name}` on "
                  f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} by findeep "
                  f"{findeep.__version__}: {len(honest):,} forecasts made without sight of "
                  "their period."),
        sections=sections)


def _model_section(forecaster: SequenceForecaster) -> Section:
    training = forecaster.training_
    rows = [["model", f"`{forecaster.model}`"], ["target", f"`{forecaster.target}`"],
            ["horizon", str(forecaster.horizon)], ["window", f"{forecaster.window} dates"],
            ["trained on", f"{training.get('first_date', '?')} to "
                           f"{training.get('last_date', '?')}"]]
    evaluation = getattr(forecaster, "evaluation_", None)
    if evaluation is not None:
        scheme = evaluation.scheme
        rows.append(["out-of-sample scheme", ", ".join(f"{k} {v}" for k, v in scheme.items())])
    return Section("model", "The forecaster", [Table(["field", "value"], rows)])


def _folds_section(forecaster: SequenceForecaster, honest: pd.DataFrame) -> Section:
    evaluation = getattr(forecaster, "evaluation_", None)
    section = Section("folds", "How the forecasts were made")
    last = pd.Timestamp(honest["date"].max())
    folds = []
    for fold in (evaluation.folds if evaluation is not None else []):
        folds.append((pd.Timestamp(fold["train_start"]), pd.Timestamp(fold["test_start"]),
                      pd.Timestamp(fold["test_end"]) if fold.get("test_end") else last))
    after = honest[honest["source"] == "after training"]
    if not after.empty:
        folds.append((pd.Timestamp(forecaster.training_["first_date"]),
                      pd.Timestamp(after["date"].min()), pd.Timestamp(after["date"].max())))
    if not folds:
        return section.add("No out-of-sample folds are stored in the bundle.")
    section.add(Figure(
        "timeline", "Walk-forward folds",
        "Each fold's training period (blue) and the test block it forecast (vermilion); no "
        "fold trains on a date it forecasts."
        + (" The last row is the saved model forecasting dates after its training data."
           if not after.empty else ""),
        figures.timeline_svg([(a.to_datetime64(), b.to_datetime64(), c.to_datetime64())
                              for a, b, c in folds]),
        Table(["fold", "training from", "test from", "test to"],
              [[i + 1, a.date().isoformat(), b.date().isoformat(), c.date().isoformat()]
               for i, (a, b, c) in enumerate(folds)])))
    return section


def _rolling_ic(honest: pd.DataFrame) -> pd.Series:
    known = honest.dropna(subset=["actual"])
    if known["asset"].nunique() >= 3:  # cross-sectional IC per date, then its rolling mean
        daily = known.groupby("date").apply(
            lambda g: g["prediction"].corr(g["actual"], method="spearman"),
            include_groups=False)
        return daily.rolling(ROLLING_DATES, min_periods=ROLLING_DATES // 2).mean().dropna()
    one = known.sort_values("date").set_index("date")
    return (one["prediction"].rolling(ROLLING_DATES, min_periods=ROLLING_DATES // 2)
            .corr(one["actual"]).dropna())


def _accuracy_section(forecaster: SequenceForecaster, honest: pd.DataFrame,
                      compared: dict[str, dict[str, Any]] | None = None) -> Section:
    section = Section("accuracy", "Out-of-sample accuracy")
    evaluation = getattr(forecaster, "evaluation_", None)
    if compared and len(compared) > 1:  # the model beside the baselines, as training showed
        models = list(compared)
        keys = [k for k in (*ACCURACY_HEADLINE, "dm_mean_difference", "dm_pvalue", "rows")
                if any(isinstance(compared[m].get(k), int | float)
                       and not isinstance(compared[m].get(k), bool) for m in models)]
        labels = {"dm_mean_difference": f"DM: {models[0]} loss − this",
                  "dm_pvalue": f"DM p-value (vs {models[0]})"}
        section.add(Table(["metric", *models],
                          [[labels.get(k, k), *(_compared_cell(compared[m].get(k), k)
                                                for m in models)] for k in keys],
                          caption="Beside the baselines, on the same out-of-sample dates "
                                  "(from training; a DM p-value above 0.05 means no "
                                  "difference shown)"))
    elif evaluation is not None:
        section.add(Table(["metric", "value"],
                          [[k, v] for k, v in evaluation.metrics.items()
                           if isinstance(v, int | float) and not isinstance(v, bool)],
                          caption="Metrics of the stored out-of-sample evaluation"))
    known = honest.dropna(subset=["actual"])
    if known.empty:
        return section.add("No realised values are known yet for these forecasts.")
    rng = np.random.default_rng(0)
    keep = (np.sort(rng.choice(len(known), MAX_SCATTER_POINTS, replace=False))
            if len(known) > MAX_SCATTER_POINTS else np.arange(len(known)))
    x, y = known["prediction"].to_numpy(float), known["actual"].to_numpy(float)
    bins = pd.qcut(x, 5, labels=False, duplicates="drop")
    section.add(Figure(
        "predicted-vs-realised", "Forecast against realised",
        f"Each point one forecast ({len(keep):,} sampled of {len(known):,}). The table gives "
        "the mean realised value in each fifth of the forecasts, lowest first: rising means "
        "the ranking carries information.",
        figures.scatter_svg(x[keep], y[keep], "forecast", "realised"),
        Table(["forecast quintile", "mean forecast", "mean realised", "forecasts"],
              [[int(q) + 1, float(x[bins == q].mean()), float(y[bins == q].mean()),
                int((bins == q).sum())] for q in np.unique(bins)])))
    ic = _rolling_ic(honest)
    if len(ic) >= 2:
        section.add(Figure(
            "rolling-ic", f"Rolling information coefficient ({ROLLING_DATES} dates)",
            "Correlation of forecasts with realised values over a moving window "
            "(cross-sectional rank IC averaged over the window for panels of 3+ assets, "
            "time-series correlation otherwise); above zero the forecasts carried "
            "information in that period.",
            figures.time_series_svg(ic.index.to_numpy(), {"IC": ic.to_numpy(float)}, "IC",
                                    reference=0.0),
            Table(["period", "mean IC"], [[str(period), float(v)] for period, v in
                                          ic.groupby(pd.DatetimeIndex(ic.index).year).mean()
                                          .items()])))
    return section


def _trading_section(forecaster: SequenceForecaster, honest: pd.DataFrame,
                     cost_bps: float) -> Section:
    threshold = check_tradable(forecaster)
    rule = "long-short" if honest["asset"].nunique() > 1 else "long-flat"
    net = backtest_series(honest, rule=rule, cost_bps=cost_bps, threshold=threshold)
    hold = backtest_series(honest, rule="buy-and-hold", cost_bps=cost_bps, threshold=threshold)
    dates = pd.DatetimeIndex(net.index).to_numpy()
    curves = {f"{rule}, after {cost_bps:g} bps costs": (1 + net["net"]).cumprod().to_numpy(),
              f"{rule}, before costs": (1 + net["gross"]).cumprod().to_numpy(),
              "buy-and-hold": (1 + hold["net"]).cumprod().to_numpy()}
    results = {r: backtest(honest, rule=r, cost_bps=cost_bps, threshold=threshold)
               for r in RULES}
    equity = curves[f"{rule}, after {cost_bps:g} bps costs"]
    drawdown = equity / np.maximum.accumulate(equity) - 1.0
    hold_equity = curves["buy-and-hold"]
    drawdowns = {f"{rule} after costs": drawdown,
                 "buy-and-hold": hold_equity / np.maximum.accumulate(hold_equity) - 1.0}
    return Section("trading", "Trading the forecasts", [
        f"Rules as in `findeep forecast backtest`, on the same {len(dates):,} dates and "
        f"{cost_bps:g} bps per unit of turnover.",
        Table(["metric", *results], [[k, *(results[r].get(k) for r in results)]
                                     for k in HEADLINE]),
        Figure("equity", "Equity curves",
               f"Growth of 1 under the {rule} rule with and without costs, beside "
               "buy-and-hold.",
               figures.time_series_svg(dates, curves, "growth of 1", reference=1.0,
                                       colours=_CURVE_COLOURS),
               Table(["curve", "final value", "lowest value"],
                     [[name, float(c[-1]), float(c.min())] for name, c in curves.items()])),
        Figure("drawdown", "Drawdown",
               f"Fall from the running peak of the {rule} equity after costs (and of "
               "buy-and-hold).",
               figures.time_series_svg(dates, drawdowns, "drawdown", fill_below_zero=True,
                                       colours=(_CURVE_COLOURS[0], _CURVE_COLOURS[2])),
               Table(["curve", "max drawdown", "date of the trough"],
                     [[name, float(d.min()), str(pd.Timestamp(dates[int(np.argmin(d))]).date())]
                      for name, d in drawdowns.items()])),
    ])


def _compared_cell(value: Any, key: str) -> Any:
    """A cell of the baselines table: '-' where a model has no such metric (as the command
    line shows it); a DM loss difference in three significant figures with its sign (a
    return loss difference of 5e-7 printed to 4 places read -0.0000)."""
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    if key == "dm_mean_difference" and isinstance(value, int | float):
        return f"{value:+.3g}"
    return value


# after costs, before costs, buy-and-hold: the same colour in the equity and drawdown charts
_CURVE_COLOURS = (figures.BLUE, figures.ORANGE, figures.GREEN)
