"""The blend to deploy (`findeep train --model default+catboost`) on issue 12's 22 real tables:
does the bundle score what the benchmark's blend row promised, and what does it cost?

    OMP_WAIT_POLICY=PASSIVE python benchmarks/blend_bundle.py            # all 22 tables
    python benchmarks/blend_bundle.py --tables "sample:credit;ISLR/Caravan"  # some of them
    python benchmarks/blend_bundle.py --report-only                        # from the stored json
    OMP_WAIT_POLICY=PASSIVE python benchmarks/blend_bundle.py --store blend_calibration
        # the same fits again into results/blend_calibration.{json,md}, with the report of
        # how well each part's probabilities are calibrated (log-loss, Brier, ECE)

Every real table on the folds of the thirtieth and thirty-first sessions' runs (the
benchmark's folds with seed 0: development tables 3 stratified folds, unseen sets
``n_folds_for``, tables over 10,000 rows sampled as ``unseen_tables.py`` samples them), the
rows and columns ``run_benchmark`` gives its models (``_BenchmarkTable``). On each training
fold one ``fit_tabular(model="default+catboost", seed=0)`` — what `findeep train --model
default+catboost` fits — and from that one pipeline three held-out predictions: the bundle's
blend (``predict_raw``), its network alone (the partner set aside: exactly `default`, the
same fit) and its CatBoost part alone. Comparisons use BENCHMARKS.md's paired rule (a
difference counts only beyond one standard deviation of its per-fold differences), against
the CatBoost part. The thirty-first session's headroom run, with CatBoost fitted by the
benchmark on the same folds, is the reference these should reproduce: `default` ahead 11 /
level 8 / behind 3 (+0.0044), `default` and CatBoost half each ahead 15 / level 7 / behind 0
(+0.0060). Also recorded per table: the fit seconds of the network and of CatBoost, and the
seconds to score the test fold with the network alone and with the blend; and (thirty-fourth
session on) the whole fit's wall and CatBoost fitted alone on the same rows right after it, for
the bundle's fit-time ratio (``fit_report``).
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from issue12_s31_headroom import real_tables
from probe_rule import measure_each
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

import findeep.benchmark as benchmark_module
from findeep.evaluate.metrics import expected_calibration_error
from findeep.evaluate.partner import BlendPartner
from findeep.pipeline import fit_tabular

HERE = Path(__file__).resolve().parent
STORE = HERE / "results" / "blend_bundle.json"
REPORT = HERE / "results" / "blend_bundle.md"
PARTS = ("blend", "default", "catboost")
CALIBRATION = ("log_loss", "brier", "ece")


def measure(name: str, frame, target: str, n_folds: int) -> dict:
    table = benchmark_module._BenchmarkTable.from_frame(frame, target, task="auto",
                                                        time_column=None, seed=0)
    folds, _ = benchmark_module._folds(table.y_codes, table.spec.task, n_folds, 0, None, False)
    record: dict = {"name": name, "folds": []}
    for train, test in folds:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            started = time.perf_counter()
            pipeline = fit_tabular(table.X.iloc[train], table.y.iloc[train], task="binary",
                                   model="default+catboost", seed=0, verbose=0)
            blend_wall = time.perf_counter() - started
            # CatBoost alone on the same rows and inputs, for the blend's fit-time ratio
            started = time.perf_counter()
            BlendPartner.fit("catboost", task="binary",
                             frame=table.X.iloc[train].reset_index(drop=True),
                             schema=pipeline.schema,
                             y_codes=pipeline.target.encode(table.y.iloc[train]), seed=0,
                             special_values=pipeline.preprocessor.special_values)
            catboost_alone = time.perf_counter() - started
            test_rows = table.X.iloc[test]
            started = time.perf_counter()
            blend, _ = pipeline.predict_raw(test_rows)
            blend_seconds = time.perf_counter() - started
            partner, pipeline.partner = pipeline.partner, None
            started = time.perf_counter()
            network, _ = pipeline.predict_raw(test_rows)
            network_seconds = time.perf_counter() - started
            catboost = partner.raw_prediction(test_rows, pipeline.schema)
        codes = table.y_codes[test]
        parts = {"blend": blend, "default": network, "catboost": catboost}
        record["folds"].append({
            "rows": len(test),
            "auc": {part: float(roc_auc_score(codes, p)) for part, p in parts.items()},
            "log_loss": {part: float(log_loss(codes, np.clip(p, 1e-12, 1 - 1e-12)))
                         for part, p in parts.items()},
            "brier": {part: float(brier_score_loss(codes, p)) for part, p in parts.items()},
            "ece": {part: expected_calibration_error(codes, p) for part, p in parts.items()},
            "fit_seconds": {"default": float(pipeline.training["seconds"]),
                            "catboost": float(pipeline.training["blend"]["partner_fit_seconds"]),
                            "blend_wall": blend_wall, "catboost_alone": catboost_alone},
            "score_seconds": {"default": network_seconds, "blend": blend_seconds},
        })
    return record


def verdict(delta: np.ndarray) -> str:
    mean, std = delta.mean(), delta.std(ddof=1)
    return "ahead" if mean > std else "behind" if mean < -std else "level"


def report(records: list[dict]) -> str:
    lines = [
        "| table | default − CatBoost | blend − CatBoost | blend − default | fit s: network / "
        "CatBoost | scoring: blend / network |",
        "|---|---|---|---|---|---|",
    ]
    tallies = {"default": [], "blend": []}
    blend_vs_default = []
    for record in records:
        auc = {part: np.array([f["auc"][part] for f in record["folds"]])
               for part in ("blend", "default", "catboost")}
        cells = []
        for part in ("default", "blend"):
            delta = auc[part] - auc["catboost"]
            tallies[part].append((delta.mean(), verdict(delta)))
            cells.append(f"{delta.mean():+.4f} ± {delta.std(ddof=1):.4f} {verdict(delta)}")
        gain = auc["blend"] - auc["default"]
        blend_vs_default.append((gain.mean(), verdict(gain)))
        cells.append(f"{gain.mean():+.4f} ± {gain.std(ddof=1):.4f} {verdict(gain)}")
        fit = {m: sum(f["fit_seconds"][m] for f in record["folds"]) for m in ("default",
                                                                                "catboost")}
        score = {m: sum(f["score_seconds"][m] for f in record["folds"]) for m in ("default",
                                                                                  "blend")}
        lines.append(f"| {record['name']} | {' | '.join(cells)} | {fit['default']:.1f} / "
                     f"{fit['catboost']:.1f} | {score['blend'] / score['default']:.1f}x |")
    lines += ["", "| against CatBoost (its part of the same fit) | ahead | level | behind | "
              "mean Δ AUC |", "|---|---|---|---|---|"]
    for part, label in (("default", "default (the network alone)"),
                        ("blend", "the bundle's blend")):
        words = [v for _, v in tallies[part]]
        lines.append(f"| {label} | {words.count('ahead')} | {words.count('level')} | "
                     f"{words.count('behind')} | {np.mean([m for m, _ in tallies[part]]):+.4f} |")
    words = [v for _, v in blend_vs_default]
    lines.append(f"| the blend against default | {words.count('ahead')} | "
                 f"{words.count('level')} | {words.count('behind')} | "
                 f"{np.mean([m for m, _ in blend_vs_default]):+.4f} |")
    return "\n".join(lines) + "\n"


def calibration_report(records: list[dict]) -> str:
    """Per table, each part's mean log-loss, Brier score and expected calibration error
    (10 bins) over its folds; then how often the blend is better than each part beyond the
    paired noise (lower is better for all three)."""
    lines = ["| table | log-loss: blend / default / CatBoost | Brier: blend / default / "
             "CatBoost | ECE: blend / default / CatBoost |", "|---|---|---|---|"]
    tallies: dict[tuple[str, str], list[str]] = {}
    for record in records:
        cells = []
        for metric in CALIBRATION:
            values = {part: np.array([f[metric][part] for f in record["folds"]])
                      for part in PARTS}
            cells.append(" / ".join(f"{values[p].mean():.4f}" for p in PARTS))
            for other in ("default", "catboost"):
                tallies.setdefault((metric, other), []).append(
                    verdict(values[other] - values["blend"]))  # > 0: the blend lower
        lines.append(f"| {record['name']} | {' | '.join(cells)} |")
    lines += ["", "| the blend's metric lower (better) than | beyond the noise | level | "
              "higher beyond it |", "|---|---|---|---|"]
    for (metric, other), words in tallies.items():
        lines.append(f"| {other}'s {metric} | {words.count('ahead')} | {words.count('level')}"
                     f" | {words.count('behind')} |")
    return "\n".join(lines) + "\n"


def fit_report(records: list[dict]) -> str:
    """The bundle's whole fit (network and CatBoost, side by side since the thirty-fourth
    session) against CatBoost fitted alone on the same rows, summed over each table's
    folds."""
    lines = ["| table | bundle fit s | CatBoost alone s | ratio |", "|---|---|---|---|"]
    ratios = []
    for record in records:
        wall = sum(f["fit_seconds"]["blend_wall"] for f in record["folds"])
        alone = sum(f["fit_seconds"]["catboost_alone"] for f in record["folds"])
        ratios.append(wall / alone)
        lines.append(f"| {record['name']} | {wall:.1f} | {alone:.1f} | {wall / alone:.2f}x |")
    ratios = np.array(ratios)
    lines += ["", f"Median {np.median(ratios):.2f}x, range {ratios.min():.2f}–"
              f"{ratios.max():.2f}x; at or under CatBoost's wall on {(ratios <= 1).sum()} of "
              f"{len(ratios)} tables."]
    return "\n".join(lines) + "\n"


def main() -> None:
    global STORE, REPORT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default=None, help="';'-separated table names")
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--store", default=None,
                        help="name of the results file pair instead of blend_bundle")
    args = parser.parse_args()
    if args.store:
        STORE = HERE / "results" / f"{args.store}.json"
        REPORT = HERE / "results" / f"{args.store}.md"
    if not args.report_only:
        only = set(args.tables.split(";")) if args.tables else None
        measure_each(real_tables(only), measure, STORE)
    records = json.loads(STORE.read_text())
    text = report(records)
    if all("log_loss" in f for r in records for f in r["folds"]):
        text += "\n" + calibration_report(records)
    if all("blend_wall" in f["fit_seconds"] for r in records for f in r["folds"]):
        text += "\n" + fit_report(records)
    REPORT.write_text(text)
    print(REPORT.read_text())


if __name__ == "__main__":
    main()
