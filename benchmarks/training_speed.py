"""Training and scoring speed of findeep's networks on 2 CPU cores.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/training_speed.py

Trains each model for a fixed number of epochs (no early stopping) on synthetic credit
tables and reports rows/s per epoch (median over epochs), then scores 1M rows end to end
from a DataFrame. Writes benchmarks/results/training.md.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from pathlib import Path

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


def scoring_speed(rows: int, repeats: int = 3) -> dict[str, float]:
    import findeep

    train = make_credit_frame(20_000, seed=1).drop(columns=["applied_on"])
    y = train.pop("default")
    clf = findeep.TabularClassifier(max_epochs=3).fit(train, y)
    big = make_credit_frame(rows, seed=2).drop(columns=["applied_on", "default"])
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        clf.predict_proba(big)
        timings.append(time.perf_counter() - started)
    seconds = float(np.median(timings))
    return {"rows": rows, "seconds": seconds, "rows_per_second": rows / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--out", default=str(HERE / "results" / "training.md"))
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
    for model in ("default", "seed-mlp"):
        for rows in (10_000, 100_000):
            r = epoch_speed(model, rows, args.epochs)
            print(r, flush=True)
            lines.append(f"| {model} | {rows:,} | {r['fit_rows']:,} | {r['epoch_seconds']:.2f} | "
                         f"{r['rows_per_second']:,.0f} |")
    s = scoring_speed(1_000_000)
    print(s, flush=True)
    lines += ["", f"Batch scoring with `default`, end to end from a 1,000,000-row DataFrame "
              f"(preprocessing + network, median of 3): **{s['rows_per_second']:,.0f} rows/s** "
              f"({s['seconds']:.2f} s).", ""]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
