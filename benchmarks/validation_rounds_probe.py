"""Issue 12, thirty-eighth session: early stopping that looks at the validation rows every
32,768 training rows (`trainer.ROUND_ROWS`) instead of once a pass, on tables taller than that.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/validation_rounds_probe.py   # ~15 min
    python benchmarks/validation_rounds_probe.py --report-only

Why: on a generated 150,000-row bureau table `default` fitted in 1.55x CatBoost's time
(`large_table_fit_check.py`): its one network was best after 2 passes over 80,000 rows and
then trained 3 more for patience. Looked at every round of 32,768 rows, patience costs a
fraction of a pass. Nothing changes where a pass holds at most a round (every one of the 22
real tables under the issue's protocol: at most ~16,000 fit rows; `tests/train/
test_validation_rounds.py` pins that a table within a round looks once a pass).

Four tall tables, all rows, 3 folds (seed 0), `run_benchmark`: `default` with rounds (the
code under test) and CatBoost, then `default` with one look a pass (``ROUND_ROWS`` set past
the table) on the same folds —
* ``causaldata/mortgages`` at its full 214,144 rows (the panel scores a 30,000-row sample),
  home ownership from birth state, quarter and veteran status (`tables.py`'s columns);
* ``AER/Fertility``, 254,654 mothers, a third child or not, from the first two children's
  sex, age and work (race columns dropped as elsewhere in the panel);
* ``bureau_150k`` and ``card_default_150k``, generated (`large_table_fit_check.py`).

Rule, declared before the run (a change for time): (1) mean per-table Δ AUC ≥ −0.0005 and no
table below minus its fold std (one look a pass as the reference); (2) `default`'s fit faster
on every table. Results: ``results/validation_rounds_probe.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np
from large_table_fit_check import bureau_150k, card_default_30k
from probe_rule import HERE
from tables import Table

import findeep.train.trainer as trainer_module
from findeep.benchmark import run_benchmark

STORE = HERE / "results" / "validation_rounds_probe.json"
REPORT = HERE / "results" / "validation_rounds_probe.md"
MORTGAGES = Table("causaldata", "mortgages", "home_ownership", ("nonwhite",), "")
FERTILITY = Table("AER", "Fertility", "morekids", ("afam", "hispanic", "other"), "")


def tables():
    yield "causaldata/mortgages (all rows)", MORTGAGES.load(), "home_ownership"
    yield "AER/Fertility", FERTILITY.load(), "morekids"
    yield "bureau_150k (generated)", bureau_150k(np.random.default_rng(0)), "y"
    yield ("card_default_150k (generated)", card_default_30k(np.random.default_rng(0), 150_000),
           "y")


def folds_of(frame, target, models):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_benchmark(frame, target, models=models, n_folds=3, seed=0, verbose=0)
    return result.to_dict()["folds"]


def measure(name, frame, target) -> dict:
    record = {"name": name, "rows": len(frame), "columns": frame.shape[1] - 1}
    started = time.perf_counter()
    for fold in folds_of(frame, target, ("default", "catboost")):
        key = "rounds" if fold["model"] == "default" else "catboost"
        record.setdefault(key, []).append({"auc": fold["roc_auc"],
                                           "fit_seconds": fold["fit_seconds"]})
    real = trainer_module.ROUND_ROWS
    trainer_module.ROUND_ROWS = 10 ** 12  # one look a pass: the code before this change
    try:
        record["passes"] = [{"auc": f["roc_auc"], "fit_seconds": f["fit_seconds"]}
                            for f in folds_of(frame, target, ("default",))]
    finally:
        trainer_module.ROUND_ROWS = real
    print(f"{name}: {time.perf_counter() - started:.0f} s", flush=True)
    return record


def report(records: list[dict]) -> str:
    lines = ["| table | rows | one look a pass: AUC, fit s | rounds: AUC, fit s | Δ AUC (paired) "
             "| fold std | CatBoost: AUC, fit s |", "|---|---|---|---|---|---|---|"]
    deltas, worse, slower = [], [], []
    for r in records:
        old = np.array([f["auc"] for f in r["passes"]])
        new = np.array([f["auc"] for f in r["rounds"]])
        cat = np.array([f["auc"] for f in r["catboost"]])
        old_s, new_s, cat_s = (sum(f["fit_seconds"] for f in r[k])
                               for k in ("passes", "rounds", "catboost"))
        delta = new - old
        deltas.append(delta.mean())
        if delta.mean() < -old.std(ddof=1):
            worse.append(r["name"])
        if new_s >= old_s:
            slower.append(r["name"])
        lines.append(f"| {r['name']} | {r['rows']:,} | {old.mean():.4f}, {old_s:.1f} | "
                     f"{new.mean():.4f}, {new_s:.1f} ({new_s / old_s:.2f}x) | "
                     f"{delta.mean():+.4f} ± {delta.std(ddof=1):.4f} | {old.std(ddof=1):.4f} | "
                     f"{cat.mean():.4f}, {cat_s:.1f} (rounds {new_s / cat_s:.2f}x, one look "
                     f"a pass {old_s / cat_s:.2f}x) |")
    deltas = np.array(deltas)
    ok = [deltas.mean() >= -0.0005 and not worse, not slower]
    lines += ["", "| criterion | held | measured |", "|---|---|---|",
              f"| 1. mean Δ ≥ −0.0005, none below minus its fold std | "
              f"{'yes' if ok[0] else 'no'} | {deltas.mean():+.4f}; below: "
              f"{', '.join(worse) or 'none'} |",
              f"| 2. fit faster on every table | {'yes' if ok[1] else 'no'} | slower: "
              f"{', '.join(slower) or 'none'} |", "",
              f"Rule: **{'passes' if all(ok) else 'fails'}**."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report-only", action="store_true")
    if not parser.parse_args().report_only:
        records = []
        for name, frame, target in tables():
            records.append(measure(name, frame, target))
            STORE.write_text(json.dumps(records, indent=1))
    REPORT.write_text(report(json.loads(STORE.read_text())))
    print(REPORT.read_text())


if __name__ == "__main__":
    main()
