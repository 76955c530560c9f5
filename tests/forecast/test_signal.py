"""On a panel with a planted signal the models find it; on pure noise they find nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from findeep.forecast import ForecastEvaluation, SequenceForecaster, evaluate_fixed
from findeep.forecast.metrics import ic_summary
from findeep.testing import make_price_panel

N_ASSETS, N_DAYS, TEST_FROM = 20, 500, 350
NETWORKS = ("lstm", "gru", "tcn", "transformer")


def _split(signal_strength: float, seed: int) -> tuple[pd.DataFrame, pd.Timestamp, float]:
    panel = make_price_panel(N_ASSETS, N_DAYS, seed, signal_strength=signal_strength)
    test_start = pd.Timestamp(np.sort(panel["date"].unique())[TEST_FROM])
    # the oracle forecasts with the planted signal itself, on the same test dates
    realised = np.log(panel.groupby("asset")["close"].shift(-1) / panel["close"])
    oracle = pd.DataFrame({"date": panel["date"], "asset": panel["asset"],
                           "prediction": panel["signal"], "actual": realised}).dropna()
    oracle_ic = ic_summary(oracle[oracle["date"] >= test_start])["ic"]
    return panel.drop(columns="signal"), test_start, oracle_ic


def _evaluate(panel: pd.DataFrame, test_start: pd.Timestamp, model: str) -> ForecastEvaluation:
    # 5 epochs: each network's IC on the planted panel was 0.21-0.26 against the oracle's 0.28
    # (0.21-0.27 with 10 epochs, at twice the CPU), so the half-the-oracle bar (0.14) still
    # has room; the data and the bars are unchanged
    forecaster = SequenceForecaster(asset_column="asset", model=model, window=5, max_epochs=5)
    return evaluate_fixed(forecaster, panel, test_start=test_start)


@pytest.fixture(scope="module")
def planted() -> tuple[dict[str, ForecastEvaluation], float]:
    panel, test_start, oracle_ic = _split(signal_strength=0.3, seed=0)
    return {m: _evaluate(panel, test_start, m) for m in (*NETWORKS, "linear")}, oracle_ic


def test_oracle_ic_is_weak_but_real(planted):
    """The planted signal is a weak edge (IC well under 0.5) yet clearly above zero."""
    _, oracle_ic = planted
    assert 0.15 < oracle_ic < 0.5


@pytest.mark.parametrize("model", NETWORKS)
def test_sequence_models_recover_at_least_half_the_oracle_ic(planted, model):
    """Out-of-sample IC of each sequence network is >= half the oracle's and far from zero."""
    evaluations, oracle_ic = planted
    metrics = evaluations[model].metrics
    assert metrics["ic"] >= 0.5 * oracle_ic, (model, metrics["ic"], oracle_ic)
    assert metrics["ic_pvalue"] < 1e-6
    assert metrics["rank_ic"] > 0.0


def test_every_model_forecasts_the_same_test_rows(planted):
    """Models are compared on identical (asset, date) rows."""
    evaluations, _ = planted
    keys = {m: tuple(map(tuple, e.predictions[["asset", "date"]].to_numpy()))
            for m, e in evaluations.items()}
    assert len(set(keys.values())) == 1
    assert len(next(iter(keys.values()))) == N_ASSETS * (N_DAYS - TEST_FROM)


def test_on_pure_noise_ic_is_indistinguishable_from_zero():
    """With no planted signal, a network's out-of-sample IC fails a t-test against zero."""
    panel, test_start, oracle_ic = _split(signal_strength=0.0, seed=1)
    metrics = _evaluate(panel, test_start, "gru").metrics
    assert abs(oracle_ic) < 0.05
    assert metrics["ic_pvalue"] > 0.01, metrics
    assert abs(metrics["ic"]) < 0.05
