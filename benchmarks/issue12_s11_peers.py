"""Issue 12, eleventh session: RealMLP-TD and TabM-D against `default` on every table they ran.

    python benchmarks/issue12_s11_peers.py  # writes results/issue12_s11_peers.md

The tenth session's summary (``issue12_s10_peers.py``: same stored `default` rows, same
folds, same table and means) with this session's TabM-D runs on the unseen set added:
``unseen_tables.py --models tabm --only X`` into ``unseen_s11_peer_tabm_<table>.json``.
A later run of a peer on a table wins over an earlier one; `*` marks this session's runs.
"""

from __future__ import annotations

from issue12_s9_peers import RESULTS, _development_rows, _unseen_rows, render
from issue12_s10_peers import DEVELOPMENT_RUNS, UNSEEN_SESSIONS

SESSION = "s11"


def main() -> None:
    rows = _development_rows(DEVELOPMENT_RUNS) + _unseen_rows((SESSION, *UNSEEN_SESSIONS))
    text = render(rows, session=SESSION)
    (RESULTS / "issue12_s11_peers.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
