"""Issue 12 in one picture: `default` against CatBoost on the 21 real tables, accuracy and fit time.

    python benchmarks/issue12_picture.py   # -> docs/images/vs-catboost-21-tables.png

Stored results only (nothing is fitted): the same 21 rows as the twelfth session's count with
the library's rule (``issue12_s12_summary.py``: the 16 tables as stored, the third set's
restored-rule re-run) and, for fit time, each table's quiet same-run wall ratio `default` /
CatBoost with today's code (eleventh session for the development and first two unseen sets,
``quiet_i12_s11_dev[_final].json``, ``quiet_i12_s11_unseen.json``, ``quiet_unseen2_s11.json``;
the third set's restored-rule run, ``unseen3_s12_restored.json``).

Left: per table, `default`'s mean ROC-AUC minus CatBoost's on the same folds, with the paired
per-fold difference's standard deviation as a bar; the grey span is CatBoost's own fold
standard deviation below zero, the issue's "within one std" zone. A hollow circle marks the
same with the additive path switched on (``model_options={"additive": True}``, an option:
``issue12_s14_additive.py``'s run 3, against CatBoost on the same folds). Right: fit wall ratio on a
log scale (under 1: `default` fits faster).
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from figures import finish
from issue12_s9_summary import collect as ninth_session_rows
from issue12_s10_summary import second_set_rows
from issue12_s12_summary import restored_third_set
from issue12_s14_additive import rows as additive_rows

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
OUT = HERE.parent / "docs" / "images" / "vs-catboost-21-tables.png"
AUTO = "bagging auto (library: bagging='auto')"
COLOURS = {"development": "#1f77b4", "unseen": "#2ca02c", "unseen (second)": "#ff7f0e",
           "unseen (third)": "#9467bd"}
LABELS = {"development": "development panel", "unseen": "unseen set 1",
          "unseen (second)": "unseen set 2", "unseen (third)": "unseen set 3"}


def _read(name: str) -> dict:
    return json.loads((RESULTS / name).read_text())


def accuracy_rows() -> list[dict]:
    """The 21 real tables of the library's count (default and CatBoost fold AUCs, set)."""
    third = second_set_rows(RESULTS / "unseen3_issue12_s12.json")
    for row in third:
        row["set"] = "unseen (third)"
    rows = (ninth_session_rows() + second_set_rows(RESULTS / "unseen2_issue12_s10.json")
            + restored_third_set(third))
    return [r for r in rows if r["table"] != "synthetic"]


def fit_ratios() -> dict[str, float]:
    """Quiet same-run fit wall ratio default / CatBoost per table (today's code)."""
    ratios = {}
    for name in ("quiet_i12_s11_dev.json", "quiet_i12_s11_dev_final.json"):  # final wins
        run = _read(name)
        for table, values in run[AUTO].items():
            ratios[table] = values[-1] / run["catboost"][table][-1]
    for name in ("quiet_i12_s11_unseen.json", "quiet_unseen2_s11.json",
                 "unseen3_s12_restored.json"):
        for result in _read(name)["results"]:
            summary = result["summary"]
            ratios[result["name"]] = (summary["default"]["fit_seconds_total"]
                                      / summary["catboost"]["fit_seconds_total"])
    return ratios


def additive_deltas() -> dict[str, float]:
    """Per table, the mean AUC with the additive path minus CatBoost's (run 3 of the
    fourteenth session; development tables against the CatBoost figures on record)."""
    catboost = _read("ablations_development.json")["catboost"]
    deltas = {}
    for row in additive_rows(3):
        reference = row.get("catboost")
        if reference is None and row["table"] in catboost:
            reference = np.asarray(catboost[row["table"]][:-1])
        if reference is not None:
            deltas[row["table"]] = float(row["additive"].mean() - reference.mean())
    return deltas


