"""Random folds against folds grouped by the unit that rows share, per model, on the three
tables where it was measured: each model's mean AUC over the folds with one fold std.

    python benchmarks/grouped_folds_picture.py   # -> docs/images/grouped-folds.png

Stored results only, written by ``grouped_folds_probe.py`` (job ads),
``randhie_grouped_probe.py`` (households) and ``caravan_grouped_probe.py`` (postcode areas).
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "docs" / "images" / "grouped-folds.png"
MODELS = ("catboost", "lightgbm", "logreg", "default")
LABELS = {"catboost": "CatBoost", "lightgbm": "LightGBM", "logreg": "logistic\nregression",
          "default": "findeep\ndefault"}
# (stored results, panel title, what a random fold puts on both sides, the grouping)
PANELS = (
    ("grouped_folds_probe.json", "openintro/labor_market_discrimination\n4,870 CVs, ~1,300 "
     "job ads", "an ad's CVs", "the ad"),
    ("randhie_grouped_probe.json", "sampleSelection/RandHIE\n5,574 people, 1,834 households",
     "a household's members", "the household"),
    ("caravan_grouped_probe.json", "ISLR/Caravan\n5,822 customers, 1,734 postcode-area "
     "profiles", "an area's customers", "the area"),
)


def main() -> None:
    fig, axes = plt.subplots(1, len(PANELS), figsize=(14, 4.6), sharey=True)
    for ax, (store, title, both_sides, unit) in zip(axes, PANELS, strict=True):
        rows = json.loads((HERE / "results" / store).read_text())
        splits = list(dict.fromkeys(r["folds"] for r in rows))  # random first, then grouped
        models = [m for m in MODELS if any(r["model"] == m for r in rows)]
        x = np.arange(len(models))
        width = 0.38
        for i, (split, colour, name) in enumerate(zip(
                splits, ("#9a6700", "#0969da"),
                (f"random folds ({both_sides} on both sides)",
                 f"folds grouped by {unit} (--group-column)"), strict=True)):
            found = {r["model"]: r for r in rows if r["folds"] == split}
            means = [found[m]["mean"] for m in models]
            stds = [found[m]["std"] for m in models]
            ax.bar(x + (i - 0.5) * width, means, width, yerr=stds, capsize=3, color=colour,
                   label=name)
            for xi, mean, std in zip(x + (i - 0.5) * width, means, stds, strict=True):
                ax.text(xi, mean + std + 0.006, f"{mean:.3f}", ha="center", fontsize=7)
        ax.set_xticks(x, [LABELS[m] for m in models], fontsize=8)
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7, loc="upper right")
    axes[0].set_ylim(0.5, 0.86)
    axes[0].set_ylabel("ROC-AUC, mean over the folds (± one fold std)")
    fig.suptitle("Where rows share a unit, random folds reward memory of it: the trees' lead "
                 "went with the job ads and the households, not with the postcode areas",
                 fontsize=10)
    fig.tight_layout()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(OUT, dpi=100)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
