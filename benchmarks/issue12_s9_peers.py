"""Issue 12, ninth session: RealMLP-TD and TabM-D against `default` on every table they ran.

    python benchmarks/issue12_s9_peers.py  # writes results/issue12_s9_peers.md

Reads only stored results (same stratified folds, seed 0, everywhere); the peers run with
pytabkit's published defaults, so nothing of findeep's is tuned by them:

* development panel (7 tables, 3 folds): `default` with bagging auto from ``s7_dev_auto.json``
  (ISLR Default from ``s9_dev_islr_default.json``, as ``issue12_s9_summary.py`` does); the
  one-network default and the peers from ``ablations_development_s7.json``; peers run this
  session from ``s9_dev_peers.json``;
* unseen set (5 or 3 folds): `default` with bagging auto from ``unseen_issue12_s9.json``, the
  one network from ``unseen_issue12_s6.json`` / ``unseen_issue12_s7_credit_cards.json``; the
  peers from ``unseen_s9_peer_<model>_<table>.json`` (``unseen_tables.py --models realmlp``
  or ``tabm``, one table per run).

CPU seconds: on the development panel, each fold's fit and scoring (``ablations.py``); on the
unseen set, the whole benchmark call (``unseen_tables.py``): the folds plus the peer's own
untimed 256-row warm-up fit, so slightly more than the folds alone.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
AUTO = "bagging auto (library: bagging='auto')"
PEERS = {"realmlp": "realmlp (RealMLP-TD, pytabkit)", "tabm": "tabm (TabM-D, pytabkit)"}
DEVELOPMENT = ["sample:credit", "sample:creditcard", "make_credit_frame(5000, seed=1)",
               "wooldridge/loanapp", "ISLR/Caravan", "ISLR/Default", "causaldata/social_insure"]
UNSEEN = ["AER/HealthInsurance", "AER/HMDA", "Ecdat/HI", "modeldata/lending_club",
          "causaldata/credit_cards"]


def _read(name: str) -> dict:
    path = RESULTS / name
    return json.loads(path.read_text()) if path.exists() else {}


def _benchmark_folds(result: dict, model: str) -> np.ndarray:
    rows = sorted((f for f in result["folds"] if f["model"] == model), key=lambda f: f["fold"])
    return np.array([f["roc_auc"] for f in rows])


def _by_name(name: str) -> dict[str, dict]:
    return {r["name"]: r for r in _read(name).get("results", [])}


def _development_rows(peer_runs: tuple[tuple[str, str], ...] = (("s9_dev_peers", "s9"),)
                      ) -> list[dict]:
    """``peer_runs``: (result stem, session) of later ``ablations.py`` peer runs, searched in
    order before the seventh session's."""
    s7 = _read("ablations_development_s7.json")
    folds, cpu = s7["roc_auc_folds_then_wall_s"], s7["cpu_s"]
    stores = [(_read(f"{stem}.json"), _read(f"{stem}_cpu.json"), session)
              for stem, session in peer_runs] + [(folds, cpu, "s7")]
    auto, auto_cpu = _read("s7_dev_auto.json")[AUTO], _read("s7_dev_auto_cpu.json")[AUTO]
    islr, islr_cpu = _read("s9_dev_islr_default.json"), _read("s9_dev_islr_default_cpu.json")
    rows = []
    for name in DEVELOPMENT:
        rerun = name == "ISLR/Default"  # the k=2 narrow-table rule came after the s7 run
        row = {"table": name, "set": "development",
               "auto": np.array((islr[AUTO] if rerun else auto)[name][:-1]),
               "one": np.array((islr["default"] if rerun else folds["default"])[name][:-1]),
               "cpu": {"auto": (islr_cpu[AUTO] if rerun else auto_cpu)[name]}}
        for peer, variant in PEERS.items():
            for store, store_cpu, session in stores:
                if name in store.get(variant, {}):
                    row[peer] = np.array(store[variant][name][:-1])
                    row["cpu"][peer] = store_cpu[variant][name]
                    row.setdefault("session", {})[peer] = session
                    break
        rows.append(row)
    return rows


