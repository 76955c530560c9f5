"""Streamed CQR intervals beside split-conformal, streamed and in memory, on sample:loans.

    python benchmarks/streamed_cqr.py

Trains sample:loans (10,000 rows, written as Parquet in row groups of 1,000) four ways —
split-conformal and CQR, each streamed and in memory, seed 0 — and prints each held-out
split's R², interval coverage and mean width at level 0.9 (the streamed and in-memory held-out
rows differ: a hash of the row position against a stratified draw).
"""

from __future__ import annotations

import json
import tempfile
import warnings
from pathlib import Path

from typer.testing import CliRunner

from findeep.cli import app
from findeep.data.samples import load_sample


def main() -> None:
    warnings.simplefilter("ignore")
    sample = load_sample("loans")
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch) / "loans.parquet"
        sample.frame.to_parquet(data, row_group_size=1_000)
        print("| intervals | training | R² | coverage at 0.9 | mean width | test rows |")
        print("|---|---|---|---|---|---|")
        for method in ("split-conformal", "cqr"):
            for way, flag in (("streamed", "--stream"), ("in memory", "--no-stream")):
                out = Path(scratch) / f"{method}-{flag}"
                result = runner.invoke(app, ["train", str(data), "--target", sample.target,
                                             "-q", "--interval-method", method, flag,
                                             "--out", str(out)])
                assert result.exit_code == 0, result.output
                test = json.loads((out / "metrics.json").read_text())["test"]
                print(f"| {method} | {way} | {test['r2']:.4f} | "
                      f"{test['interval_coverage']:.4f} | {test['interval_width']:.2f} | "
                      f"{test['rows']:,} |")


if __name__ == "__main__":
    main()
