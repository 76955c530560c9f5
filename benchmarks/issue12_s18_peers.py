"""Issue 12, eighteenth session: today's `default` against the peers and logistic regression.

    python benchmarks/issue12_s18_peers.py   # -> results/issue12_s18_peers.md and
                                             #    docs/images/vs-peers-22-tables.png

Stored results only (nothing is fitted here), every model on the same stratified folds
(seed 0):

* `default` and CatBoost: today's default as the seventeenth session left it, read as
  ``issue12_picture_s17.table_rows`` reads it (the picture's numbers);
* the peers on the 11 tables of the development panel and the first unseen set: the ninth to
  twelfth sessions' runs, as ``issue12_s12_peers`` reads them (pytabkit's published defaults:
  nothing of findeep's changes them, so those runs stand);
* the peers on the 11 tables of the second, third and fourth unseen sets: this session's runs
  (``bash benchmarks/issue12_s18_peers.sh realmlp 0`` and ``... tabm 1``, one table per run,
  into ``results/unseen_s18_peer_<peer>_<table>.json``);
* logistic regression: each set's first run beside CatBoost (``stored_folds``).

The folds are checked, not assumed: every stored CatBoost run the older rows came from must
give today's CatBoost fold AUCs on the 22 real tables. #12's bars: `default` ≥ each peer on
the average over the tables; no table where logistic regression beats `default` by more than
one standard deviation.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from figures import finish
from issue12_picture_s17 import HERE, table_rows
from issue12_s9_peers import (
    PEERS,
    RESULTS,
    _benchmark_folds,
    _development_rows,
    _read,
    _unseen_rows,
)
from issue12_s10_peers import DEVELOPMENT_RUNS, UNSEEN_SESSIONS
from tables import UNSEEN_TABLE_4, UNSEEN_TABLES_2, UNSEEN_TABLES_3

SESSION = "s18"
LABELS = {"realmlp": "RealMLP-TD", "tabm": "TabM-D"}
PICTURE = HERE.parent / "docs" / "images" / "vs-peers-22-tables.png"
MARKERS = {"catboost": ("CatBoost", "o", "#444444"), "realmlp": ("RealMLP-TD", "^", "#d62728"),
           "tabm": ("TabM-D", "s", "#9467bd"), "logreg": ("logistic regression", "x", "#2ca02c")}
NEW_TABLES = (*UNSEEN_TABLES_2, *UNSEEN_TABLES_3, *UNSEEN_TABLE_4)


# each unseen set's first run, which stored logistic regression beside CatBoost
BASELINE_RUNS = ("unseen_issue12.json", "unseen2_issue12_s10.json", "unseen3_issue12_s12.json",
                 "unseen4_issue12.json")


def stored_folds(model: str) -> dict[str, np.ndarray]:
    """``model``'s fold AUCs per table from the stored runs beside CatBoost: the development
    panel's seventh-session ablations and each unseen set's first run."""
    s7 = _read("ablations_development_s7.json")["roc_auc_folds_then_wall_s"][model]
    folds = {name: np.array(row[:-1]) for name, row in s7.items()}
    for run in BASELINE_RUNS:
        for result in _read(run)["results"]:
            folds[result["name"]] = _benchmark_folds(result, model)
    return folds


def peer_rows() -> dict[str, dict]:
    """Per table: each peer's fold AUCs, its CPU seconds and the session that ran it."""
    rows = {}
    for old in _development_rows(DEVELOPMENT_RUNS) + _unseen_rows(
            ("s12", "s11", *UNSEEN_SESSIONS)):
        rows[old["table"]] = {p: {"auc": old[p], "cpu": old["cpu"][p],
                                  "session": old["session"][p]} for p in PEERS if p in old}
    for table in NEW_TABLES:
        name = f"{table.package}/{table.item}"
        rows[name] = {}
        for peer in PEERS:
            stored = {r["name"]: r for r in _read(
                f"unseen_{SESSION}_peer_{peer}_{table.item}.json").get("results", [])}
            if name in stored:
                rows[name][peer] = {"auc": _benchmark_folds(stored[name], peer),
                                    "cpu": stored[name]["cpu_seconds"], "session": SESSION}
    return rows


