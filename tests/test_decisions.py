"""Credit decisions: the economics of cut-offs on labelled rows, saved cut-off policies,
approve/decline with reason codes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import findeep
from cli_helpers import assert_one_line_error, run
from findeep.testing import make_credit_frame


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("decisions")
    frame = make_credit_frame(1_300, seed=12).drop(columns=["applied_on"])
    frame["loan_amount"] = np.random.default_rng(0).integers(1_000, 20_000, len(frame))
    train, new = frame.iloc[:1_000], frame.iloc[1_000:]
    features = train.drop(columns=["default", "loan_amount"])
    bundle = findeep.TabularClassifier(max_epochs=3, bagging=1).fit(
        features, train["default"]).save(root / "bundle")
    other = findeep.TabularClassifier(max_epochs=1, random_state=1, bagging=1).fit(
        features, train["default"]).save(root / "other")
    new.to_csv(root / "new.csv", index=False)
    return {"bundle": bundle, "other": other, "new": root / "new.csv", "root": root}


def test_evaluate_prices_cutoffs_and_saves_the_best_as_a_policy(files) -> None:
    """--lgd/--exposure/--margin add expected loss by band, the profit-maximising cut-off
    and EMP; --policy-out keeps that cut-off tied to the bundle's weights."""
    policy = files["root"] / "policy.json"
    metrics = files["root"] / "metrics.json"
    result = run("evaluate", files["bundle"], files["new"], "--lgd", "0.45", "--exposure",
                 "loan_amount", "--margin", "0.12", "--policy-out", policy, "--out", metrics)
    assert result.exit_code == 0, result.output
    assert "expected loss by score band" in result.stdout and "EMP " in result.stdout
    economics = json.loads(metrics.read_text())["economics"]
    frame = pd.read_csv(files["new"])
    assert sum(b["exposure"] for b in economics["expected_loss"]) == pytest.approx(
        frame["loan_amount"].sum())
    best = economics["profit"]["best_profit"]
    assert best >= max(p["profit"] for p in economics["profit"]["curve"]) - 1e-9
    saved = json.loads(policy.read_text())
    assert saved["decline_at_or_above"] == pytest.approx(
        min(economics["profit"]["best_cutoff"], 1.0))


def test_predict_with_a_policy_declines_above_the_cutoff_with_reasons(files) -> None:
    """Every row at or above the cut-off is declined and says why; approvals carry none."""
    policy = files["root"] / "p2.json"
    assert run("evaluate", files["bundle"], files["new"], "--lgd", "0.9", "--margin", "0.1",
               "--policy-out", policy).exit_code == 0
    out = files["root"] / "decisions.csv"
    result = run("predict", files["bundle"], files["new"], "--policy", policy, "--out", out)
    assert result.exit_code == 0, result.output
    decided = pd.read_csv(out, keep_default_na=False)
    cutoff = json.loads(policy.read_text())["decline_at_or_above"]
    declined = decided["decision"] == "decline"
    assert 0 < declined.sum() < len(decided)
    p_event = decided["probability_1"]
    clear = (p_event - cutoff).abs() > 1e-6  # the cut-off is itself a score: CSV rounds it
    assert (declined == (p_event >= cutoff))[clear].all()
    assert (decided.loc[declined, "reason_1"].str.contains("raised the risk")).all()
    assert (decided.loc[~declined, "reason_1"] == "").all()


def test_decision_inputs_that_do_not_fit_are_one_line(files) -> None:
    """A policy made for another model, a misspelt LGD column, --policy-out without --lgd."""
    policy = files["root"] / "p3.json"
    assert run("evaluate", files["bundle"], files["new"], "--lgd", "0.5",
               "--policy-out", policy).exit_code == 0
    out = files["root"] / "x.csv"
    assert_one_line_error(run("predict", files["other"], files["new"], "--policy", policy,
                              "--out", out), "another model")
    assert not out.exists()
    assert_one_line_error(run("evaluate", files["bundle"], files["new"], "--lgd", "0.5",
                              "--exposure", "loan_amont"), "Did you mean 'loan_amount'")
    assert_one_line_error(run("evaluate", files["bundle"], files["new"], "--policy-out",
                              files["root"] / "p4.json"), "--lgd")
    assert_one_line_error(run("evaluate", files["bundle"], files["new"], "--lgd", "1.4"),
                          "lgd must be at most 1")
