"""Issue 12, thirty-ninth session: the additive path's Newton fit on at most 65,536 rows
(`models/additive.FIT_ROWS`; a seeded draw, each row weighted by rows / 65,536) instead of
every row it is given, on tables taller than that.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/additive_rows_probe.py   # ~15 min
    python benchmarks/additive_rows_probe.py --report-only

Why: the path's Hessian costs rows x width^2; a profile of a streamed 400,000-row table
(card default shape, 23 numeric columns, ~400 basis columns) spent 28 s of the call's 62 s
fitting the path twice on up to 200,000 + 64,000 rows — more than the network's whole fit.
Nothing changes where the path sees at most 65,536 rows: every one of the 22 real tables.

Two sets, the code under test against the path fitted on every row (``FIT_ROWS`` set past
the table), each pair in one run:
* in memory — `run_benchmark(models=("default",))`, 3 folds, seed 0, on the four tables of
  `validation_rounds_probe.py` (mortgages 214,144 rows, AER/Fertility 254,654, generated
  bureau and card default at 150,000);
* streamed — `train_streamed`, seeds 0 and 1, on the four tables of
  `streamed_rounds_probe.py` (Fertility, mortgages, generated bureau and card default at
  400,000), test AUC on the 20% hash-drawn test rows.

Rule, declared before the run (a change for time): (1) mean Δ AUC over the 8 table entries
(in memory: the paired fold mean; streamed: the two seeds' mean) ≥ −0.0003, no in-memory
table's paired mean below minus its fold std and no streamed table's below −0.002; (2) fit
seconds lower on every in-memory table (3 folds summed) and the streamed call's wall lower on
every streamed table (two seeds summed). Fails: ``FIT_ROWS`` is taken out again.
Results: ``results/additive_rows_probe.{json,md}``.
"""

from __future__ import annotations

import json
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import streamed_rounds_probe
import validation_rounds_probe
from probe_rule import HERE, records_command_line

import findeep.models.additive as additive_module
from findeep.benchmark import run_benchmark

STORE = HERE / "results" / "additive_rows_probe.json"
REPORT = HERE / "results" / "additive_rows_probe.md"
SEEDS = (0, 1)


def every_row():
    """The path fitted on every row it is given: the code before this change."""
    class Restore:
        def __enter__(self):
            self.real = additive_module.FIT_ROWS
            additive_module.FIT_ROWS = 10 ** 12

        def __exit__(self, *exc):
            additive_module.FIT_ROWS = self.real
    return Restore()


def in_memory_folds(frame, target) -> list[dict]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_benchmark(frame, target, models=("default",), n_folds=3, seed=0,
                               verbose=0)
    return [{"auc": f["roc_auc"], "fit_seconds": f["fit_seconds"]}
            for f in result.to_dict()["folds"]]


def measure_in_memory() -> list[dict]:
    records = []
    for name, frame, target in validation_rounds_probe.tables():
        record = {"name": name, "rows": len(frame), "set": "in memory"}
        record["capped"] = in_memory_folds(frame, target)
        with every_row():
            record["every"] = in_memory_folds(frame, target)
        print(record, flush=True)
        records.append(record)
    return records


def measure_streamed() -> list[dict]:
    records = []
    for name, frame, target in streamed_rounds_probe.tables():
        record = {"name": name, "rows": len(frame), "set": "streamed"}
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "table.parquet"
            pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path,
                           row_group_size=streamed_rounds_probe.ROW_GROUP)
            for seed in SEEDS:
                record.setdefault("capped", []).append(streamed_rounds_probe.fit(
                    path, target, seed, Path(folder) / f"c{seed}"))
                with every_row():
                    record.setdefault("every", []).append(streamed_rounds_probe.fit(
                        path, target, seed, Path(folder) / f"e{seed}"))
        print(record, flush=True)
        records.append(record)
    return records


def report(records: list[dict]) -> str:
    lines = ["| set | table | rows | every row: AUC, s | at most 65,536 rows: AUC, s | "
             "Δ AUC (paired) | bound |", "|---|---|---|---|---|---|---|"]
    deltas, worse, slower = [], [], []
    for r in records:
        old, new = r["every"], r["capped"]
        delta = np.array([n["auc"] - o["auc"] for n, o in zip(new, old, strict=True)])
        deltas.append(delta.mean())
        key = "fit_seconds" if r["set"] == "in memory" else "wall_seconds"
        old_s, new_s = (sum(f[key] for f in runs) for runs in (old, new))
        bound = (-np.std([f["auc"] for f in old], ddof=1) if r["set"] == "in memory"
                 else -0.002)
        if delta.mean() < bound:
            worse.append(r["name"])
        if new_s >= old_s:
            slower.append(f"{r['name']} ({r['set']})")
        lines.append(f"| {r['set']} | {r['name']} | {r['rows']:,} | "
                     f"{np.mean([f['auc'] for f in old]):.4f}, {old_s:.1f} | "
                     f"{np.mean([f['auc'] for f in new]):.4f}, {new_s:.1f} "
                     f"({new_s / old_s:.2f}x) | {delta.mean():+.4f} | {bound:+.4f} |")
    mean = float(np.mean(deltas))
    ok = [mean >= -0.0003 and not worse, not slower]
    lines += ["", "Seconds: in memory, `default`'s fit over the 3 folds; streamed, the whole "
              "call's wall over the two seeds.", "", "| criterion | held | measured |",
              "|---|---|---|",
              f"| 1. mean Δ ≥ −0.0003, none below its bound | {'yes' if ok[0] else 'no'} | "
              f"{mean:+.4f}; below: {', '.join(worse) or 'none'} |",
              f"| 2. faster on every table | {'yes' if ok[1] else 'no'} | slower: "
              f"{', '.join(slower) or 'none'} |", "",
              f"**Verdict: {'passes — adopted' if all(ok) else 'fails — not adopted'}.**"]
    return "\n".join(lines) + "\n"


def measure(store: Path) -> None:
    records = measure_in_memory()
    store.write_text(json.dumps(records, indent=1) + "\n")
    store.write_text(json.dumps(records + measure_streamed(), indent=1) + "\n")


def main() -> None:
    records_command_line(__doc__, measure, store=STORE, report_path=REPORT, report=report)


if __name__ == "__main__":
    main()
