"""Forty-first session: a served blend's record whose categorical fields hold numbers (integer
codes, as a JSON client sends Caravan's or loanapp's) — CatBoost read the slow way, by building
a table of the records, or the fast way now taken when that table would keep the numbers' type
(``evaluate.partner._record_texts``)? Same run, same records, alternated.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/blend_served_codes.py   # ~2 min

The three tables of issue 12's panel whose categorical columns hold numbers: the first of the
benchmark's folds (seed 0), ``default+catboost`` fitted as `findeep train` fits it, then 200
test rows scored one record at a time by the server's scoring (``Scorer.predict_rows``), each
record both ways in turn after 20 warm-ups; p50 and p99 in ms, and the largest difference
between the two ways' scores (they must agree).
"""

from __future__ import annotations

import time
import warnings

import numpy as np
from first_fold_blend import first_fold_blend
from issue12_s31_headroom import real_tables

import findeep.evaluate.partner as partner_module
from findeep.serve.scorer import Scorer

TABLES = ("ISLR/Caravan", "wooldridge/loanapp", "modeldata/wa_churn")


def text_only(values):
    """The fast way as it was before: text or null only, anything else as a table."""
    if all(value is None or type(value) is str for value in values):
        return fast(values)
    return None


fast = partner_module._record_texts


def main() -> None:
    warnings.simplefilter("ignore")
    print("| table | categorical fields not text (first record) | before: p50 / p99 ms | "
          "now: p50 / p99 ms | max score diff |")
    print("|---|---|---|---|---|")
    for name, frame, target, n_folds in real_tables(set(TABLES)):
        pipeline, rows, _ = first_fold_blend(frame, target, n_folds)
        scorer = Scorer(pipeline)
        records = [{k: (None if isinstance(v, float) and np.isnan(v) else v)
                    for k, v in r.items()} for r in rows.head(200)
                   .to_dict("records")]
        coded = sum(not isinstance(records[0].get(c), str)
                    for c in pipeline.schema.names_of("categorical"))
        times: dict[str, list[float]] = {"before": [], "now": []}
        scores: dict[str, list[float]] = {"before": [], "now": []}
        for i, record in enumerate(records):
            for way, reader in (("before", text_only), ("now", fast)):
                partner_module._record_texts = reader
                started = time.perf_counter()
                score = scorer.predict_rows([record])[0]
                if i >= 20:
                    times[way].append(time.perf_counter() - started)
                    scores[way].append(float(np.ravel(score)[0]))
        partner_module._record_texts = fast
        cells = [f"{np.quantile(times[w], 0.5) * 1e3:.2f} / {np.quantile(times[w], 0.99) * 1e3:.2f}"
                 for w in ("before", "now")]
        gap = np.abs(np.array(scores["before"]) - np.array(scores["now"])).max()
        print(f"| {name} | {coded} | {cells[0]} | {cells[1]} | {gap:.1e} |", flush=True)


if __name__ == "__main__":
    main()
