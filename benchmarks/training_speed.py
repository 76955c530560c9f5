"""Training and scoring speed of findeep's networks on 2 CPU cores.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/training_speed.py

Trains each model for a fixed number of epochs (no early stopping) on synthetic credit
tables and reports rows/s per epoch (median over epochs), then scores 1M rows end to end
from a DataFrame with each ``--bagging`` value (default: auto, 1, 2, 3 and 5 members).
Writes benchmarks/results/training.md.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from findeep.pipeline import fit_tabular
from findeep.testing import make_credit_frame

HERE = Path(__file__).resolve().parent


def epoch_speed(model: str, rows: int, epochs: int) -> dict[str, float]:
    """Fit for exactly ``epochs`` epochs; the trainer records rows/s over the whole loop."""
    frame = make_credit_frame(rows, seed=0).drop(columns=["applied_on"])
    y = frame.pop("default")
    pipeline = fit_tabular(frame, y, model=model, verbose=0, max_epochs=epochs,
                           early_stopping=False)
    training = pipeline.training
    return {"model": model, "rows": rows, "fit_rows": training["fit_rows"],
            "epoch_seconds": training["seconds"] / training["epochs_run"],
            "rows_per_second": training["rows_per_second"]}


def scoring_speed(rows: int, repeats: int = 3, bagging: int | str = 1,
                  model: str = "default") -> dict[str, Any]:
    """Score ``rows`` rows end to end from a DataFrame with the classifier a user gets with
    ``bagging`` on a 20,000-row training table: wall and CPU seconds (medians of
    ``repeats``) and the members in the bag; ``model="default+catboost"``: the blend bundle
    (the network and CatBoost, both scored).

    ``bagging="auto"`` trains to convergence (early stopping as by default), since the
    members it picks depend on the first member's epochs; a fixed bag trains 3 epochs (its
    speed depends on its shape, not its weights).
    """
    import findeep

    train = make_credit_frame(20_000, seed=1).drop(columns=["applied_on"])
    y = train.pop("default")
    epochs = {} if bagging == "auto" else {"max_epochs": 3}
    clf = findeep.TabularClassifier(model=model, bagging=bagging, **epochs).fit(train, y)
    members = clf.training_.get("bagging", {}).get("members", 1)
    big = make_credit_frame(rows, seed=2).drop(columns=["applied_on", "default"])
    timings, cpu = [], []
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), time.process_time()
        clf.predict_proba(big)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    seconds, cpu_seconds = float(np.median(timings)), float(np.median(cpu))
    additive = clf.training_.get("additive")  # the additive path's share, where it was fitted
    return {"rows": rows, "bagging": bagging, "members": members,
            "additive_share": None if additive is None else additive["weight"],
            "epochs_run": clf.training_["epochs_run"], "seconds": seconds,
            "rows_per_second": rows / seconds, "cpu_seconds": cpu_seconds,
            "rows_per_cpu_second": rows / cpu_seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--out", default=str(HERE / "results" / "training.md"))
    parser.add_argument("--bagging", default="auto,1,2,3,5",
                        help="bags to score 1M rows with, comma-separated ('auto': the default)")
    parser.add_argument("--scoring-only", action="store_true", help="skip the training speeds")
    parser.add_argument("--model", default="default",
                        help="the model whose batch scoring is timed ('default+catboost': a blend)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    lines = ["## Training and scoring speed", "",
             "Command: `OMP_WAIT_POLICY=PASSIVE python benchmarks/training_speed.py` — "
             f"torch {torch.__version__}, {os.cpu_count()} cores; training picks its "
             "threads per fit (one when a step holds at most 2,048 row-members, else "
             f"{torch.get_num_threads()}). Rows/s is the mean over "
             f"{args.epochs} epochs (forward, backward, optimizer step and the per-epoch "
             "validation scoring included).", "",
             "| model | table rows | fit rows | s / epoch | training rows/s |",
             "|---|---|---|---|---|"]
    for model in () if args.scoring_only else ("default", "seed-mlp"):
        for rows in (10_000, 100_000):
            r = epoch_speed(model, rows, args.epochs)
            print(r, flush=True)
            lines.append(f"| {model} | {rows:,} | {r['fit_rows']:,} | {r['epoch_seconds']:.2f} | "
                         f"{r['rows_per_second']:,.0f} |")
    lines += ["", f"Batch scoring of `{args.model}`, end to end from a 1,000,000-row "
              "DataFrame (preprocessing + network, median of 3), by `bagging` (trained on "
              "20,000 rows; `auto` to convergence, as a user gets it):", "",
              "| bagging | members | wall s | rows/s | CPU s | rows / CPU-s |",
              "|---|---|---|---|---|---|"]
    for bagging in args.bagging.split(","):
        s = scoring_speed(1_000_000, bagging=bagging if bagging == "auto" else int(bagging),
                          model=args.model)
        print(s, flush=True)
        share = s["additive_share"]
        members = f"{s['members']}" + ("" if share is None else f" + additive path ({share:.0%})")
        lines.append(f"| {bagging} | {members} | {s['seconds']:.2f} | "
                     f"**{s['rows_per_second']:,.0f}** | {s['cpu_seconds']:.2f} | "
                     f"{s['rows_per_cpu_second']:,.0f} |")
    lines.append("")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
