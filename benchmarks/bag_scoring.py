"""Scoring a cross-fitted bag: rows per CPU-second on 1M rows, and one served record's CPU.

    OMP_NUM_THREADS=1 python benchmarks/bag_scoring.py

For each bag (members m = 1, 2, 3, 5 of the default k=4 heads; then m = 2, 3, 5 with
k = max(1, 4 // m) heads each, ~4 heads in all, the option that would keep a bag as fast as
one network), trained for 3 epochs on ``make_credit_frame(20_000, seed=1)`` (speed, not
accuracy: the architecture alone sets the cost):

- **batch**: ``predict_proba`` on a 1,000,000-row DataFrame (``make_credit_frame(1M,
  seed=2)``), end to end (checks, preprocessing, network, averaging), one torch thread; CPU
  seconds (``time.process_time``), the median of ``--repeats``; beside it the network alone
  (``predict_logits`` on the already-encoded rows);
- **one record**: CPU per call of the server's scorer (``Scorer.predict_rows`` on one JSON
  record: encoding, forward, output; HTTP not included), mean over ``--records`` calls, for
  the bag's stacked small-batch pass (what is served) and, in the same run, member by member
  (what was served before it).

With ``--crossover``, only the batch size where the stacked pass stops paying: network CPU
per batch of 1 to 256 rows, stacked vs member by member, for 2, 3 and 5 members of k=4
(what ``models/stacked_bag.py``'s ``STACKED_MAX_ROWS`` rests on).

CPU seconds, not wall-clock: the machine may be shared. Writes
benchmarks/results/bag_scoring.json (``--crossover``: bag_crossover.json) and prints a
Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

HERE = Path(__file__).resolve().parent
BAGS = [(1, 4), (2, 4), (3, 4), (5, 4), (2, 2), (3, 1), (5, 1)]  # (members, heads each)


def fit_bag(members: int, heads: int, train: pd.DataFrame, y: pd.Series) -> Any:
    import findeep

    return findeep.TabularClassifier(max_epochs=3, bagging=members,
                                     model_options={"k": heads}).fit(train, y)


def batch_cpu(clf: Any, big: pd.DataFrame, repeats: int) -> dict[str, float]:
    """End-to-end and network-only CPU seconds for every row of ``big`` (medians)."""
    from findeep.train.trainer import predict_logits

    pipeline = clf.pipeline_
    x_num, x_cat, _ = pipeline.transform(big)
    x_num, x_cat = torch.from_numpy(x_num), torch.from_numpy(x_cat)
    end_to_end, network = [], []
    for _ in range(repeats):
        started = time.process_time()
        clf.predict_proba(big)
        end_to_end.append(time.process_time() - started)
        started = time.process_time()
        predict_logits(pipeline.network, x_num, x_cat)
        network.append(time.process_time() - started)
    rows = len(big)
    return {"end_to_end_cpu_s": float(np.median(end_to_end)),
            "network_cpu_s": float(np.median(network)),
            "rows_per_cpu_s": rows / float(np.median(end_to_end)),
            "network_rows_per_cpu_s": rows / float(np.median(network))}


def record_cpu(clf: Any, records: list[dict[str, Any]]) -> dict[str, float]:
    """Mean CPU milliseconds per single-record ``Scorer.predict_rows``: the served pass
    and, for a bag, member by member; the largest probability gap between the two."""
    from findeep.models.inference import inference_forward
    from findeep.serve.scorer import Scorer

    scorer = Scorer(clf.pipeline_)
    network = clf.pipeline_.network
    out: dict[str, float] = {"served_ms": _per_call_ms(scorer, records)}
    if hasattr(network, "members"):
        served = np.array([scorer.predict_rows([r])[0][0] for r in records[:200]])
        forwards = [inference_forward(member) for member in network.members]
        scorer.forward = lambda x_num, x_cat: torch.cat([f(x_num, x_cat) for f in forwards], 1)
        out["member_by_member_ms"] = _per_call_ms(scorer, records)
        loop = np.array([scorer.predict_rows([r])[0][0] for r in records[:200]])
        out["max_gap"] = float(np.abs(served - loop).max())
    return out


def _per_call_ms(scorer: Any, records: list[dict[str, Any]]) -> float:
    for record in records[:50]:  # warm-up
        scorer.predict_rows([record])
    started = time.process_time()
    for record in records:
        scorer.predict_rows([record])
    return (time.process_time() - started) / len(records) * 1e3


CROSSOVER_ROWS = (1, 16, 64, 128, 256)


def crossover(clf: Any, frame: pd.DataFrame) -> dict[str, float]:
    """Member-by-member over stacked network CPU, per batch size (> 1: stacked is cheaper)."""
    from findeep.models.inference import _plain_blocks, inference_forward
    from findeep.models.stacked_bag import StackedBag

    network = clf.pipeline_.network
    x_num, x_cat, _ = clf.pipeline_.transform(frame.head(max(CROSSOVER_ROWS)))
    x_num, x_cat = torch.from_numpy(x_num), torch.from_numpy(x_cat)
    stacked = StackedBag(list(network.members),
                         [_plain_blocks(list(m.backbone)) for m in network.members])
    forwards = [inference_forward(member) for member in network.members]

    def member_by_member(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return torch.cat([f(a, b) for f in forwards], 1)

    ratios = {}
    with torch.inference_mode():
        for rows in CROSSOVER_ROWS:
            calls = max(20, 3000 // rows)
            cpu = [_cpu_per_call(f, x_num[:rows], x_cat[:rows], calls)
                   for f in (member_by_member, stacked)]
            ratios[str(rows)] = cpu[0] / cpu[1]
    return ratios


def _cpu_per_call(forward: Any, x_num: torch.Tensor, x_cat: torch.Tensor, calls: int) -> float:
    for _ in range(10):
        forward(x_num, x_cat)
    started = time.process_time()
    for _ in range(calls):
        forward(x_num, x_cat)
    return (time.process_time() - started) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--records", type=int, default=2_000)
    parser.add_argument("--bags", help="members:heads pairs, e.g. '1:4,5:4' (default: all)")
    parser.add_argument("--crossover", action="store_true",
                        help="only the stacked pass's crossover batch size")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    torch.set_num_threads(1)
    from findeep.testing import json_record, make_credit_frame

    if args.crossover:
        main_crossover(Path(args.out or HERE / "results" / "bag_crossover.json"))
        return

    bags = ([tuple(int(v) for v in pair.split(":")) for pair in args.bags.split(",")]
            if args.bags else BAGS)
    train = make_credit_frame(20_000, seed=1).drop(columns=["applied_on"])
    y = train.pop("default")
    big = make_credit_frame(args.rows, seed=2).drop(columns=["applied_on", "default"])
    records = [json_record(r) for r in
               make_credit_frame(args.records, seed=3).drop(columns=["applied_on", "default"])
               .to_dict(orient="records")]
    started = datetime.now(UTC)
    results = []
    for members, heads in bags:
        clf = fit_bag(members, heads, train, y)
        row = {"members": members, "heads_each": heads, **batch_cpu(clf, big, args.repeats),
               **record_cpu(clf, records)}
        print(json.dumps(row), flush=True)
        results.append(row)
    meta = {"started": f"{started:%Y-%m-%d %H:%M} UTC", "rows": args.rows,
            "repeats": args.repeats, "records": args.records, "torch": torch.__version__,
            "cpus": os.cpu_count(), "load_average": os.getloadavg()}
    out = Path(args.out or HERE / "results" / "bag_scoring.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"meta": meta, "results": results}, indent=1) + "\n")
    print(report(meta, results))


def main_crossover(out: Path) -> None:
    from findeep.testing import make_credit_frame

    train = make_credit_frame(20_000, seed=1).drop(columns=["applied_on"])
    y = train.pop("default")
    frame = make_credit_frame(1_000, seed=2).drop(columns=["applied_on", "default"])
    started = datetime.now(UTC)
    results = {str(m): crossover(fit_bag(m, 4, train, y), frame) for m in (2, 3, 5)}
    meta = {"started": f"{started:%Y-%m-%d %H:%M} UTC", "load_average": os.getloadavg()}
    out.write_text(json.dumps({"meta": meta, "member_by_member_over_stacked": results},
                              indent=1) + "\n")
    print("| members | " + " | ".join(f"{r} rows" for r in CROSSOVER_ROWS) + " |")
    print("|---|" + "---|" * len(CROSSOVER_ROWS))
    for m, ratios in results.items():
        print(f"| {m} × 4 | " + " | ".join(f"{v:.2f}x" for v in ratios.values()) + " |")


def report(meta: dict[str, Any], results: list[dict[str, Any]]) -> str:
    lines = [f"{meta['rows']:,} rows, one torch thread, {meta['started']}, load average at the "
             f"end {meta['load_average'][0]:.1f}; CPU seconds (median of {meta['repeats']})", "",
             "| members × heads | batch rows / CPU-s (end to end) | network only | "
             "one record, served (CPU ms) | member by member (CPU ms) | ratio | max gap |",
             "|---|---|---|---|---|---|---|"]
    for r in results:
        loop = r.get("member_by_member_ms")
        lines.append(
            f"| {r['members']} × {r['heads_each']} | {r['rows_per_cpu_s']:,.0f} | "
            f"{r['network_rows_per_cpu_s']:,.0f} | {r['served_ms']:.3f} | "
            + (f"{loop:.3f} | {loop / r['served_ms']:.2f}x | {r['max_gap']:.1e} |"
               if loop is not None else "— | — | — |"))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