def combined() -> list[dict]:
    today = {r["table"]: r for r in table_rows()}
    peers = peer_rows()
    checks, logreg = stored_folds("catboost"), stored_folds("logreg")
    out = []
    for name, row in today.items():
        if not np.array_equal(checks[name], row["catboost"]):  # every table has a check
            raise SystemExit(f"{name}: the stored peers' folds are not today's folds")
        for peer, run in peers.get(name, {}).items():
            if len(run["auc"]) != len(row["path"]):
                raise SystemExit(f"{name}: {peer} ran {len(run['auc'])} folds, default "
                                 f"{len(row['path'])}")
        out.append({"table": name, "set": row["set"], "default": row["path"],
                    "default_cpu": row["cpu"], "catboost": row["catboost"], "logreg": logreg[name],
                    **peers.get(name, {})})
    return sorted(out, key=lambda r: (r["set"] != "development", r["set"], r["table"]))


def _cell(row: dict, peer: str) -> str:
    if peer not in row:
        return "not run | —"
    run = row[peer]
    delta = row["default"] - run["auc"]
    mark = " *" if run["session"] == SESSION else ""
    return (f"{run['auc'].mean():.4f} ± {run['auc'].std(ddof=1):.4f}{mark} | "
            f"{delta.mean():+.4f} ({int((delta > 0).sum())}/{len(delta)})")


def render(rows: list[dict]) -> str:
    lines = ["| table | set | default (today) | CatBoost | RealMLP-TD | default − RealMLP "
             "(folds ahead) | TabM-D | default − TabM (folds ahead) | peer CPU s: RealMLP / "
             "TabM (× default's) |", "|---" * 9 + "|"]
    for r in rows:
        cpu = " / ".join(f"{r[p]['cpu']:.0f} ({r[p]['cpu'] / r['default_cpu']:.0f}x)"
                         if p in r else "—" for p in PEERS)
        lines.append(f"| {r['table']} | {r['set']} | {r['default'].mean():.4f} ± "
                     f"{r['default'].std(ddof=1):.4f} | {r['catboost'].mean():.4f} | "
                     f"{_cell(r, 'realmlp')} | {_cell(r, 'tabm')} | {cpu} |")
    text = "\n".join(lines) + (f"\n\n(* run in the {SESSION} session; in brackets: folds where "
                                "`default` is ahead / folds)\n\n")
    for peer, label in LABELS.items():
        ran = [r for r in rows if peer in r]
        if not ran:
            text += f"{label}: not run on any table.\n\n"
            continue
        per_table = np.array([r["default"].mean() - r[peer]["auc"].mean() for r in ran])
        folds = np.concatenate([r["default"] - r[peer]["auc"] for r in ran])
        beyond = [r["table"] for r in ran
                  if r[peer]["auc"].mean() - r["default"].mean() > r["default"].std(ddof=1)]
        text += (f"**{label}** on {len(ran)} of {len(rows)} real tables: mean ROC-AUC "
                 f"{np.mean([r[peer]['auc'].mean() for r in ran]):.4f} vs `default` "
                 f"{np.mean([r['default'].mean() for r in ran]):.4f} (per table default − "
                 f"{label} {per_table.mean():+.4f}, s.e. "
                 f"{per_table.std(ddof=1) / np.sqrt(len(ran)):.4f}; ahead on "
                 f"{int((per_table > 0).sum())} tables); paired over {len(folds)} folds "
                 f"{folds.mean():+.4f} ± {folds.std(ddof=1):.4f}, `default` ahead on "
                 f"{int((folds > 0).sum())}; CPU "
                 f"{sum(r[peer]['cpu'] for r in ran) / sum(r['default_cpu'] for r in ran):.0f}x "
                 f"`default`'s over those tables; {label} ahead of `default` by more than "
                 f"`default`'s fold std on: {', '.join(beyond) or 'none'}. Bar (default ≥ "
                 f"{label} on the average): **{'met' if per_table.mean() >= 0 else 'not met'}"
                 f"**.\n\n")
    text += _logreg(rows)
    missing = [f"{r['table']} ({', '.join(LABELS[p] for p in PEERS if p not in r)})"
               for r in rows if any(p not in r for p in PEERS)]
    text += f"Not run: {', '.join(missing) or 'none'}.\n"
    return text


