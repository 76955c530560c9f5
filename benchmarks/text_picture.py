"""Issue 14 in one picture: PhraseBank accuracy per model, beside the published figures.

    python benchmarks/text_picture.py   # -> docs/images/phrasebank-accuracy.png

Stored results only (``results/text_phrasebank_summary.json``, written by
``text_summary.py``): 10-fold stratified CV (seed 0), the same folds for every model; bars
are mean accuracy, whiskers the fold standard deviation. Dashed lines: the published
accuracies the issue names (Araci 2019, FinBERT, Table 2).
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from figures import finish

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "docs" / "images" / "phrasebank-accuracy.png"
# the runs that are each model's current default, as BENCHMARKS reports them
MODELS = {"50Agree": {"tfidf-lr": "TF-IDF + LR", "text-bilstm": "text-bilstm",
                      "text-cnn_calstop": "text-cnn", "minilm-frozen-bf16": "MiniLM frozen + head",
                      "minilm-bf16": "MiniLM fine-tuned"},
          "AllAgree": {"tfidf-lr": "TF-IDF + LR", "text-bilstm": "text-bilstm",
                       "text-cnn": "text-cnn", "minilm-frozen-bf16": "MiniLM frozen + head",
                       "minilm-bf16": "MiniLM fine-tuned"}}
PUBLISHED = {"50Agree": {"LSTM": 0.71, "LSTM+ELMo": 0.75, "ULMFit": 0.83, "FinBERT": 0.86},
             "AllAgree": {"FinBERT": 0.97}}
TITLES = {"50Agree": "50Agree (4,846 sentences)", "AllAgree": "AllAgree (2,264 sentences)"}


def main() -> None:
    rows = json.loads((HERE / "results" / "text_phrasebank_summary.json").read_text())
    found = {(r["corpus"], r["model"]): r for r in rows}
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), sharey=True)
    plotted = {}
    for axis, (corpus, models) in zip(axes, MODELS.items(), strict=True):
        entries = [(label, found[(corpus, key)]) for key, label in models.items()]
        for i, (label, r) in enumerate(entries):
            if r["n_folds"] != 10:
                raise SystemExit(f"{corpus} {label}: {r['n_folds']} folds stored, not 10")
            baseline = label == "TF-IDF + LR"
            axis.barh(i, r["accuracy_mean"], xerr=r["accuracy_std"], height=0.6,
                      color="#999999" if baseline else "#1f77b4", capsize=3)
            axis.text(r["accuracy_mean"] + r["accuracy_std"] + 0.004, i,
                      f"{r['accuracy_mean']:.3f}", va="center", fontsize=8)
            plotted[f"{corpus} {label}"] = [r["accuracy_mean"], r["accuracy_std"]]
        for name, value in PUBLISHED[corpus].items():
            axis.axvline(value, color="#d62728", linestyle="--", linewidth=0.8)
            axis.text(value, 1.01, f"{name} {value:.2f}", rotation=60, fontsize=7,
                      color="#d62728", ha="left", va="bottom",
                      transform=axis.get_xaxis_transform())
        axis.set_yticks(range(len(entries)), [label for label, _ in entries], fontsize=9)
        axis.set_xlim(0.6, 1.0)
        axis.set_xlabel(f"{TITLES[corpus]}: accuracy, 10 folds ± std", fontsize=9)
        axis.grid(axis="x", color="#eeeeee", zorder=0)
    finish(fig, "Financial PhraseBank: findeep's text models and the TF-IDF baseline "
           "(red: published accuracies)", OUT)
    print(f"wrote {OUT}: " + ", ".join(f"{k} {v[0]:.3f}" for k, v in plotted.items()))


if __name__ == "__main__":
    main()
