"""Issue 12, seventeenth session: a one-epoch warm-up in `default`'s recipe, by the rule
declared before its runs (stored results only).

    python benchmarks/issue12_s17_warmup.py   # -> results/issue12_s17_warmup.md

Candidate (``warmup_fraction`` 0.01 in ``models/registry.py``'s `default` recipe), three
quiet repeats with CatBoost on the same folds in the same process: the development panel in
``s17w_dev{,_r2,_r3}.json`` (with their ``_cpu`` and ``_bags`` files), the 16 other tables in
``s17wr{1,2,3}_unseen{1,2,3,4}.json``. Reference: today's default before it (the capped
budget, 5% warm-up), composed fold by fold from the sixteenth session's repeats
(``issue12_s17_cap.capped``, confirmed by a run). The rule and its table are the sixteenth
session's (``issue12_s16_projection.report``). Also prints CatBoost's CPU on the 16 other
tables in both periods: the check that the machine ran at the same speed on both days.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from issue12_s14_additive import _read
from issue12_s16_projection import _development, _unseen, candidate, reference, report
from issue12_s17_cap import capped

RESULTS = Path(__file__).resolve().parent / "results"


def warmup() -> dict[str, dict]:
    unseen = [[(f"s17wr{r}_unseen{s}.json", "default") for s in (1, 2, 3, 4)] for r in (1, 2, 3)]
    return {**_development("s17w_dev"), **_unseen(unseen)}


def catboost_cpu(prefix: str) -> float:
    """CatBoost's CPU seconds over the 16 other tables, median over the three repeats."""
    per_table: dict[str, list[float]] = {}
    for r in (1, 2, 3):
        for s in (1, 2, 3, 4):
            for result in _read(f"{prefix}r{r}_unseen{s}.json")["results"]:
                per_table.setdefault(result["name"], []).append(
                    sum(result["model_cpu_seconds"]["catboost"]))
    return float(sum(np.median(v) for v in per_table.values()))


# the tables of at most 4 input columns, where `default` trains k=2 members
# (``pipeline.NARROW_MAX_COLUMNS``): counted from their schemas (BENCHMARKS, "Issue 12")
NARROW = ("ISLR/Default", "causaldata/credit_cards", "causaldata/mortgages")


def narrow_kept(ref: dict[str, dict], new: dict[str, dict]) -> dict[str, dict]:
    """The one-epoch warm-up everywhere but the narrow tables, which keep 5%: their rows are
    the reference's (the same fits), every other row the candidate's."""
    return {table: ref[table] if table in NARROW else row for table, row in new.items()}


def main() -> None:
    ref = capped(reference(), candidate())
    text = "## The one-epoch warm-up on every table\n\n" + report(
        ref, warmup(), otherwise="the recipe returns to a 5% warm-up")
    text += (f"\nCatBoost's CPU over the 16 other tables (medians of three repeats): sixteenth "
             f"session {catboost_cpu('s16'):.1f} s, this run {catboost_cpu('s17w'):.1f} s.\n")
    text += ("\n## Shaped after that run: narrow tables (k=2, at most 4 columns) keep 5%\n\n"
             + report(ref, narrow_kept(ref, warmup()), otherwise="not adopted"))
    (RESULTS / "issue12_s17_warmup.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