def _logreg(rows: list[dict]) -> str:
    """#12's bar "no table where logistic regression beats `default` by more than one std"
    (logistic regression's fold std, as the issue's other bars use the baseline's)."""
    lines = []
    for r in rows:
        gain = r["logreg"].mean() - r["default"].mean()
        if gain > 0:
            lines.append(f"{r['table']} {gain:+.4f} (its fold std {r['logreg'].std(ddof=1):.4f})")
    beyond = [r["table"] for r in rows
              if r["logreg"].mean() - r["default"].mean() > r["logreg"].std(ddof=1)]
    means = np.mean([r["logreg"].mean() for r in rows]), np.mean([r["default"].mean()
                                                                  for r in rows])
    return (f"**Logistic regression** (stored runs beside CatBoost on the same folds) on all "
            f"{len(rows)} real tables: mean {means[0]:.4f} vs `default` {means[1]:.4f}; ahead "
            f"of `default` on {len(lines)}: {'; '.join(lines) or 'none'}; by more than one std "
            f"on: **{', '.join(beyond) or 'none'}**.\n\n")


def draw(rows: list[dict]) -> None:
    """Per table, `default` minus each other model's mean AUC on the same folds; the grey bar
    is `default`'s fold std (a difference inside it is noise). Sorted by the CatBoost gap."""
    rows = sorted(rows, key=lambda r: r["default"].mean() - r["catboost"].mean())
    fig, axis = plt.subplots(figsize=(9, 9))
    for i, r in enumerate(rows):
        std = r["default"].std(ddof=1)
        axis.barh(i, 2 * std, left=-std, height=0.6, color="#e4e4e4", zorder=1)
        for model, (_, marker, colour) in MARKERS.items():
            if model in r:
                scores = r[model]["auc"] if isinstance(r[model], dict) else r[model]
                axis.plot(r["default"].mean() - scores.mean(), i, marker, color=colour,
                          markersize=6, zorder=3, markerfacecolor="none" if marker == "s"
                          else colour)
    axis.axvline(0, color="black", linewidth=0.8)
    axis.set_yticks(np.arange(len(rows)), [r["table"] for r in rows], fontsize=8)
    axis.set_xlabel("ROC-AUC: default − the other model (mean over the same folds; right of 0: "
                    "default ahead)")
    axis.set_xscale("symlog", linthresh=0.02)
    axis.set_xlim(-0.03, 0.15)
    axis.set_xticks([-0.02, -0.01, 0, 0.01, 0.02, 0.05, 0.1],
                    ["−0.02", "−0.01", "0", "0.01", "0.02", "0.05", "0.1"])
    axis.grid(axis="x", color="#eeeeee", zorder=0)
    handles = [plt.Line2D([], [], marker=m, linestyle="", color=c,
                          markerfacecolor="none" if m == "s" else c, label=label)
               for label, m, c in MARKERS.values()]
    handles.append(plt.Rectangle((0, 0), 1, 1, color="#e4e4e4", label="default's fold std"))
    axis.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.07), ncol=5,
                fontsize=8, framealpha=0.95)
    ran = {p: sum(p in r for r in rows) for p in PEERS}
    finish(fig, f"findeep's default against CatBoost, logistic regression and the published "
           f"deep-learning defaults\n(RealMLP-TD on {ran['realmlp']}, TabM-D on {ran['tabm']} of "
           f"the {len(rows)} real tables; the same stratified folds)", PICTURE)


def main() -> None:
    rows = combined()
    draw(rows)
    text = render(rows)
    (RESULTS / "issue12_s18_peers.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
