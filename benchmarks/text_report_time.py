"""How long `findeep report` takes on a text bundle, and the picture in docs/report.md.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/text_report_time.py   # ~3 min
    -> results/text_report_time.json, docs/images/text-report.png (synthetic data only)

Two bundles (text-cnn, the recipe's defaults): the synthetic credit table with a free-text
purpose (`findeep.testing.make_text_credit_frame`, 4,000 training rows, the report on 1,000
new ones) and Financial PhraseBank's 50% agreement file (benchmarks only; trained on 90% of
its rows, the report on the other 10%, seed 0). Each report is written three times (HTML);
the median wall time is kept, with the share its word attributions take (one run timed by
stage). The picture is the synthetic table's word section, drawn by headless Chromium.
"""

from __future__ import annotations

import json
import shutil
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from findeep.report import write_report
from findeep.testing import make_text_credit_frame
from findeep.text.bundle import save_text_model
from findeep.text.pipeline import fit_text

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
IMAGE = ROOT / "docs" / "images" / "text-report.png"


def phrasebank():
    from text_phrasebank import load  # benchmarks/: the loader the text benchmarks use

    return load("50Agree")


def timed_reports(bundle: Path, data: Path, out: Path) -> dict:
    walls = []
    for _ in range(3):
        started = time.perf_counter()
        write_report(bundle, data, out, force=True)
        walls.append(time.perf_counter() - started)
    stages: dict[str, float] = {}
    last = [None, time.perf_counter()]

    def on_stage(label: str) -> None:
        now = time.perf_counter()
        if last[0] is not None:
            stages[last[0]] = stages.get(last[0], 0.0) + now - last[1]
        last[0], last[1] = label, now

    started = time.perf_counter()
    summary = write_report(bundle, data, out, force=True, on_stage=on_stage)
    on_stage("end")
    return {"median_seconds": round(statistics.median(walls), 2),
            "runs": [round(w, 2) for w in walls],
            "stages": {k: round(v, 2) for k, v in stages.items()},
            "staged_run_seconds": round(time.perf_counter() - started, 2),
            "figures": summary["figures"], "bytes": summary["bytes"]}


def picture(page_path: Path) -> None:
    """The page's word section (the words each way, the examples), as a reader sees it."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(page_path.resolve().as_uri(), wait_until="load")
        page.locator("section#drivers").screenshot(path=str(IMAGE))
        browser.close()


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="text-report-"))
    results = {}
    synthetic_train, synthetic_new = (make_text_credit_frame(4_000, seed=0),
                                      make_text_credit_frame(1_000, seed=1))
    bank = phrasebank()
    test = np.random.default_rng(0).random(len(bank)) < 0.1
    cases = {"synthetic credit, free-text purpose (binary)":
             (synthetic_train, synthetic_new, "default"),
             "PhraseBank 50Agree (3 classes)": (bank[~test], bank[test], "sentiment")}
    for name, (train, new, target) in cases.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            started = time.perf_counter()
            pipeline = fit_text(train.drop(columns=[target]), train[target], verbose=0)
            fit_seconds = time.perf_counter() - started
        bundle = save_text_model(pipeline, work / f"bundle-{len(results)}")
        data = work / f"data-{len(results)}.csv"
        new.to_csv(data, index=False)
        out = work / f"report-{len(results)}.html"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = timed_reports(bundle, data, out)
        results[name] = {"training_rows": len(train), "report_rows": len(new),
                         "fit_seconds": round(fit_seconds, 1), **found}
        print(name, results[name])
        if name.startswith("synthetic"):
            picture(out)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "text_report_time.json").write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
