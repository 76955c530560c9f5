"""CPU seconds of `default` (k=2 on narrow tables), `default` with k=4 and CatBoost on the
two tall, narrow tables, same 3 folds: a load-independent check of the narrow-table rule.

    OMP_WAIT_POLICY=PASSIVE nice -n 5 python benchmarks/narrow_cpu.py

ISLR Default is a development table; credit_cards is unseen and is only timed here (the rule
was fixed on ISLR Default before this ran). CatBoost uses both cores, so its CPU seconds are
up to 2x its wall time on a quiet machine: the wall-clock ratio is the lead's quiet run.
Writes benchmarks/results/narrow_cpu.json.
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path

import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from tables import ISLR_DEFAULT, UNSEEN_TABLES

from findeep.data.schema import infer_schema
from findeep.evaluate.baselines import make_baseline, prepare_baseline_inputs
from findeep.pipeline import fit_tabular

HERE = Path(__file__).resolve().parent
MAX_ROWS = 10_000  # as unseen_tables.py


def main() -> None:
    warnings.simplefilter("ignore")
    credit_cards = next(t for t in UNSEEN_TABLES if t.item == "credit_cards")
    results = {}
    for table in (ISLR_DEFAULT, credit_cards):
        frame = table.load()
        if len(frame) > MAX_ROWS:
            frame = frame.groupby(table.target, group_keys=False).sample(
                frac=MAX_ROWS / len(frame), random_state=0).reset_index(drop=True)
        X, y = frame.drop(columns=[table.target]), frame[table.target]
        codes = pd.factorize(y, sort=True)[0]
        fit_tabular(X.iloc[::30], y.iloc[::30], verbose=0)  # untimed start-up
        inputs = prepare_baseline_inputs(X, infer_schema(X, warn=False))
        cells: dict[str, dict[str, float]] = {}
        for name in ("default", "default k=4", "catboost"):
            cpu, aucs = 0.0, []
            for train, test in StratifiedKFold(3, shuffle=True, random_state=0).split(X, codes):
                started = time.process_time()
                if name == "catboost":
                    model = make_baseline("catboost", "binary", inputs, 0)
                    model.fit(inputs.frame.iloc[train], codes[train])
                    cpu += time.process_time() - started
                    p = model.predict_proba(inputs.frame.iloc[test])[:, 1]
                else:
                    options = {"bagging": 1,  # one network, as recorded
                               **({"model_options": {"k": 4}} if name.endswith("k=4") else {})}
                    pipeline = fit_tabular(X.iloc[train], y.iloc[train], verbose=0, **options)
                    cpu += time.process_time() - started
                    p = pipeline.event_probability(pipeline.predict_raw(X.iloc[test])[0])
                aucs.append(roc_auc_score(codes[test], p))
            cells[name] = {"cpu_s": cpu, "auc": sum(aucs) / len(aucs)}
            print(table.item, name, f"cpu {cpu:.1f}s", f"auc {cells[name]['auc']:.4f}",
                  flush=True)
        results[f"{table.package}/{table.item}"] = cells
    (HERE / "results" / "narrow_cpu.json").write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
