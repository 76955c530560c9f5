"""The blend bundle's 22 tables in one picture: the network alone and the bundle's blend,
each against the bundle's own CatBoost part, per table, with one paired std of the fold
differences (BENCHMARKS.md's noise rule: a marker whose bar crosses zero is level).

    python benchmarks/blend_bundle_picture.py   # -> docs/images/blend-bundle-22-tables.png

Stored results only (``results/blend_bundle.json``, written by ``blend_bundle.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

HERE = Path(__file__).resolve().parent
STORE = HERE / "results" / "blend_bundle.json"
OUT = HERE.parent / "docs" / "images" / "blend-bundle-22-tables.png"
COLOURS = {"ahead": "#1a7f37", "level": "#6e7781", "behind": "#cf222e"}


def paired(record: dict, part: str) -> tuple[float, float]:
    delta = np.array([f["auc"][part] - f["auc"]["catboost"] for f in record["folds"]])
    return float(delta.mean()), float(delta.std(ddof=1))


def verdict(mean: float, std: float) -> str:
    return "ahead" if mean > std else "behind" if mean < -std else "level"


def main() -> None:
    records = json.loads(STORE.read_text())
    records.sort(key=lambda r: paired(r, "blend")[0])
    fig, ax = plt.subplots(figsize=(8.5, 8))
    counts = {"default": [], "blend": []}
    for i, record in enumerate(records):
        for part, offset, marker in (("default", 0.18, "o"), ("blend", -0.18, "s")):
            mean, std = paired(record, part)
            word = verdict(mean, std)
            counts[part].append(word)
            colour = COLOURS[word]
            ax.errorbar(mean, i + offset, xerr=std, fmt=marker, color=colour, ecolor=colour,
                        elinewidth=1.2, capsize=2, markersize=6,
                        markerfacecolor=colour if part == "blend" else "white")
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_yticks(range(len(records)), [r["name"] for r in records], fontsize=8)
    ax.set_xlabel("ROC-AUC minus the bundle's CatBoost part (mean ± one paired std over folds)")

    def tally(part: str) -> str:
        words = counts[part]
        return (f"{words.count('ahead')} ahead / {words.count('level')} level / "
                f"{words.count('behind')} behind")

    ax.set_title("findeep train --model default+catboost on 22 real tables\n"
                 f"filled squares: the bundle's blend ({tally('blend')})\n"
                 f"hollow circles: its network alone ({tally('default')})", fontsize=9.5)
    handles = [plt.Line2D([], [], marker="o", linestyle="", color=c, label=w)
               for w, c in COLOURS.items()]
    ax.legend(handles=handles, loc="lower right", fontsize=8, title="beyond one std",
              title_fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(OUT, dpi=110)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
