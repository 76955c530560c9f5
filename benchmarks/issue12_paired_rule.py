"""Issue 12: today's default against CatBoost and logistic regression under BENCHMARKS.md's
own noise rule — a difference counts only beyond one standard deviation of the per-fold
differences (paired, the folds being the same) — beside the looser rule the targets rows
used until the twenty-seventh session (one std of the baseline's own fold AUCs).

    python benchmarks/issue12_paired_rule.py   # -> results/issue12_paired_rule.md
    python benchmarks/issue12_paired_rule.py --run s30_cand  # a later run on all 23 tables

Stored results only (nothing is fitted): today's default and CatBoost fold AUCs from the
twenty-third session's run on all 23 tables (``issue12_s23_summary.all_run`` reads the same
files), logistic regression from each set's first run beside CatBoost
(``issue12_s18_peers.stored_folds``), its folds checked equal through CatBoost's fold AUCs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from issue12_s18_peers import LABELS, peer_rows, stored_folds

RESULTS = Path(__file__).parent / "results"
DEFAULT = "library default (bagging auto + additive path)"
LOGREG_WORDS = {"ahead": "logreg ahead", "behind": "default ahead", "level": "level"}


def s23_folds(run: str = "s23_all") -> dict[str, dict[str, np.ndarray]]:
    """Per table: the default's and CatBoost's fold AUCs in one stored run on all 23 tables
    (``run``: the files' prefix; the twenty-third session's first run unless named)."""
    tables: dict[str, dict[str, np.ndarray]] = {}
    for name in ("first", "second", "third", "fourth"):
        for result in json.loads((RESULTS / f"{run}_{name}.json").read_text())["results"]:
            folds = sorted(result["folds"], key=lambda f: f["fold"])
            tables[result["name"]] = {
                model: np.array([f["roc_auc"] for f in folds if f["model"] == model])
                for model in ("default", "catboost")}
    dev = json.loads((RESULTS / f"{run}_dev.json").read_text())
    for table, cells in dev[DEFAULT].items():
        tables[table] = {"default": np.array(cells[:-1]),
                         "catboost": np.array(dev["catboost"][table][:-1])}
    return {t: v for t, v in tables.items() if not t.startswith("make_credit_frame")}


def verdict(delta: np.ndarray, loose_std: float) -> tuple[str, str]:
    """(paired verdict, loose verdict) of ``delta`` = first − second, per fold."""
    paired_std = delta.std(ddof=1)
    mean = delta.mean()
    paired = "ahead" if mean > paired_std else "behind" if mean < -paired_std else "level"
    loose = "ahead" if mean > 0 else "behind" if mean < -loose_std else "within"
    return paired, loose


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--run", default="s23_all",
                        help="stored run on all 23 tables (file prefix in results/)")
    run = parser.parse_args().run
    tables = s23_folds(run)
    logreg, checks = stored_folds("logreg"), stored_folds("catboost")
    lines = ["| table | default − CatBoost (paired std) | paired rule | CatBoost fold std "
             "| old rule | logreg − default (paired std) | paired rule |",
             "|---|---|---|---|---|---|---|"]
    counts: dict[str, dict[str, int]] = {"paired": {}, "loose": {}, "logreg": {}}
    named: dict[str, list[str]] = {"behind": [], "logreg": []}
    for table in sorted(tables):
        d, c = tables[table]["default"], tables[table]["catboost"]
        if not np.allclose(checks[table], c, atol=1e-12):
            raise SystemExit(f"{table}: logistic regression's stored folds are not today's")
        delta = d - c
        paired, loose = verdict(delta, c.std(ddof=1))
        counts["paired"][paired] = counts["paired"].get(paired, 0) + 1
        counts["loose"][loose] = counts["loose"].get(loose, 0) + 1
        if paired == "behind":
            named["behind"].append(f"{table} {delta.mean():+.4f} ± {delta.std(ddof=1):.4f}")
        gain = logreg[table] - d
        lr, _ = verdict(gain, logreg[table].std(ddof=1))
        counts["logreg"][lr] = counts["logreg"].get(lr, 0) + 1
        if lr == "ahead":
            named["logreg"].append(f"{table} {gain.mean():+.4f} ± {gain.std(ddof=1):.4f}")
        lines.append(f"| {table} | {delta.mean():+.4f} ({delta.std(ddof=1):.4f}) | {paired} | "
                     f"{c.std(ddof=1):.4f} | {loose} | {gain.mean():+.4f} "
                     f"({gain.std(ddof=1):.4f}) | {LOGREG_WORDS[lr]} |")
    deltas = np.array([(v["default"] - v["catboost"]).mean() for v in tables.values()])
    lines += [
        "",
        f"{len(tables)} real tables. Paired rule, default against CatBoost: "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts['paired'].items()))
        + f" (behind: {'; '.join(named['behind']) or 'none'}).",
        "Old rule (ahead = any positive difference; behind = below minus CatBoost's fold "
        "std): " + ", ".join(f"{k} {v}" for k, v in sorted(counts['loose'].items())) + ".",
        f"Mean difference over tables {deltas.mean():+.4f} (s.e. "
        f"{deltas.std(ddof=1) / np.sqrt(len(deltas)):.4f}).",
        "Logistic regression against default, paired rule: "
        + ", ".join(f"{LOGREG_WORDS[k]} {v}" for k, v in sorted(counts['logreg'].items()))
        + f" (logreg ahead beyond the noise: {'; '.join(named['logreg']) or 'none'}).",
    ]
    peers = peer_rows()
    for peer, label in LABELS.items():
        tally: dict[str, int] = {}
        gains, behind = [], []
        for table, folds in tables.items():
            gain = folds["default"] - peers[table][peer]["auc"]
            gains.append(gain.mean())
            word, _ = verdict(gain, 0.0)
            tally[word] = tally.get(word, 0) + 1
            if word == "behind":
                behind.append(f"{table} {gain.mean():+.4f} ± {gain.std(ddof=1):.4f}")
        gains_arr = np.array(gains)
        lines.append(f"Default against {label}, paired rule: "
                     + ", ".join(f"{k} {v}" for k, v in sorted(tally.items()))
                     + f" (behind: {'; '.join(behind) or 'none'})"
                     + f"; mean {gains_arr.mean():+.4f} a table (s.e. "
                     f"{gains_arr.std(ddof=1) / np.sqrt(len(gains_arr)):.4f}).")
    text = "\n".join(lines) + "\n"
    out = "issue12_paired_rule.md" if run == "s23_all" else f"issue12_paired_rule_{run}.md"
    (RESULTS / out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
