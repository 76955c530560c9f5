"""Issue 12, tenth session: four regularisers for Caravan and social_insure, judged by the
rule declared in BENCHMARKS.md before the runs.

    python benchmarks/issue12_s10_levers.py  # writes results/issue12_s10_levers.md (+ .json)

Reads only stored results (3 stratified folds, seed 0, on the 7 development tables):
the reference ``bagging auto`` row re-run this session (``s10_dev_levers.json``), the
candidates (``s10_dev_levers_candidates*.json``, each with ``bagging="auto"``), their CPU
seconds (``*_cpu.json``), and CatBoost's per-fold AUC and CPU seconds from the sixth and
seventh sessions (``ablations_development_s6.json``, ``s7_dev_catboost_cpu.json``).

Rule: (i) the mean paired Δ over the 21 table-folds above 2 standard errors; (ii) no table's
mean Δ below minus the reference's fold std there; (iii) CPU seconds over the 3 folds within
CatBoost's on every table.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
REFERENCE = "bagging auto (library: bagging='auto')"
TABLES = ["sample:credit", "sample:creditcard", "make_credit_frame(5000, seed=1)",
          "wooldridge/loanapp", "ISLR/Caravan", "ISLR/Default", "causaldata/social_insure"]
SHORT = ["credit", "creditcard", "synthetic", "loanapp", "Caravan", "ISLR Default",
         "social_insure"]


def _read(name: str) -> dict:
    return json.loads((RESULTS / name).read_text())


def load() -> tuple[dict, dict]:
    """Per variant and table: the fold AUCs, and the CPU seconds over the folds."""
    aucs, cpu = {}, {}
    for stem in ("s10_dev_levers", "s10_dev_levers_candidates", "s10_dev_levers_candidates_b"):
        if not (RESULTS / f"{stem}.json").exists():
            continue
        for variant, rows in _read(f"{stem}.json").items():
            aucs.setdefault(variant, {}).update({t: np.array(r[:-1]) for t, r in rows.items()})
        for variant, rows in _read(f"{stem}_cpu.json").items():
            cpu.setdefault(variant, {}).update(rows)
    s6 = _read("ablations_development_s6.json")
    aucs["catboost"] = {t: np.array(r[:-1]) for t, r in
                        s6["roc_auc_folds_then_wall_s"]["catboost"].items()}
    cpu["catboost"] = {**s6["cpu_s"]["catboost"], **_read("s7_dev_catboost_cpu.json")["catboost"]}
    return aucs, cpu


def verdict(variant: str, aucs: dict, cpu: dict) -> dict:
    reference = aucs[REFERENCE]
    done = [t for t in TABLES if t in aucs[variant] and t in reference]
    deltas = {t: aucs[variant][t] - reference[t] for t in done}
    folds = np.concatenate([deltas[t] for t in done])
    mean, std = float(folds.mean()), float(folds.std(ddof=1))
    se = std / np.sqrt(folds.size)
    worse = [t for t in done if deltas[t].mean() < -reference[t].std(ddof=1)]
    slower = [t for t in done if cpu[variant][t] > cpu["catboost"][t]]
    complete = len(done) == len(TABLES)
    ratio = sum(cpu[variant][t] for t in done) / sum(cpu[REFERENCE][t] for t in done)
    return {"cpu_vs_reference": float(ratio), "tables": done, "complete": complete,
            "mean_delta": mean, "std": std, "se": se,
            "up": int((folds > 0).sum()), "folds": int(folds.size),
            "per_table": {t: float(deltas[t].mean()) for t in done},
            "worse_beyond_std": worse, "cpu_over_catboost": slower,
            "adopt": bool(complete and mean > 2 * se and not worse and not slower)}


def main() -> None:
    aucs, cpu = load()
    variants = [v for v in aucs if v not in (REFERENCE, "catboost")]
    lines = ["## Issue 12, tenth session: levers for Caravan and social_insure", "",
             "AUC mean ± std over the 3 folds (paired Δ vs the `bagging auto` reference) · CPU "
             "s over the 3 folds; CatBoost: sixth/seventh session, same folds.", "",
             "| variant | " + " | ".join(SHORT) + " | mean AUC | mean Δ ± std (s.e.) | Δ>0 "
             "| tables worse > 1 std | CPU > CatBoost | CPU × reference | adopt |",
             "|---|" + "---|" * (len(SHORT) + 7)]
    report = {}
    for variant in [REFERENCE, *variants, "catboost"]:
        cells = []
        for t in TABLES:
            if t not in aucs[variant]:
                cells.append("—")
                continue
            a = aucs[variant][t]
            d = ("" if variant == REFERENCE or t not in aucs[REFERENCE]
                 else f" ({(a - aucs[REFERENCE][t]).mean():+.4f})")
            c = f" · {cpu[variant][t]:.1f} s" if t in cpu.get(variant, {}) else ""
            cells.append(f"{a.mean():.4f} ± {a.std(ddof=1):.4f}{d}{c}")
        done = [t for t in TABLES if t in aucs[variant]]
        mean = (f"{np.mean([aucs[variant][t].mean() for t in done]):.4f}"
                if len(done) == len(TABLES) else "(partial)")
        tail = "— | — | — | — | — | —"
        if variant != REFERENCE:
            v = verdict(variant, aucs, cpu) if variant != "catboost" else None
            if v is None:
                d = np.concatenate([aucs[variant][t] - aucs[REFERENCE][t] for t in TABLES
                                    if t in aucs[REFERENCE]])
                tail = (f"{d.mean():+.4f} ± {d.std(ddof=1):.4f} | {(d > 0).sum()}/{d.size} | "
                        "— | — | — | —")
            else:
                report[variant] = v
                short = dict(zip(TABLES, SHORT, strict=True))
                tail = (f"{v['mean_delta']:+.4f} ± {v['std']:.4f} ({v['se']:.4f}) | "
                        f"{v['up']}/{v['folds']} | "
                        f"{', '.join(short[t] for t in v['worse_beyond_std']) or 'none'} | "
                        f"{', '.join(short[t] for t in v['cpu_over_catboost']) or 'none'} | "
                        f"{v['cpu_vs_reference']:.2f} | "
                        f"{'**yes**' if v['adopt'] else 'no'}")
        lines.append(f"| {variant} | " + " | ".join(cells) + f" | {mean} | {tail} |")
    out = RESULTS / "issue12_s10_levers.md"
    out.write_text("\n".join(lines) + "\n")
    out.with_suffix(".json").write_text(json.dumps(report, indent=1) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
