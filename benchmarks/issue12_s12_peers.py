"""Issue 12, twelfth session: RealMLP-TD and TabM-D against `default` on every table they ran.

    python benchmarks/issue12_s12_peers.py  # writes results/issue12_s12_peers.md

The eleventh session's summary (``issue12_s11_peers.py``: the same stored `default` rows —
the library's `bagging="auto"` rule, which the twelfth session left as it was —, folds,
table and means) with this session's TabM-D runs on HI and HealthInsurance added
(``unseen_tables.py --models tabm --only X`` into ``unseen_s12_peer_tabm_<table>.json``).
A later run of a peer on a table wins over an earlier one; `*` marks this session's runs.
"""

from __future__ import annotations

from issue12_s9_peers import RESULTS, _development_rows, _unseen_rows, render
from issue12_s10_peers import DEVELOPMENT_RUNS, UNSEEN_SESSIONS

SESSION = "s12"


def main() -> None:
    rows = _development_rows(DEVELOPMENT_RUNS) + _unseen_rows((SESSION, "s11",
                                                               *UNSEEN_SESSIONS))
    text = render(rows, session=SESSION)
    (RESULTS / "issue12_s12_peers.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
