"""Issue 12, thirteenth session: the additive path against the library's default, by the
project's adoption rule (stored results only).

    python benchmarks/issue12_s13_additive.py   # -> results/issue12_s13_additive.md

Reads the two development-panel runs made side by side (one process each, one thread):
``s13_dev_additive_reference.json`` (`bagging="auto"`, the library's default) and
``s13_dev_additive.json`` (the same with ``model_options={"additive": True}``), their CPU
files, and the thirteenth session's CatBoost figures on record for these folds
(``ablations_development.json``'s CatBoost row: the same 3 folds, seed 0).

The rule (tenth session, unchanged): adopted only if (i) the mean paired Δ over the 21
table-folds is beyond 2 standard errors, (ii) no development table's mean Δ is below minus
the reference's fold std there, (iii) the fit cost stays within CatBoost's (read here as the
variant's CPU against the reference's, run beside it).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
REFERENCE = "bagging auto (library: bagging='auto')"
VARIANT = "auto + additive path weighted on the out-of-fold rows (additive)"


def _read(name: str) -> dict:
    return json.loads((RESULTS / name).read_text())


SEED1_REFERENCE = "bagging auto, network seed 1 (probe)"
SEED1_VARIANT = "auto + additive path, network seed 1 (probe)"


def main() -> None:
    text = compare("s13_dev_additive_reference", REFERENCE, "s13_dev_additive", VARIANT)
    if (RESULTS / "s13_dev_additive_seed1.json").exists():  # the exploratory seed-1 probe
        text += "\nNetwork seed 1 (exploratory, after the verdict):\n\n" + compare(
            "s13_dev_additive_seed1_reference", SEED1_REFERENCE, "s13_dev_additive_seed1",
            SEED1_VARIANT)
        pooled = np.concatenate([_deltas("s13_dev_additive_reference", REFERENCE,
                                         "s13_dev_additive", VARIANT),
                                 _deltas("s13_dev_additive_seed1_reference", SEED1_REFERENCE,
                                         "s13_dev_additive_seed1", SEED1_VARIANT)])
        se = pooled.std(ddof=1) / np.sqrt(len(pooled))
        text += (f"\nBoth seeds pooled: {pooled.mean():+.4f} ± {pooled.std(ddof=1):.4f} over "
                 f"{len(pooled)} table-folds (s.e. {se:.4f}; {pooled.mean() / se:.1f} s.e.), "
                 f"{int((pooled > 0).sum())} up, {int((pooled < 0).sum())} down.\n")
    (RESULTS / "issue12_s13_additive.md").write_text(text)
    print(text)


def _deltas(reference_file: str, reference_name: str, variant_file: str,
            variant_name: str) -> np.ndarray:
    reference = _read(f"{reference_file}.json")[reference_name]
    variant = _read(f"{variant_file}.json")[variant_name]
    return np.concatenate([np.array(variant[t][:-1]) - np.array(reference[t][:-1])
                           for t in reference if t in variant])


def compare(reference_file: str, reference_name: str, variant_file: str,
            variant_name: str) -> str:
    """The rule's table for one pair of runs (one network seed)."""
    reference = _read(f"{reference_file}.json")[reference_name]
    variant = _read(f"{variant_file}.json")[variant_name]
    reference_cpu = _read(f"{reference_file}_cpu.json")[reference_name]
    variant_cpu = _read(f"{variant_file}_cpu.json")[variant_name]
    catboost = _read("ablations_development.json").get("catboost", {})
    bags_file = RESULTS / f"{variant_file}_bags.json"
    bags = json.loads(bags_file.read_text()).get(variant_name, {}) if bags_file.exists() else {}
    lines = ["| table | reference (fold std) | additive path | Δ per fold | mean Δ | CatBoost "
             "(fold std) | additive vs CatBoost | CPU s reference → additive |",
             "|---" * 8 + "|"]
    deltas, worse, total = [], [], {"reference": 0.0, "variant": 0.0}
    for table, row in reference.items():
        if table not in variant:
            continue
        ref, new = np.array(row[:-1]), np.array(variant[table][:-1])
        delta = new - ref
        deltas.extend(delta)
        if delta.mean() < -ref.std(ddof=1):
            worse.append(table)
        total["reference"] += reference_cpu[table]
        total["variant"] += variant_cpu[table]
        cb = np.array(catboost[table][:-1]) if table in catboost else None
        versus = "—" if cb is None else (
            "ahead" if new.mean() > cb.mean() else "within"
            if new.mean() >= cb.mean() - cb.std(ddof=1) else "**behind**")
        cb_text = "—" if cb is None else f"{cb.mean():.4f} ({cb.std(ddof=1):.4f})"
        lines.append(f"| {table} | {ref.mean():.4f} ({ref.std(ddof=1):.4f}) | {new.mean():.4f} | "
                     f"{', '.join(f'{d:+.4f}' for d in delta)} | {delta.mean():+.4f} | "
                     f"{cb_text} | {versus} | {reference_cpu[table]:.1f} → "
                     f"{variant_cpu[table]:.1f} |")
    deltas = np.array(deltas)
    se = deltas.std(ddof=1) / np.sqrt(len(deltas))
    shares = {t: [b["additive_weight"] for b in v if "additive_weight" in b]
              for t, v in bags.items()}
    shares = {t: v for t, v in shares.items() if v}
    text = "\n".join([
        *lines, "",
        f"Mean Δ over {len(deltas)} table-folds: {deltas.mean():+.4f} ± {deltas.std(ddof=1):.4f} "
        f"(s.e. {se:.4f}; {deltas.mean() / se:.1f} s.e.), {int((deltas > 0).sum())} of "
        f"{len(deltas)} up.",
        f"(i) beyond 2 s.e.: {'yes' if deltas.mean() > 2 * se else 'no'}; (ii) tables worse "
        f"than minus the reference's fold std: {', '.join(worse) or 'none'}; (iii) CPU "
        f"variant / reference over the panel: {total['variant'] / total['reference']:.2f}x.",
        f"Shares chosen per fold: {shares}" if shares else "",
    ]) + "\n"
    return text


if __name__ == "__main__":
    main()