def _unseen_rows(sessions: tuple[str, ...] = ("s9",)) -> list[dict]:
    """``sessions``: whose ``unseen_<session>_peer_<model>_<table>.json`` to read, in order."""
    new = _by_name("unseen_issue12_s9.json")
    before = _by_name("unseen_issue12_s6.json") | _by_name(
        "unseen_issue12_s7_credit_cards.json")
    rows = []
    for name in UNSEEN:
        row = {"table": name, "set": "unseen", "auto": _benchmark_folds(new[name], "default"),
               "one": _benchmark_folds(before[name], "default"),
               "cpu": {"auto": new[name]["cpu_seconds"]}}
        for peer in PEERS:
            for session in sessions:
                result = _by_name(f"unseen_{session}_peer_{peer}_{name.split('/')[1]}.json"
                                  ).get(name)
                if result is not None:
                    row[peer] = _benchmark_folds(result, peer)
                    row["cpu"][peer] = result["cpu_seconds"]
                    row.setdefault("session", {})[peer] = session
                    break
        rows.append(row)
    return rows


def _cell(row: dict, peer: str, session: str) -> str:
    if peer not in row:
        return "not run"
    scores, delta = row[peer], row[peer] - row["auto"]
    mark = " *" if row["session"][peer] == session else ""
    return (f"{scores.mean():.4f} ± {scores.std(ddof=1):.4f}{mark} | "
            f"{delta.mean():+.4f} ± {delta.std(ddof=1):.4f}")


def render(rows: list[dict], session: str = "s9") -> str:
    """The per-table table, then each peer's mean against `default`'s on the tables it ran;
    ``*`` marks the peer rows run in ``session``."""
    lines = ["| table | set | default, bagging auto | default, one network | RealMLP-TD | "
             "RealMLP − auto (paired) | TabM-D | TabM − auto (paired) | CPU s auto / RealMLP "
             "/ TabM |", "|---" * 9 + "|"]
    for r in rows:
        cpu = " / ".join(f"{r['cpu'][k]:.0f}" if k in r["cpu"] else "—"
                         for k in ("auto", "realmlp", "tabm"))
        lines.append(f"| {r['table']} | {r['set']} | {r['auto'].mean():.4f} ± "
                     f"{r['auto'].std(ddof=1):.4f} | {r['one'].mean():.4f} | "
                     f"{_cell(r, 'realmlp', session).replace('not run', 'not run | —')} | "
                     f"{_cell(r, 'tabm', session).replace('not run', 'not run | —')} | {cpu} |")
    text = "\n".join(lines) + "\n\n(* run this session)\n\n"
    for peer, label in (("realmlp", "RealMLP-TD"), ("tabm", "TabM-D")):
        for scope, chosen in (("all", rows), ("development", [r for r in rows
                                                             if r["set"] == "development"]),
                              ("unseen", [r for r in rows if r["set"] == "unseen"])):
            ran = [r for r in chosen if peer in r]
            if not ran:
                text += f"{label}, {scope} tables: not run on any.\n\n"
                continue
            deltas = np.concatenate([r["auto"] - r[peer] for r in ran])
            per_table = [r["auto"].mean() - r[peer].mean() for r in ran]
            cpu = sum(r["cpu"][peer] for r in ran) / sum(r["cpu"]["auto"] for r in ran)
            text += (f"{label}, {scope} tables where it ran ({len(ran)}): mean ROC-AUC "
                     f"{np.mean([r[peer].mean() for r in ran]):.4f} vs default (bagging auto) "
                     f"{np.mean([r['auto'].mean() for r in ran]):.4f}, one network "
                     f"{np.mean([r['one'].mean() for r in ran]):.4f}; default − {label} "
                     f"{np.mean(per_table):+.4f} (per table: "
                     f"{', '.join(f'{d:+.4f}' for d in per_table)}); paired over "
                     f"{len(deltas)} folds {deltas.mean():+.4f} ± {deltas.std(ddof=1):.4f}, "
                     f"default ahead on {int((deltas > 0).sum())}; CPU {cpu:.0f}x default's."
                     "\n\n")
    return text


def main() -> None:
    text = render(_development_rows() + _unseen_rows())
    (RESULTS / "issue12_s9_peers.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
