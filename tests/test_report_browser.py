"""The HTML reports in a real browser (headless Chromium, Debian's package, driven by
Playwright): no console error, no request beyond the file itself, every chart drawn with a
size, the page loaded in under 2 s. Also regression, multiclass and forecast reports."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

import findeep
from cli_helpers import run
from findeep.forecast import SequenceForecaster, evaluate_walk_forward
from findeep.testing import make_credit_frame, make_price_panel

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CREDIT_FIGURES = {"roc", "pr", "reliability", "score-histogram", "confusion", "gains",
                  "attribution-bars", "permutation-bars", "alone-bars", "dependence", "psi",
                  "group-rates"}
FORECAST_FIGURES = {"timeline", "predicted-vs-realised", "rolling-ic", "equity", "drawdown"}


def open_in_chromium(page_path: Path, screenshot: Path | None = None) -> dict:
    """Load a file in headless Chromium; what a person's browser would have done."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs it for this test")
        pytest.skip("chromium is not installed here (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        errors, requests = [], []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        started = time.perf_counter()
        page.goto(page_path.resolve().as_uri(), wait_until="load")
        seconds = time.perf_counter() - started
        sizes = page.eval_on_selector_all(
            "figure[data-figure]", "els => els.map(e => [e.dataset.figure, "
            "e.querySelector('svg').getBoundingClientRect().width, "
            "e.querySelector('svg').getBoundingClientRect().height])")
        if screenshot is not None:
            page.screenshot(path=str(screenshot), full_page=True)
        browser.close()
    return {"errors": errors, "requests": requests, "seconds": seconds,
            "figures": {name: (w, h) for name, w, h in sizes}}


def assert_renders(page_path: Path, expected: set[str], tmp_path: Path) -> None:
    shot = tmp_path / f"{page_path.stem}.png"
    seen = open_in_chromium(page_path, shot)
    assert seen["errors"] == []
    assert seen["requests"] == [page_path.resolve().as_uri()]  # nothing else fetched
    assert set(seen["figures"]) == expected
    assert all(w > 100 and h > 100 for w, h in seen["figures"].values()), seen["figures"]
    assert seen["seconds"] < 2.0
    assert shot.stat().st_size > 50_000  # a full page was drawn


@pytest.fixture(scope="module")
def credit(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("html")
    frame = make_credit_frame(1_300, seed=8).drop(columns=["applied_on"])
    frame["group"] = np.random.default_rng(1).choice(["a", "b"], len(frame))
    train, new = frame.iloc[:1_000], frame.iloc[1_000:]
    clf = findeep.TabularClassifier(max_epochs=3).fit(
        train.drop(columns=["default", "group"]), train["default"])
    new.to_csv(root / "new.csv", index=False)
    return {"bundle": clf.save(root / "bundle"), "new": root / "new.csv", "root": root}


def test_credit_report_opens_clean_in_a_browser(credit, tmp_path) -> None:
    """Every chart of a binary model's report, drawn, offline, fast."""
    out = credit["root"] / "report.html"
    result = run("report", credit["bundle"], credit["new"], "--out", out, "--protected",
                 "group", "--max-rows", "200")
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "http://" not in text.replace("http://www.w3.org/", "")  # only SVG namespaces
    assert "https://" not in text and "<script" not in text
    assert_renders(out, CREDIT_FIGURES, tmp_path)


def test_a_printed_report_keeps_the_numbers_behind_each_chart(credit) -> None:
    """On screen the numbers sit in a closed <details>; printed (a PDF for the committee
    pack) every chart's table shows, and each chart is named for a screen reader."""
    out = credit["root"] / "printed.html"
    assert run("report", credit["bundle"], credit["new"], "--out", out, "--max-rows",
               "200").exit_code == 0
    if CHROMIUM is None:
        pytest.skip("chromium is not installed here (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(out.resolve().as_uri(), wait_until="load")
        gains = "figure[data-figure='gains'] details table"
        on_screen = page.is_visible(gains)
        page.emulate_media(media="print")
        printed = page.is_visible(gains)
        labels = page.eval_on_selector_all("figure[data-figure] svg",
                                           "els => els.map(e => e.getAttribute('aria-label'))")
        browser.close()
    assert not on_screen and printed
    assert labels and all(labels)


def test_regression_and_multiclass_reports_draw_their_own_charts(tmp_path) -> None:
    """A regression shows predicted-vs-actual and residuals; a multiclass model per-class
    ROC curves and its confusion matrix."""
    frame = make_credit_frame(900, seed=9).drop(columns=["applied_on", "default"])
    frame = frame.dropna(subset=["income"])
    reg = findeep.TabularRegressor(max_epochs=2).fit(frame.drop(columns=["income"]),
                                                      frame["income"])
    frame["band"] = np.digitize(frame["debt_to_income"], [15, 30]).astype(str)
    multi = findeep.TabularClassifier(max_epochs=2).fit(
        frame.drop(columns=["band", "debt_to_income", "income"]), frame["band"])
    data = tmp_path / "data.csv"
    frame.to_csv(data, index=False)
    for bundle, name, expected in (
            (reg.save(tmp_path / "reg"), "reg", {"predicted-vs-actual", "residuals",
                                                   "attribution-bars", "permutation-bars",
                                                   "alone-bars", "dependence", "psi"}),
            (multi.save(tmp_path / "multi"), "multi", {"per-class-roc", "confusion",
                                                       "attribution-bars", "permutation-bars",
                                                       "alone-bars", "dependence", "psi"})):
        out = tmp_path / f"{name}.html"
        result = run("report", bundle, data, "--out", out, "--max-rows", "150")
        assert result.exit_code == 0, result.output
        assert_renders(out, expected, tmp_path)


def test_forecast_report_shows_folds_accuracy_and_trading(tmp_path) -> None:
    """findeep forecast report: folds timeline, forecast vs realised, rolling IC, equity
    with and without costs, drawdown — from out-of-sample forecasts only."""
    panel = make_price_panel(n_assets=1, n_days=700, seed=3).drop(columns=["asset"])
    data = tmp_path / "prices.csv"
    panel.to_csv(data, index=False)
    forecaster = SequenceForecaster(model="linear", window=10, date_column="date")
    evaluation = evaluate_walk_forward(forecaster, panel, refit_every=120)
    bundle = forecaster.fit(panel).save(tmp_path / "fc", evaluation=evaluation)
    out = tmp_path / "forecast.html"
    result = run("forecast", "report", bundle, data, "--out", out, "--cost-bps", "10")
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "after 10 bps costs" in text and "before costs" in text
    assert_renders(out, FORECAST_FIGURES, tmp_path)
    md = tmp_path / "forecast.md"
    assert run("forecast", "report", bundle, data, "--out", md).exit_code == 0
    assert "### Walk-forward folds" in md.read_text()


def test_tally_report_opens_clean_in_a_browser(tmp_path) -> None:
    """`findeep tally --report`: one chart per opponent, every table a bar, nothing fetched."""
    from findeep.evaluate.tally import tally
    from findeep.report import write_tally_report

    def result(data: str, shift: float) -> dict:
        folds = [{"fold": i, "model": m, "roc_auc": 0.8 + i / 100 + (shift if m == "default"
                                                                      else 0.0),
                  "fit_seconds": 1.0} for m in ("default", "logreg") for i in range(3)]
        return {"data": data, "target": "y", "seed": 0, "task": "binary", "split": "3-fold",
                "models": ["default", "logreg"], "folds": folds,
                "summary": {m: {"roc_auc_mean": 0.81} for m in ("default", "logreg")}}

    tallies = tally([(f"{i}.json", result(f"table{i}.csv", shift))
                     for i, shift in enumerate([0.02, -0.01, 0.0, 0.005])])
    page = tmp_path / "tally.html"
    written = write_tally_report(tallies, page, ["findeep", "tally", "runs/*.json"])
    assert written["figures"] == 2
    seen = open_in_chromium(page)
    assert seen["errors"] == []
    assert seen["requests"] == [page.resolve().as_uri()]  # nothing else fetched
    assert set(seen["figures"]) == {"against-best-baseline", "against-logreg"}
    assert all(w > 100 and h > 100 for w, h in seen["figures"].values()), seen["figures"]


def test_text_reports_open_clean_in_a_browser(tmp_path) -> None:
    """A text model's page: its task's charts, the words that move the score (each class's
    for a multiclass model), each column alone."""
    import warnings

    from findeep.testing import make_text_credit_frame, make_text_frame
    from findeep.text.bundle import save_text_model
    from findeep.text.pipeline import fit_text

    cases = (("loans", make_text_credit_frame, "default",
              {"roc", "pr", "reliability", "score-histogram", "confusion", "gains", "word-bars",
               "alone-bars", "psi"}),
             ("news", make_text_frame, "sentiment",
              {"per-class-roc", "confusion", "words-negative", "words-neutral",
               "words-positive", "alone-bars", "psi"}))
    for name, make, target, expected in cases:
        frame = make(500, seed=3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pipeline = fit_text(frame.drop(columns=[target]), frame[target], verbose=0,
                                max_epochs=8)
        bundle = save_text_model(pipeline, tmp_path / name)
        data = tmp_path / f"{name}.csv"
        make(300, seed=4).to_csv(data, index=False)
        out = tmp_path / f"{name}.html"
        result = run("report", bundle, data, "--out", out, "--max-rows", "60")
        assert result.exit_code == 0, result.output
        assert_renders(out, expected, tmp_path)
