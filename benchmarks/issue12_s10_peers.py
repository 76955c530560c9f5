"""Issue 12, tenth session: RealMLP-TD and TabM-D against `default` on every table they ran.

    python benchmarks/issue12_s10_peers.py  # writes results/issue12_s10_peers.md

The ninth session's summary (``issue12_s9_peers.py``: same stored `default` rows, same
folds, same table and means) with this session's peer runs added, one table per run:

* development panel: ``ablations.py --panel development --only "tabm (TabM-D, pytabkit)"
  --tables X`` into ``s10_dev_peers_<table>.json`` (+ ``_cpu.json``);
* unseen set: ``unseen_tables.py --models <peer> --only X`` into
  ``unseen_s10_peer_<peer>_<table>.json``.

A later run of a peer on a table wins over an earlier one; `*` marks this session's runs.
"""

from __future__ import annotations

from issue12_s9_peers import RESULTS, _development_rows, _unseen_rows, render

DEVELOPMENT_RUNS = (("s10_dev_peers_islr_default", "s10"), ("s10_dev_peers_caravan", "s10"),
                    ("s9_dev_peers", "s9"))
UNSEEN_SESSIONS = ("s10", "s9")


def main() -> None:
    rows = _development_rows(DEVELOPMENT_RUNS) + _unseen_rows(UNSEEN_SESSIONS)
    text = render(rows, session="s10")
    (RESULTS / "issue12_s10_peers.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
