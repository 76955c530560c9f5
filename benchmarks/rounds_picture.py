"""The picture in docs/scale.md: early stopping once a pass against every round of a pass, on
a streamed table of 400,000 rows (the generated card-default shape of
`large_table_fit_check.py`), validation AUC against the training rows seen.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/rounds_picture.py   # ~3 min

Writes ``docs/images/rounds-vs-passes.png`` and ``results/rounds_picture.json`` (both runs'
histories, their test AUCs and training-loop seconds).
"""

from __future__ import annotations

import json
import tempfile
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from large_table_fit_check import card_default_30k
from probe_rule import HERE

import findeep
import findeep.train.trainer as trainer_module
from findeep.streamed import train_streamed

matplotlib.use("Agg")
import matplotlib.pyplot as plt

STORE = HERE / "results" / "rounds_picture.json"
PICTURE = HERE.parent / "docs" / "images" / "rounds-vs-passes.png"


def run(path: Path, out: Path) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = train_streamed(path, target="y", out=out, seed=0, verbose=0)
    training = findeep.load(out).training_  # the bundle keeps the history the report leaves out
    rows = training.get("epoch_rows") or training["fit_rows"]
    return {"history": training["history"], "epoch_rows": rows,
            "best_epoch": training["best_epoch"], "loop_seconds": training["seconds"],
            "test_auc": report["test"]["roc_auc"], "fit_rows": training["fit_rows"]}


def main() -> None:
    frame = card_default_30k(np.random.default_rng(0), 400_000)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "table.parquet"
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path,
                       row_group_size=16_384)
        rounds = run(path, Path(folder) / "rounds")
        real = trainer_module.ROUND_ROWS
        trainer_module.ROUND_ROWS = 10 ** 12  # once a pass: before the thirty-ninth session
        try:
            passes = run(path, Path(folder) / "passes")
        finally:
            trainer_module.ROUND_ROWS = real
    STORE.write_text(json.dumps({"rounds": rounds, "passes": passes}, indent=1) + "\n")
    figure, axis = plt.subplots(figsize=(8, 4.2))
    for name, result, style in (("once a pass", passes, "o-"),
                                ("every round of a pass", rounds, ".-")):
        seen = [r["epoch"] * result["epoch_rows"] / 1e6 for r in result["history"]]
        score = [r["valid_score"] for r in result["history"]]
        best = result["best_epoch"] - 1
        axis.plot(seen, score, style, label=f"{name}: stopped after {seen[-1]:.2f}M rows, "
                  f"{result['loop_seconds']:.0f} s; test AUC {result['test_auc']:.4f}")
        axis.plot([seen[best]], [score[best]], "k*", markersize=11)
    axis.set_xlabel("training rows seen (millions)")
    axis.set_ylabel("validation AUC")
    axis.set_title(f"Early stopping on a streamed table ({passes['fit_rows']:,} fit rows, "
                   "patience 4 epochs; ★ best)", fontsize=10)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    figure.savefig(PICTURE, dpi=110)
    print(json.dumps({k: {"loop_seconds": v["loop_seconds"], "test_auc": v["test_auc"],
                          "epochs": len(v["history"])} for k, v in
                      (("rounds", rounds), ("passes", passes))}))


if __name__ == "__main__":
    main()
