"""Merge the per-process PhraseBank results into one table: mean ± std over the folds run,
the fold count, fit CPU seconds per fold, and the paired accuracy difference to TF-IDF+LR on
the same folds.

``text_phrasebank.py --fold-indices …`` lets one model's folds run in several processes;
each writes ``text_phrasebank_<agree>_<model>[_<tag>]_folds<i-j-…>.json``. This reads every
file of a (corpus, model, tag) and keys folds by their index, so a fold run twice counts once.

    python benchmarks/text_summary.py     # -> benchmarks/results/text_phrasebank_summary.{json,md}
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
PATTERN = re.compile(
    r"text_phrasebank_(?P<agree>[A-Za-z0-9]+)_(?P<name>.+?)(_folds[0-9-]+)?\.json$")


def sd(values: np.ndarray) -> float:
    return float(values.std(ddof=1)) if len(values) > 1 else 0.0


def collect() -> dict[tuple[str, str], dict[int, dict]]:
    runs: dict[tuple[str, str], dict[int, dict]] = {}
    for path in sorted(RESULTS.glob("text_phrasebank_*.json")):
        match = PATTERN.match(path.name)
        if not match or match["name"] == "summary":
            continue
        data = json.loads(path.read_text())
        for position, fold in enumerate(data.get("folds", [])):
            index = fold.get("fold", position)  # files from before --fold-indices: 0, 1, …
            runs.setdefault((match["agree"], match["name"]), {})[int(index)] = fold
    return runs


def variant_vs_untagged(runs: dict, agree: str, name: str, folds: dict[int, dict]) -> dict:
    """A tagged variant (``text-cnn_calstop``) against its untagged model on shared folds."""
    base_name = name.split("_", 1)[0]
    base = runs.get((agree, base_name), {})
    shared = sorted(set(folds) & set(base))
    if base_name == name or not shared:
        return {}
    diff = np.array([folds[k]["accuracy"] - base[k]["accuracy"] for k in shared])
    return {"vs": base_name, "vs_folds": shared, "minus_untagged_mean": float(diff.mean()),
            "minus_untagged_std": sd(diff), "wins_vs_untagged": int((diff > 0).sum())}


def main() -> None:
    runs = collect()
    rows = []
    for (agree, name), folds in sorted(runs.items()):
        base = runs.get((agree, "tfidf-lr"), {})
        shared = sorted(set(folds) & set(base))
        acc = np.array([folds[k]["accuracy"] for k in sorted(folds)])
        f1 = np.array([folds[k]["macro_f1"] for k in sorted(folds)])
        cpu = [folds[k]["fit_cpu_seconds"] for k in folds if "fit_cpu_seconds" in folds[k]]
        diff = np.array([folds[k]["accuracy"] - base[k]["accuracy"] for k in shared])
        rows.append({
            "corpus": agree, "model": name, "folds": sorted(folds), "n_folds": len(folds),
            "accuracy_mean": float(acc.mean()), "accuracy_std": sd(acc),
            "macro_f1_mean": float(f1.mean()), "macro_f1_std": sd(f1),
            "fit_cpu_seconds_per_fold": float(np.mean(cpu)) if cpu else None,
            "minus_tfidf_folds": len(shared),
            "minus_tfidf_mean": float(diff.mean()) if len(diff) and name != "tfidf-lr" else None,
            "minus_tfidf_std": sd(diff) if len(diff) and name != "tfidf-lr" else None,
            "wins_vs_tfidf": int((diff > 0).sum()) if name != "tfidf-lr" else None,
            **variant_vs_untagged(runs, agree, name, folds)})
    (RESULTS / "text_phrasebank_summary.json").write_text(json.dumps(rows, indent=2) + "\n")
    lines = ["| corpus | model | folds (of 10) | accuracy | macro-F1 | − TF-IDF+LR (paired) | "
             "fit CPU s/fold |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        paired = ("—" if r["minus_tfidf_mean"] is None else
                  f"{r['minus_tfidf_mean']:+.3f} ± {r['minus_tfidf_std']:.3f} "
                  f"({r['wins_vs_tfidf']}/{r['minus_tfidf_folds']} folds ahead)")
        cpu = ("—" if r["fit_cpu_seconds_per_fold"] is None
               else f"{r['fit_cpu_seconds_per_fold']:.0f}")
        lines.append(f"| {r['corpus']} | {r['model']} | {r['n_folds']} | "
                     f"{r['accuracy_mean']:.3f} ± {r['accuracy_std']:.3f} | "
                     f"{r['macro_f1_mean']:.3f} ± {r['macro_f1_std']:.3f} | {paired} | {cpu} |")
    for r in rows:
        if "vs" in r:
            lines.append(f"\n{r['corpus']} {r['model']} − {r['vs']} on the same "
                         f"{len(r['vs_folds'])} folds {r['vs_folds']}: "
                         f"{r['minus_untagged_mean']:+.3f} ± {r['minus_untagged_std']:.3f} "
                         f"({r['wins_vs_untagged']} ahead)")
    (RESULTS / "text_phrasebank_summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
