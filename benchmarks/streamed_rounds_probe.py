"""Issue 12, thirty-ninth session: streamed training (`findeep train --stream`) that looks at
the validation rows every round of a pass (`trainer.ROUND_ROWS` = 32,768 rows, or as many as
the validation rows if more), as in-memory training has since the thirty-eighth session,
instead of once a pass.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/streamed_rounds_probe.py   # ~30 min
    python benchmarks/streamed_rounds_probe.py --report-only

Why: streaming is for tables taller than memory, where a pass is longest; with one look a
pass, patience costs whole passes. Four tall tables written as Parquet (row groups of 16,384
rows), `findeep.streamed.train_streamed` with its defaults (`default` model, one network
and its additive path, 20% hash-drawn test rows, 20% of the rest validating), seeds 0 and
1, once with rounds (the code under test) and once with one look a pass (``ROUND_ROWS`` set
past the table: the code before it):
* ``AER/Fertility`` (254,654 mothers; the columns of `validation_rounds_probe.py`);
* ``causaldata/mortgages`` at its full 214,144 rows;
* ``bureau_400k`` and ``card_default_400k``, generated as in `large_table_fit_check.py`.

Rule, declared before the run (a change for time): (1) test AUC: mean Δ over the 8 runs
≥ −0.0005 and no table's two-seed mean Δ below −0.003 (one test split of 43,000-80,000 rows
a run); (2) the training loop's seconds lower on every table (two seeds summed) and the
whole call's wall seconds lower over the four tables. Fails: the streamed rounds are taken
out again (commit 8c11d42 reverted). Results: ``results/streamed_rounds_probe.{json,md}``.
"""

from __future__ import annotations

import json
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from large_table_fit_check import bureau_150k, card_default_30k
from probe_rule import HERE, records_command_line
from validation_rounds_probe import FERTILITY, MORTGAGES

import findeep.train.trainer as trainer_module
from findeep.streamed import train_streamed

STORE = HERE / "results" / "streamed_rounds_probe.json"
REPORT = HERE / "results" / "streamed_rounds_probe.md"
ROW_GROUP = 16_384
SEEDS = (0, 1)


def tables():
    yield "AER/Fertility", FERTILITY.load(), "morekids"
    yield "causaldata/mortgages (all rows)", MORTGAGES.load(), "home_ownership"
    yield "bureau_400k (generated)", bureau_150k(np.random.default_rng(0), 400_000), "y"
    yield ("card_default_400k (generated)",
           card_default_30k(np.random.default_rng(0), 400_000), "y")


def fit(path: Path, target: str, seed: int, out: Path) -> dict:
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = train_streamed(path, target=target, out=out, seed=seed, verbose=0)
    training = report["training"]
    return {"auc": report["test"]["roc_auc"], "loop_seconds": training["seconds"],
            "wall_seconds": time.perf_counter() - started, "best_epoch": training["best_epoch"],
            "epochs_run": training["epochs_run"], "epoch_rows": training.get("epoch_rows", 0),
            "fit_rows": training["fit_rows"]}


def measure(name, frame, target, folder: Path) -> dict:
    path = folder / "table.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path,
                   row_group_size=ROW_GROUP)
    record = {"name": name, "rows": len(frame), "columns": frame.shape[1] - 1}
    for seed in SEEDS:
        record.setdefault("rounds", []).append(fit(path, target, seed, folder / f"r{seed}"))
        real = trainer_module.ROUND_ROWS
        trainer_module.ROUND_ROWS = 10 ** 12  # one look a pass: the code before this change
        try:
            record.setdefault("passes", []).append(fit(path, target, seed, folder / f"p{seed}"))
        finally:
            trainer_module.ROUND_ROWS = real
        print(name, seed, record["rounds"][-1], record["passes"][-1], flush=True)
    return record


def report(records: list[dict]) -> str:
    lines = ["| table | rows | one look a pass: AUC, loop s, wall s, best/run (passes) | "
             "rounds: AUC, loop s, wall s, best/run (rounds of N rows) | Δ AUC (two seeds) |",
             "|---|---|---|---|---|"]
    deltas, worse, slower = [], [], []
    old_wall = new_wall = 0.0
    for r in records:
        old, new = r["passes"], r["rounds"]
        delta = np.array([n["auc"] - o["auc"] for n, o in zip(new, old, strict=True)])
        deltas.extend(delta)
        if delta.mean() < -0.003:
            worse.append(r["name"])
        old_loop, new_loop = (sum(f["loop_seconds"] for f in runs) for runs in (old, new))
        if new_loop >= old_loop:
            slower.append(r["name"])
        old_w, new_w = (sum(f["wall_seconds"] for f in runs) for runs in (old, new))
        old_wall, new_wall = old_wall + old_w, new_wall + new_w
        epochs = lambda runs: ", ".join(f"{f['best_epoch']}/{f['epochs_run']}" for f in runs)  # noqa: E731
        lines.append(
            f"| {r['name']} | {r['rows']:,} | {np.mean([f['auc'] for f in old]):.4f}, "
            f"{old_loop:.0f}, {old_w:.0f}, {epochs(old)} | "
            f"{np.mean([f['auc'] for f in new]):.4f}, {new_loop:.0f} ({new_loop / old_loop:.2f}x)"
            f", {new_w:.0f} ({new_w / old_w:.2f}x), {epochs(new)} (of {new[0]['epoch_rows']:,}"
            f" of {new[0]['fit_rows']:,}) | {delta.mean():+.4f} "
            f"({', '.join(f'{d:+.4f}' for d in delta)}) |")
    mean = float(np.mean(deltas))
    ok = [mean >= -0.0005 and not worse, not slower and new_wall < old_wall]
    lines += ["", "Seconds are the two seeds summed; best/run: the best epoch and the epochs run "
              "for each seed.", "", "| criterion | held | measured |", "|---|---|---|",
              f"| 1. mean Δ AUC ≥ −0.0005, no table's mean below −0.003 | "
              f"{'yes' if ok[0] else 'no'} | {mean:+.4f}; below: {', '.join(worse) or 'none'} |",
              f"| 2. loop faster on every table, wall faster over all four | "
              f"{'yes' if ok[1] else 'no'} | slower: {', '.join(slower) or 'none'}; wall "
              f"{new_wall:.0f} s vs {old_wall:.0f} s ({new_wall / old_wall:.2f}x) |", "",
              f"**Verdict: {'passes — adopted' if all(ok) else 'fails — not adopted'}.**"]
    return "\n".join(lines) + "\n"


def measure_all(store: Path) -> None:
    records = []
    for name, frame, target in tables():
        with tempfile.TemporaryDirectory() as folder:
            records.append(measure(name, frame, target, Path(folder)))
        store.write_text(json.dumps(records, indent=1) + "\n")


def main() -> None:
    records_command_line(__doc__, measure_all, store=STORE, report_path=REPORT, report=report)


if __name__ == "__main__":
    main()