def draw(rows: list[dict], ratios: dict[str, float], out: Path,
         with_path: dict[str, float] | None = None) -> dict:
    """The two panels, tables sorted by the AUC difference; returns the plotted numbers."""
    table = []
    for r in rows:
        default, catboost = np.asarray(r["auto"]), np.asarray(r["catboost"])
        table.append({"table": r["table"], "set": r["set"],
                      "delta": float(default.mean() - catboost.mean()),
                      "paired_std": float((default - catboost).std(ddof=1)),
                      "catboost_std": float(catboost.std(ddof=1)),
                      "fit_ratio": ratios[r["table"]],
                      "delta_with_path": (with_path or {}).get(r["table"])})
    table.sort(key=lambda t: t["delta"])
    y = np.arange(len(table))
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 7.5), sharey=True,
                                      gridspec_kw={"width_ratios": [3, 2]})
    for i, t in enumerate(table):
        left.barh(i, -t["catboost_std"], left=0, height=0.6, color="#dddddd", zorder=1)
        left.errorbar(t["delta"], i, xerr=t["paired_std"], fmt="o", color=COLOURS[t["set"]],
                      ecolor=COLOURS[t["set"]], elinewidth=1, capsize=2, zorder=3)
        if t["delta_with_path"] is not None:
            left.plot(t["delta_with_path"], i, "o", markerfacecolor="none", markersize=9,
                      color=COLOURS[t["set"]], zorder=4)
        right.barh(i, t["fit_ratio"], height=0.6, color=COLOURS[t["set"]],
                   alpha=0.9 if t["fit_ratio"] <= 1 else 0.45,
                   hatch=None if t["fit_ratio"] <= 1 else "//", zorder=2)
    left.axvline(0, color="black", linewidth=0.8)
    left.set_yticks(y, [t["table"] for t in table], fontsize=8)
    left.set_xlabel("ROC-AUC: default − CatBoost (mean over folds; bar: paired std)")
    ahead = sum(t["delta"] > 0 for t in table)
    within = sum(-t["catboost_std"] <= t["delta"] <= 0 for t in table)
    left.set_title(f"ahead on {ahead}, within CatBoost's std (grey) on {within}, "
                   f"behind on {len(table) - ahead - within}", fontsize=10)
    right.set_xscale("log")
    right.axvline(1, color="black", linewidth=0.8)
    right.set_xlabel("fit wall time, default / CatBoost (quiet, 2 cores; log)")
    under = sum(t["fit_ratio"] <= 1 for t in table)
    right.set_title(f"faster than CatBoost on {under} of {len(table)}", fontsize=10)
    right.set_xlim(0.15, 2.5)
    right.set_xticks([0.2, 0.5, 1, 2], ["0.2x", "0.5x", "1x", "2x"])
    right.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    handles = [plt.Line2D([], [], marker="o", linestyle="", color=c, label=LABELS[s])
               for s, c in COLOURS.items()]
    marked = [t for t in table if t["delta_with_path"] is not None]
    if marked:
        path_ahead = sum(t["delta_with_path"] > 0 for t in marked)
        path_within = sum(-t["catboost_std"] <= t["delta_with_path"] <= 0 for t in marked)
        handles.append(plt.Line2D(
            [], [], marker="o", markerfacecolor="none", markersize=9, linestyle="",
            color="grey", label=f"with the additive option: ahead {path_ahead}, within "
                                f"{path_within}, behind {len(marked) - path_ahead - path_within}"))
    left.legend(handles=handles, loc="upper left", fontsize=7.5, framealpha=0.95)
    for axis in (left, right):
        axis.grid(axis="x", color="#eeeeee", zorder=0)
    finish(fig, "findeep's default vs CatBoost on 21 real credit, insurance and bank tables "
           "(the same stratified folds)", out)
    return {"tables": table, "ahead": ahead, "within": within, "faster": under}


def main() -> None:
    numbers = draw(accuracy_rows(), fit_ratios(), OUT, additive_deltas())
    (RESULTS / "issue12_picture.json").write_text(json.dumps(numbers, indent=1) + "\n")
    print(f"wrote {OUT}: ahead {numbers['ahead']}, within {numbers['within']}, "
          f"faster {numbers['faster']} of {len(numbers['tables'])}")


if __name__ == "__main__":
    main()
