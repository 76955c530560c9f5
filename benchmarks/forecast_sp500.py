"""Walk-forward forecasts of next-day S&P 500 returns: every model vs naive, linear, buy-and-hold.

Fixed protocol, chosen before looking at any test-period result and not tuned on it:
target = next-day log return of Adj.Close; inputs = default features (return, 20-day
volatility, relative volume, high-low range) over a 20-day window; refit every 504
trading days (about two years) from 2000-01-03 on a rolling window of the previous 2,520
dates (about ten years); early stopping on the latest 20% of each training window;
models at their registry defaults; seed 0. Backtests trade each model's out-of-sample
forecasts at 5 bps per unit of turnover.

    OMP_WAIT_POLICY=PASSIVE flock /tmp/findeep-bench.lock python benchmarks/forecast_sp500.py
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
import warnings
from datetime import date

import torch

from findeep.forecast import SequenceForecaster, evaluate_walk_forward

MODELS = ("naive", "linear", "lightgbm", "lstm", "gru", "tcn", "transformer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--test-start", default="2000-01-03")
    parser.add_argument("--refit-every", type=int, default=504)
    parser.add_argument("--train-window", type=int, default=2520)
    parser.add_argument("--window", type=int, default=20)
    parser.add_argument("--cost-bps", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (1: steady timings on a shared 2-core machine)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="walk-forward runs per model; fit time is their median")
    parser.add_argument("--json", default=None, help="also write every number here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore")

    rows, backtests, started = {}, {}, time.perf_counter()
    for model in args.models.split(","):
        forecaster = SequenceForecaster(date_column="Date", target="return", model=model,
                                        window=args.window, random_state=0, device="cpu")
        runs = [evaluate_walk_forward(forecaster, "sample:sp500", test_start=args.test_start,
                                      refit_every=args.refit_every,
                                      train_window=args.train_window)
                for _ in range(args.repeats)]
        evaluation = runs[0]
        identical = all(r.predictions["prediction"].equals(evaluation.predictions["prediction"])
                        for r in runs[1:])
        report = evaluation.backtest(cost_bps=args.cost_bps)
        rows[model] = {**evaluation.metrics, "identical_repeats": identical,
                       "fit_seconds": statistics.median(r.fit_seconds for r in runs),
                       "folds": len(evaluation.folds),
                       "median_best_epoch": _median([f["best_epoch"] for f in evaluation.folds])}
        backtests[model] = report
        print(f"done {model}: median {rows[model]['fit_seconds']:.1f}s fitting over "
              f"{args.repeats} run(s), identical forecasts: {identical}", flush=True)

    first = next(iter(backtests.values()))["buy-and-hold"]
    print(f"\nS&P 500 (sample:sp500), next-day log return, walk-forward {args.test_start} to "
          f"{first['end']}, refit every {args.refit_every} dates on the last "
          f"{args.train_window}; window {args.window}; {date.today()}; torch "
          f"{torch.__version__}, {args.threads} thread(s), {platform.machine()}\n")
    print("| model | RMSE | MAE | R² | dir. acc. | IC (time-series) | rank IC | fit s (all folds, "
          f"median of {args.repeats}) | median best epoch |")
    print("|---|---|---|---|---|---|---|---|---|")
    for model, m in rows.items():
        print(f"| {model} | {m['rmse']:.5f} | {m['mae']:.5f} | {m['r2']:+.4f} | "
              f"{_f(m.get('directional_accuracy'))} | {_f(m['ic'], '+.4f')} | "
              f"{_f(m['rank_ic'], '+.4f')} | {m['fit_seconds']:.1f} | {m['median_best_epoch']} |")
    print(f"\nBacktest at {args.cost_bps:g} bps per unit turnover, {first['start']} to "
          f"{first['end']} ({first['periods']} days)\n")
    print("| strategy | ann. return | ann. vol | Sharpe | max drawdown | turnover/yr | hit rate |")
    print("|---|---|---|---|---|---|---|")
    print(_bt_row("buy-and-hold", first))
    for model, report in backtests.items():
        for rule in ("long-flat", "long-short"):
            print(_bt_row(f"{model} {rule}", report[rule]))
    planted_signal_table(args)
    print(f"\ntotal wall time {time.perf_counter() - started:.0f}s")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"args": vars(args), "metrics": rows, "backtests": backtests}, handle,
                      indent=2, default=str)


def planted_signal_table(args: argparse.Namespace) -> None:
    """The same models on make_price_panel, where the best possible IC is known."""
    import numpy as np
    import pandas as pd

    from findeep.forecast import evaluate_fixed
    from findeep.forecast.metrics import ic_summary
    from findeep.testing import make_price_panel

    panel = make_price_panel(20, 500, 0, signal_strength=0.3)
    test_start = pd.Timestamp(np.sort(panel["date"].unique())[350])
    realised = np.log(panel.groupby("asset")["close"].shift(-1) / panel["close"])
    oracle = pd.DataFrame({"date": panel["date"], "asset": panel["asset"],
                           "prediction": panel["signal"], "actual": realised}).dropna()
    oracle_ic = ic_summary(oracle[oracle["date"] >= test_start])["ic"]
    panel = panel.drop(columns="signal")
    print(f"\nPlanted signal: make_price_panel(20 assets, 500 days, seed 0, signal_strength=0.3), "
          f"window 5, max 10 epochs, test from {test_start.date()} (150 dates x 20 assets); "
          f"oracle IC {oracle_ic:+.4f}\n")
    print("| model | IC | IC / oracle | rank IC | ICIR | IC p-value | fit s |")
    print("|---|---|---|---|---|---|---|")
    for model in args.models.split(","):
        if model == "naive":
            continue
        evaluation = evaluate_fixed(SequenceForecaster(asset_column="asset", model=model,
                                                       window=5, max_epochs=10),
                                    panel, test_start=test_start)
        m = evaluation.metrics
        print(f"| {model} | {m['ic']:+.4f} | {m['ic'] / oracle_ic:.2f} | {m['rank_ic']:+.4f} | "
              f"{m['icir']:+.3f} | {m['ic_pvalue']:.1e} | {evaluation.fit_seconds:.1f} |")


def _median(values: list) -> str:
    values = sorted(v for v in values if v is not None)
    return str(values[len(values) // 2]) if values else "-"


def _f(value: float | None, spec: str = ".4f") -> str:
    return "-" if value is None or value != value else format(value, spec)


def _bt_row(name: str, r: dict) -> str:
    return (f"| {name} | {r['annual_return']:+.2%} | {r['annual_volatility']:.2%} | "
            f"{r['sharpe']:+.2f} | {r['max_drawdown']:.1%} | {r['turnover']:.1f} | "
            f"{_f(r['hit_rate'], '.3f')} |")


if __name__ == "__main__":
    main()
