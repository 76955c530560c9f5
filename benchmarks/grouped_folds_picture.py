"""Random folds against folds grouped by the job ad, per model, on
openintro/labor_market_discrimination: each model's mean AUC over 5 folds with one fold std.

    python benchmarks/grouped_folds_picture.py   # -> docs/images/grouped-folds.png

Stored results only (``results/grouped_folds_probe.json``, written by
``grouped_folds_probe.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

HERE = Path(__file__).resolve().parent
STORE = HERE / "results" / "grouped_folds_probe.json"
OUT = HERE.parent / "docs" / "images" / "grouped-folds.png"
MODELS = ("catboost", "lightgbm", "logreg", "default")
LABELS = {"catboost": "CatBoost", "lightgbm": "LightGBM", "logreg": "logistic\nregression",
          "default": "findeep\ndefault"}


def main() -> None:
    rows = json.loads(STORE.read_text())
    splits = list(dict.fromkeys(r["folds"] for r in rows))  # random first, then grouped
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    x = np.arange(len(MODELS))
    width = 0.38
    for i, (split, colour, name) in enumerate(zip(
            splits, ("#9a6700", "#0969da"),
            ("random folds (a job ad's CVs on both sides)", "folds grouped by the ad "
             "(--group-column)"), strict=True)):
        found = {r["model"]: r for r in rows if r["folds"] == split}
        means = [found[m]["mean"] for m in MODELS]
        stds = [found[m]["std"] for m in MODELS]
        ax.bar(x + (i - 0.5) * width, means, width, yerr=stds, capsize=3, color=colour,
               label=name)
        for xi, mean, std in zip(x + (i - 0.5) * width, means, stds, strict=True):
            ax.text(xi, mean + std + 0.006, f"{mean:.3f}", ha="center", fontsize=8)
    ax.set_xticks(x, [LABELS[m] for m in MODELS])
    ax.set_ylim(0.5, 0.82)
    ax.set_ylabel("ROC-AUC, mean over 5 folds (± one fold std)")
    ax.set_title("4,870 CVs sent to ~1,300 job ads: the trees' lead on random folds is\n"
                 "memory of the ads they trained on", fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(OUT, dpi=110)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
