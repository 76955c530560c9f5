"""Issue 12, thirty-fifth session: can the blend keep its accuracy inside CatBoost's fit time?

    OMP_WAIT_POLICY=PASSIVE python benchmarks/blend_budget_probe.py           # 22 tables, ~12 min
    python benchmarks/blend_budget_probe.py --report-only                      # from the json

The blend bundle (`--model default+catboost`) is ahead of CatBoost beyond the paired noise on
15 of the 22 real tables and behind on none, but fits in 1.22-1.96x CatBoost's wall, because
it fits CatBoost's 1,000 trees beside the network. CatBoost picks its learning rate from the
number of trees it is given, so a partner of fewer trees is a coarser CatBoost, not a cut-off
one. This probe fits, on each training fold of the 22 tables (the folds of ``blend_bundle.py``):
the network (``fit_tabular(model="default")``, timed whole), CatBoost as the bundle's partner
with its default 1,000 trees (the reference: "CatBoost's fit time"), and the same partner with
100 and 250 trees; and scores each blend (the logits averaged, half each) on the test fold.

The rule, declared before the run (this file is committed before it runs): a partner of ``n``
trees is worth building into the product if the blend with it is

- ahead of CatBoost (1,000 trees, same fold) beyond the paired noise on at least 15 of the 22
  tables and behind beyond it on none (what the 1,000-tree blend reads), and
- fitted, network and partner, within CatBoost's wall (summed over the folds) on at least 20
  of the 22 tables.

If neither n passes, the result is recorded and nothing is built.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from blend_bundle import verdict
from issue12_s31_headroom import real_tables
from probe_rule import measure_each
from sklearn.metrics import roc_auc_score

import findeep.benchmark as benchmark_module
import findeep.evaluate.partner as partner_module
from findeep.evaluate.partner import BlendPartner
from findeep.pipeline import fit_tabular

HERE = Path(__file__).resolve().parent
STORE = HERE / "results" / "blend_budget_probe.json"
REPORT = HERE / "results" / "blend_budget_probe.md"
TREES = (1000, 250, 100)
_make_baseline = partner_module.make_baseline


def partner_of(trees: int):
    def make(*args, **kwargs):
        adapter = _make_baseline(*args, **kwargs)
        adapter.model.set_params(iterations=trees)
        return adapter
    return make


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p))


def measure(name: str, frame, target: str, n_folds: int) -> dict:
    table = benchmark_module._BenchmarkTable.from_frame(frame, target, task="auto",
                                                        time_column=None, seed=0)
    folds, _ = benchmark_module._folds(table.y_codes, table.spec.task, n_folds, 0, None, False)
    record: dict = {"name": name, "folds": []}
    for train, test in folds:
        X, y, test_rows = table.X.iloc[train], table.y.iloc[train], table.X.iloc[test]
        codes = table.y_codes[test]
        fold: dict = {"auc": {}, "fit_seconds": {}}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            started = time.perf_counter()
            pipeline = fit_tabular(X, y, task="binary", model="default", seed=0, verbose=0)
            fold["fit_seconds"]["default"] = time.perf_counter() - started
            network, _ = pipeline.predict_raw(test_rows)
            fold["auc"]["default"] = float(roc_auc_score(codes, network))
            for trees in TREES:
                partner_module.make_baseline = partner_of(trees)
                try:
                    started = time.perf_counter()
                    partner = BlendPartner.fit(
                        "catboost", task="binary", frame=X.reset_index(drop=True),
                        schema=pipeline.schema, y_codes=pipeline.target.encode(y), seed=0,
                        special_values=pipeline.preprocessor.special_values)
                    fold["fit_seconds"][f"catboost{trees}"] = time.perf_counter() - started
                finally:
                    partner_module.make_baseline = _make_baseline
                p = partner.raw_prediction(test_rows, pipeline.schema)
                fold["auc"][f"catboost{trees}"] = float(roc_auc_score(codes, p))
                blend = (logit(np.asarray(network, dtype=np.float64)) + logit(p)) / 2
                fold["auc"][f"blend{trees}"] = float(roc_auc_score(codes, blend))
        record["folds"].append(fold)
    return record


def report(records: list[dict]) -> str:
    lines = ["| table | " + " | ".join(f"blend({t}) − CatBoost(1000)" for t in TREES)
             + " | fit s: network / " + " / ".join(f"CatBoost({t})" for t in TREES) + " | "
             + " | ".join(f"blend({t}) / CatBoost(1000) wall" for t in TREES) + " |",
             "|---|" + "---|" * (2 * len(TREES) + 1)]
    words = {t: [] for t in TREES}
    means = {t: [] for t in TREES}
    within = {t: 0 for t in TREES}
    for record in records:
        auc = {k: np.array([f["auc"][k] for f in record["folds"]])
               for k in record["folds"][0]["auc"]}
        fit = {k: sum(f["fit_seconds"][k] for f in record["folds"])
               for k in record["folds"][0]["fit_seconds"]}
        cells, ratios = [], []
        for t in TREES:
            delta = auc[f"blend{t}"] - auc["catboost1000"]
            words[t].append(verdict(delta))
            means[t].append(delta.mean())
            cells.append(f"{delta.mean():+.4f} ± {delta.std(ddof=1):.4f} {verdict(delta)}")
            ratio = (fit["default"] + fit[f"catboost{t}"]) / fit["catboost1000"]
            within[t] += ratio <= 1
            ratios.append(f"{ratio:.2f}x")
        lines.append(f"| {record['name']} | {' | '.join(cells)} | {fit['default']:.1f} / "
                     + " / ".join(f"{fit[f'catboost{t}']:.1f}" for t in TREES)
                     + f" | {' | '.join(ratios)} |")
    lines += ["", "| partner trees | ahead | level | behind | mean Δ AUC | fit within "
              "CatBoost(1000)'s wall | passes the rule |", "|---|---|---|---|---|---|---|"]
    for t in TREES:
        w = words[t]
        passes = w.count("ahead") >= 15 and w.count("behind") == 0 and within[t] >= 20
        lines.append(f"| {t} | {w.count('ahead')} | {w.count('level')} | {w.count('behind')} | "
                     f"{np.mean(means[t]):+.4f} | {within[t]} of {len(records)} | "
                     f"{'yes' if passes else 'no'} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default=None, help="';'-separated table names")
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    if not args.report_only:
        only = set(args.tables.split(";")) if args.tables else None
        measure_each(real_tables(only), measure, STORE)
    records = json.loads(STORE.read_text())
    REPORT.write_text(report(records))
    print(REPORT.read_text())


if __name__ == "__main__":
    main()
