"""Run the public tabular panel and write benchmarks/results/panel.md (+ panel.json).

    OMP_WAIT_POLICY=PASSIVE python benchmarks/run_panel.py

Every model sees the same 5 stratified folds (seed 0) of each table; nothing is tuned on
these numbers beyond choosing findeep's defaults, which are frozen for all tables.
Run it alone on the machine: fit times are wall-clock.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from training_speed import scoring_speed  # a sibling script: one scoring benchmark

from findeep.benchmark import FOLD_METRICS, run_benchmark
from findeep.bundle import library_versions
from findeep.data.samples import load_sample
from findeep.testing import make_credit_frame

HERE = Path(__file__).resolve().parent
CLASSIFIERS = ("default", "seed-mlp", "logreg", "lightgbm", "xgboost", "catboost")
# the panel also runs the attention-based option; the unseen-table check (which imports
# CLASSIFIERS) keeps to default vs the baselines
PANEL_MODELS = (*CLASSIFIERS, "ft-transformer")
GBDTS = ("lightgbm", "xgboost", "catboost")


def panel(quick: bool) -> list[tuple[str, object, str]]:
    synthetic_rows = 2_000 if quick else 10_000
    tables = [(f"sample:{n}", load_sample(n).frame, load_sample(n).target)
              for n in ("credit", "creditcard", "loans")]
    tables.append((f"make_credit_frame({synthetic_rows}, seed=0)",
                   make_credit_frame(synthetic_rows, seed=0).drop(columns=["applied_on"]),
                   "default"))
    return tables


def cpu_name() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        return next(line.split(":", 1)[1].strip() for line in out.splitlines()
                    if line.startswith("Model name"))
    except (OSError, subprocess.CalledProcessError, StopIteration):
        return platform.processor() or "unknown"


def render(results: list[dict], throughput: dict | None, command: str,
           title: str = "Tabular panel: findeep vs the baselines a practitioner runs",
           intro: str = "", summary_heading: str = "Panel summary",
           protocol: str | None = None, fit_label: str = "fit s (5 folds)") -> str:
    versions = library_versions()
    lines = [
        f"## {title}",
        "",
        *([intro, ""] if intro else []),
        f"Command: `{command}` — {datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} cores "
        f"({cpu_name()}), torch {versions['torch']}, scikit-learn {versions['scikit-learn']}, "
        f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}.",
        "",
        protocol or (
            "Same 5 stratified folds (seed 0) for every model; mean ± std over folds. "
            "`Δ vs best GBDT` is the paired per-fold difference to the gradient-boosting "
            "library with the best mean on that table (mean ± std over folds). Fit seconds are "
            "the total over the 5 folds, wall-clock."),
        "",
    ]
    summary_rows = []
    for result in results:
        task = result["task"]
        primary = FOLD_METRICS[task][0]
        summary = result["summary"]
        gbdts = [m for m in GBDTS if m in summary]
        best = max(gbdts, key=lambda m: summary[m][f"{primary}_mean"]) if gbdts else None
        folds = [f for f in result["folds"]]
        lines += [f"### {result['name']} — {task}, {result['rows']:,} rows, target "
                  f"`{result['target']}`", ""]
        metrics = FOLD_METRICS[task]
        header = ["model", *metrics, f"Δ {primary} vs {best}", fit_label, "score rows/s"]
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for model, stats in summary.items():
            cells = [f"{stats[f'{m}_mean']:.4f} ± {stats[f'{m}_std']:.4f}" for m in metrics]
            if best and model != best:
                mine = {f["fold"]: f[primary] for f in folds if f["model"] == model}
                ref = {f["fold"]: f[primary] for f in folds if f["model"] == best}
                diff = np.array([mine[k] - ref[k] for k in mine])
                cells.append(f"{diff.mean():+.4f} ± {diff.std(ddof=1):.4f}")
            else:
                cells.append("—")
            cells += [f"{stats['fit_seconds_total']:.1f}",
                      f"{stats['score_rows_per_second_mean']:,.0f}"]
            lines.append(f"| {model} | " + " | ".join(cells) + " |")
        lines.append("")
        summary_rows.append((result["name"], primary, summary, best))
    lines += [f"### {summary_heading}", "", "| table | metric | default | seed-mlp | best GBDT | "
              "default − best GBDT | within 1 std of best GBDT or better | default fit s / "
              "CatBoost fit s |", "|---|---|---|---|---|---|---|---|"]
    for name, primary, summary, best in summary_rows:
        d = summary["default"][f"{primary}_mean"]
        s = summary.get("seed-mlp", {}).get(f"{primary}_mean", float("nan"))
        b = summary[best][f"{primary}_mean"]
        b_std = summary[best][f"{primary}_std"]
        ratio = (summary["default"]["fit_seconds_total"] / summary["catboost"]["fit_seconds_total"]
                 if "catboost" in summary else float("nan"))
        ok = "yes" if d >= b - b_std else "no"
        lines.append(f"| {name} | {primary} | {d:.4f} | {s:.4f} | {b:.4f} ({best}) | "
                     f"{d - b:+.4f} | {ok} | {ratio:.2f} |")
    if throughput is not None:
        lines += ["", f"Batch scoring throughput of `default` (end to end from a DataFrame, "
                  f"{throughput['rows']:,} rows of `make_credit_frame`, median of 3): "
                  f"**{throughput['rows_per_second']:,.0f} rows/s** "
                  f"({throughput['seconds']:.2f} s).", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2 folds, small synthetic table")
    parser.add_argument("--out", default=str(HERE / "results" / "panel.md"))
    parser.add_argument("--models", help="comma-separated (default: the classifiers and "
                        "ft-transformer, ~25 min of the run on 2 cores)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    models = tuple(args.models.split(",")) if args.models else PANEL_MODELS
    command = "OMP_WAIT_POLICY=PASSIVE python benchmarks/run_panel.py" + (
        " --quick" if args.quick else "") + (f" --models {args.models}" if args.models else "")
    results = []
    for name, frame, target in panel(args.quick):
        started = time.perf_counter()
        result = run_benchmark(frame, target, models=models, n_folds=2 if args.quick else 5,
                               seed=0, verbose=1)
        record = {"name": name, "target": target, **result.to_dict()}
        results.append(record)
        print(f"{name}: {time.perf_counter() - started:.0f}s", flush=True)
    throughput = scoring_speed(100_000 if args.quick else 1_000_000)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(results, throughput, command))
    out.with_suffix(".json").write_text(json.dumps(
        {"results": results, "throughput": throughput}, indent=1, default=str))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
