"""Issue 12, twelfth session: RealMLP-TD and TabM-D against `default` on every table they ran.

    python benchmarks/issue12_s12_peers.py  # writes results/issue12_s12_peers.md

The eleventh session's summary (``issue12_s11_peers.py``: the same stored peer rows, folds,
table and means) with this session's TabM-D runs on HI and HealthInsurance added
(``unseen_tables.py --models tabm --only X`` into ``unseen_s12_peer_tabm_<table>.json``), and
`default` as it trains now (the twelfth session's `bagging="auto"` budget): the development
tables from the adoption run (``s12_budget_candidates.json``, share 0.9), the first unseen
set from its re-run (``unseen_s12_first.json``). The "one network" column and the CPU of
`default` stay the stored ones (CPU: the earlier rule's bags; this session's bags are larger
on some tables).
"""

from __future__ import annotations

import json

import numpy as np
from issue12_s9_peers import RESULTS, _benchmark_folds, _development_rows, _unseen_rows, render
from issue12_s10_peers import DEVELOPMENT_RUNS, UNSEEN_SESSIONS

SESSION = "s12"
ADOPTED = "bagging auto, 2 cores, twelfth-session costs, share 0.9"


def _now(rows: list[dict]) -> list[dict]:
    development = json.loads((RESULTS / "s12_budget_candidates.json").read_text())[ADOPTED]
    first = {r["name"]: r for r in
             json.loads((RESULTS / "unseen_s12_first.json").read_text())["results"]}
    for row in rows:
        table = row["table"]
        row["auto"] = (np.array(development[table][:-1]) if row["set"] == "development"
                       else _benchmark_folds(first[table], "default"))
    return rows


def main() -> None:
    rows = _now(_development_rows(DEVELOPMENT_RUNS)
                + _unseen_rows((SESSION, "s11", *UNSEEN_SESSIONS)))
    text = render(rows, session=SESSION)
    (RESULTS / "issue12_s12_peers.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
