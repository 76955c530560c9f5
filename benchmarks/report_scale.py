"""How long `findeep report` takes on 1M scored rows, and how big the HTML file is.

    python benchmarks/report_scale.py            # 1M rows (about 1 GB of memory)
    python benchmarks/report_scale.py --rows 100000

Trains `default` on 20,000 rows of make_credit_frame (5 epochs: the report's cost does not
depend on the model's quality), writes 1M further rows as Parquet, then times
`findeep report BUNDLE rows.parquet --out report.html` end to end (reading, scoring, metrics,
bootstrap intervals, attributions on 5,000 sampled rows, permutation importance, partial
dependence, drift, charts, writing) and the same to Markdown.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import findeep
from findeep.report import write_report
from findeep.testing import make_credit_frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        frame = make_credit_frame(20_000 + args.rows, seed=0).drop(columns=["applied_on"])
        train, rest = frame.iloc[:20_000], frame.iloc[20_000:]
        clf = findeep.TabularClassifier(max_epochs=5, verbose=0)
        clf.fit(train.drop(columns=["default"]), train["default"])
        bundle = clf.save(root / "bundle")
        data = root / "rows.parquet"
        rest.to_parquet(data, index=False)
        results = {"rows": args.rows}
        for suffix in ("html", "md"):
            started, cpu = time.perf_counter(), time.process_time()
            summary = write_report(bundle, data, root / f"report.{suffix}")
            results[suffix] = {"seconds": round(time.perf_counter() - started, 1),
                               "cpu_seconds": round(time.process_time() - cpu, 1),
                               "bytes": summary["bytes"], "figures": summary["figures"]}
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
