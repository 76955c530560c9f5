"""Issue 12, sixteenth session: CatBoost's one-hot-aware projection in `bagging="auto"`, by
the rule declared before its runs (stored results only).

    python benchmarks/issue12_s16_projection.py   # -> results/issue12_s16_projection.md

Candidate (the library at commit 21e196c: ``train/bagging.py``'s one-hot-aware
``CATBOOST_SECONDS`` and ``catboost_shape``; taken out again by this rule), three quiet
repeats, CatBoost on the same folds in the same process: the development panel in
``s16_dev{,_r2,_r3}.json`` (with their ``_cpu`` and ``_bags`` files), the 16 other real
tables in ``s16r{1,2,3}_unseen{1,2,3,4}.json``. Reference (the fifteenth session's default,
the tenth session's projection), its fold AUCs deterministic: ``quiet_i12_s15_dev{,_r2,_r3}``,
``s15r{1,2,3}_additive_unseen{1,2,3}.json`` (fitted there as ``default-additive``) and, for
MEPS, ``s16r{1,2,3}_meps_wall.json``.

The rule (BENCHMARKS, "Issue 12, sixteenth session: CatBoost's projection counts yes/no
columns as CatBoost does"): kept only if (i) the mean paired Δ AUC over all table-folds is not
below zero by more than 2 standard errors, (ii) no table's mean Δ is below minus the
reference's fold std there, (iii) every table where the candidate trains more than one member
on some fold is fitted within CatBoost's wall (median of the same-run ratios <= 1.00) and no
more than four tables are over CatBoost's wall (ratio > 1.05), (iv) the candidate's CPU over
the 23 tables is within 1.10x of the reference's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from issue12_s14_additive import _folds, _read, _versus

RESULTS = Path(__file__).resolve().parent / "results"
LIBRARY = "library default (bagging auto + additive path)"
REPEATS = ("", "_r2", "_r3")
OVER, LEVEL = 1.05, 1.00


def _development(prefix: str) -> dict[str, dict]:
    """Per development table: the library default's fold AUCs, and per repeat its wall,
    CatBoost's wall, its CPU and the members of each fold's bag."""
    out: dict[str, dict] = {}
    for repeat in REPEATS:
        runs = _read(f"{prefix}{repeat}.json")
        cpu = _read(f"{prefix}{repeat}_cpu.json")[LIBRARY]
        bags = _read(f"{prefix}{repeat}_bags.json")[LIBRARY]
        for table, folds in runs[LIBRARY].items():
            row = out.setdefault(table, {"set": "development", "auc": np.array(folds[:-1]),
                                         "catboost": np.array(runs["catboost"][table][:-1]),
                                         "ratios": [], "cpu": [], "members": None})
            row["ratios"].append(folds[-1] / runs["catboost"][table][-1])
            row["cpu"].append(cpu[table])
            row["members"] = [bag["members"] for bag in bags[table]]
    return out


def _members(result: dict, model: str) -> list[int]:
    """The members ``model`` trained per fold (the benchmark's warm-up fits, one per findeep
    model, first)."""
    mine = [m for m in result["models"] if m.startswith("default")]
    per_fit = result["findeep_members"][len(mine):]
    return per_fit[mine.index(model)::len(mine)]


def _unseen(files: list[list[tuple[str, str]]]) -> dict[str, dict]:
    """Per table, from one (file, model) per repeat and set: as ``_development``."""
    out: dict[str, dict] = {}
    for repeat_files in files:
        for name, model in repeat_files:
            for result in _read(name)["results"]:
                wall = {m: s["fit_seconds_total"] for m, s in result["summary"].items()}
                row = out.setdefault(result["name"], {
                    "set": "other", "auc": _folds(result, model),
                    "catboost": _folds(result, "catboost"), "ratios": [], "cpu": [],
                    "members": _members(result, model)})
                row["ratios"].append(wall[model] / wall["catboost"])
                row["cpu"].append(sum(result["model_cpu_seconds"][model]))
    return out


def reference() -> dict[str, dict]:
    """The fifteenth session's default: in its repeats of the unseen sets it was fitted as
    ``default-additive`` (``default`` there is the default before the path)."""
    unseen = [[(f"s15r{r}_additive_unseen{s}.json", "default-additive") for s in (1, 2, 3)]
              + [(f"s16r{r}_meps_wall.json", "default")] for r in (1, 2, 3)]
    return {**_development("quiet_i12_s15_dev"), **_unseen(unseen)}


def candidate() -> dict[str, dict]:
    unseen = [[(f"s16r{r}_unseen{s}.json", "default") for s in (1, 2, 3, 4)] for r in (1, 2, 3)]
    return {**_development("s16_dev"), **_unseen(unseen)}


def report(ref: dict[str, dict], new: dict[str, dict], *,
           otherwise: str = "the tenth session's projection returns") -> str:
    """The rule's table and verdict; ``otherwise``: what happens if it fails."""
    lines = ["| table | reference (fold std) | candidate | mean Δ (folds up/down) | members per "
             "fold: reference → candidate | fit wall / CatBoost's, median of 3: reference → "
             "candidate | vs CatBoost: reference → candidate |", "|---" * 7 + "|"]
    deltas, worse, bagged_over, over, cpu = [], [], [], [], np.zeros(2)
    tallies = {"reference": {}, "candidate": {}}
    for table, row in new.items():
        old = ref[table]
        if not np.array_equal(old["catboost"], row["catboost"]):
            raise SystemExit(f"{table}: CatBoost's fold AUCs differ between the runs")
        delta = row["auc"] - old["auc"]
        deltas.extend(delta)
        if delta.mean() < -old["auc"].std(ddof=1):
            worse.append(table)
        ratio_old, ratio_new = np.median(old["ratios"]), np.median(row["ratios"])
        if max(row["members"]) > 1 and ratio_new > LEVEL:
            bagged_over.append(f"{table} ({ratio_new:.2f}x)")
        if ratio_new > OVER:
            over.append(f"{table} ({ratio_new:.2f}x)")
        cpu += (np.median(old["cpu"]), np.median(row["cpu"]))
        versus = [_versus(old["auc"], old["catboost"]), _versus(row["auc"], row["catboost"])]
        for label, verdict in zip(tallies, versus, strict=True):
            tallies[label][verdict] = tallies[label].get(verdict, 0) + 1
        lines.append(
            f"| {table} | {old['auc'].mean():.4f} ({old['auc'].std(ddof=1):.4f}) | "
            f"{row['auc'].mean():.4f} | {delta.mean():+.4f} ({int((delta > 0).sum())}/"
            f"{int((delta < 0).sum())}) | {old['members']} → {row['members']} | "
            f"{ratio_old:.2f}x → {ratio_new:.2f}x | {versus[0]} → {versus[1]} |")
    deltas = np.array(deltas)
    se = deltas.std(ddof=1) / np.sqrt(len(deltas))
    cpu_ratio = cpu[1] / cpu[0]
    passed = {"i": bool(deltas.mean() >= -2 * se), "ii": not worse,
              "iii": not bagged_over and len(over) <= 4, "iv": cpu_ratio <= 1.10}
    verdict = "kept" if all(passed.values()) else f"not kept: {otherwise}"

    def tally(label: str) -> str:
        counts = tallies[label]
        return (f"ahead {counts.get('ahead', 0)}, within {counts.get('within', 0)}, behind "
                f"{counts.get('**behind**', 0)}")

    return "\n".join([
        *lines, "",
        f"Tables: {len(new)}. Mean Δ over {len(deltas)} table-folds: {deltas.mean():+.4f} ± "
        f"{deltas.std(ddof=1):.4f} (s.e. {se:.4f}), {int((deltas > 0).sum())} up, "
        f"{int((deltas < 0).sum())} down, {int((deltas == 0).sum())} equal.",
        f"(i) not below zero by more than 2 s.e.: {'yes' if passed['i'] else 'no'}; (ii) "
        f"tables below minus the reference's fold std: {', '.join(worse) or 'none'}; (iii) "
        f"tables with a bag over CatBoost's wall: {', '.join(bagged_over) or 'none'}; tables "
        f"over CatBoost's wall (> {OVER:.2f}x): {len(over)} ({', '.join(over) or 'none'}); "
        f"(iv) CPU candidate / reference over the tables: {cpu[1]:.1f} / {cpu[0]:.1f} s = "
        f"{cpu_ratio:.3f}x ({'within' if passed['iv'] else 'beyond'} 1.10x; medians of the "
        "three repeats per table).",
        f"Against CatBoost (the issue's bars): reference {tally('reference')}; candidate "
        f"{tally('candidate')}.",
        f"**Verdict by the declared rule: {verdict}.**", ""])


def main() -> None:
    text = report(reference(), candidate())
    (RESULTS / "issue12_s16_projection.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
