"""Issue 12's ablations on the development tables (see ablations.py --panel development).

Every variant changes one thing from `default` and is fitted on the same 3 stratified folds
(seed 0) as CatBoost, LightGBM and logistic regression, in the same process, so fit-time
ratios compare like with like on a shared machine. Results accumulate in
ablations_development.json (a cut-off run keeps its rows; ``--only`` re-runs some).
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from cpu import cpu_seconds
from encodings_ablation import TRANSFORMS
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from tables import DEVELOPMENT_TABLES

from findeep.data.samples import load_sample
from findeep.data.schema import infer_schema
from findeep.evaluate.baselines import make_baseline, prepare_baseline_inputs
from findeep.pipeline import fit_tabular
from findeep.testing import make_credit_frame
from findeep.train import bagging as bagging_rule

N_FOLDS = 3
THREE_SEEDS = "3 seeds bagged (the first 3 of the 5; ~3x fit time)"
BASELINES = ("catboost", "lightgbm", "logreg")
# bagging='auto''s cost models before the tenth session re-fitted them to quiet walls
SEVENTH_SESSION_COSTS: dict[str, Any] = {
    "catboost_seconds": {"c0": 0.447, "c_num": 0.0, "c_cat": 2.63e-4},
    "network_cost": {"u0": 5.52e-5, "u1": 1.49e-7}}
# CatBoost's projection since the tenth session (every categorical alike; the library's
# CATBOOST_SECONDS), named so rows replay it whatever the library holds; the sixteenth
# session's one-hot-aware projection was tried alone and not kept (catboost_cost_s16.py);
# since the seventeenth session the library caps CATBOOST_SECONDS with it
TENTH_SESSION_CATBOOST_SECONDS = {"c0": 0.779, "c_num": 0.0, "c_cat": 1.03e-4}
VARIANTS: dict[str, dict[str, Any]] = {
    "default": {},
    "one-hot <= 8 codes": {"model_options": {"one_hot_max": 8}},
    "one-hot <= 16 codes": {"model_options": {"one_hot_max": 16}},
    "one-hot <= 16 + integers (3-16 values) also as categoricals": {
        "model_options": {"one_hot_max": 16}, "transforms": ["ints"]},
    "one-hot <= 16 + frequency encoding": {
        "model_options": {"one_hot_max": 16}, "transforms": ["freq"]},
    "one-hot <= 16 + out-of-fold target statistics": {
        "model_options": {"one_hot_max": 16}, "transforms": ["rates"]},
    "integers also as categoricals (embeddings)": {"transforms": ["ints"]},
    "out-of-fold target statistics (embeddings)": {"transforms": ["rates"]},
    "batch 1024": {"batch_size": 1024},
    "patience 4": {"patience": 4},
    "max_epochs 20 (the cosine schedule over 20 epochs)": {"max_epochs": 20},
    "k=8, weight decay 1e-3 (small-data regularisation)": {
        "model_options": {"k": 8}, "weight_decay": 1e-3},
    "5 seeds bagged (each its own 80/20 split, ~5x fit time)": {"bag": 5},
    "early stopping on validation log-loss": {"stopping_metric": "log_loss"},
    "5 seeds bagged + stopping on log-loss": {"bag": 5, "stopping_metric": "log_loss"},
    "3 seeds bagged (the first 3 of the 5; ~3x fit time)": {"bag": 3},
    "cross-fitted bagging, 5 members (library: bagging=5)": {"bagging": 5},
    "cross-fitted bagging, 3 members (library: bagging=3)": {"bagging": 3},
    "bagging auto (library: bagging='auto')": {"bagging": "auto"},
    # fifteenth session: what `fit_tabular` does with no options (bagging 'auto' and, on a
    # binary target, the additive path)
    "library default (bagging auto + additive path)": {
        "bagging": "auto", "library_default": True},
    # twenty-second session, a probe (not adopted): the recipe that cut the steps of the two
    # single-network tables most at level AUC there (issue12_s22_fewer_steps.py)
    "library default, lr 4e-3 + patience 3 (probe)": {
        "bagging": "auto", "library_default": True, "learning_rate": 4e-3, "patience": 3},
    # ninth session, a probe for the next rule (not a default): loanapp's bag was level with
    # CatBoost's fit time (0.99-1.02x quiet) at the library's budget share of 0.8
    "bagging auto, budget share 0.7 (probe)": {
        "bagging": "auto", "budget_share": 0.7, **SEVENTH_SESSION_COSTS},
    # tenth session: the budget re-fitted on the whole panel (BENCHMARKS, "Issue 12, tenth
    # session"): shares under the seventh session's cost models, named so the rows do not
    # move with the library's constants, then the library's re-fitted models at share 0.9
    "bagging auto, budget share 0.8": {
        "bagging": "auto", "budget_share": 0.8, **SEVENTH_SESSION_COSTS},
    "bagging auto, budget share 0.6": {
        "bagging": "auto", "budget_share": 0.6, **SEVENTH_SESSION_COSTS},
    "bagging auto, budget share 0.5": {
        "bagging": "auto", "budget_share": 0.5, **SEVENTH_SESSION_COSTS},
    "bagging auto, re-fitted cost models, share 0.9": {"bagging": "auto", "budget_share": 0.9},
    # twelfth session: members side by side (2 reference cores), both cost models re-fitted
    # to this code (bagging_budget.py --s12, read by twelfth_session_costs below)
    **{f"bagging auto, 2 cores, twelfth-session costs, share {share}": {
        "bagging": "auto", "budget_share": share, "reference_cores": 2,
        "twelfth_session_costs": True} for share in (0.9, 0.8, 0.7)},
    # ninth session: a 5-member bag with ~4 heads in all scores as fast as one k=4 network
    "cross-fitted bagging, 5 members of k=1 (library: bagging=5, k=1)": {
        "bagging": 5, "model_options": {"k": 1}},
    "`seed-mlp` (classic 64-32-1)": {"model": "seed-mlp"},
    # tenth session: levers for Caravan and social_insure, each on the library default's
    # bagging ('auto'), against the 'bagging auto' row re-run in the same session
    "auto + random half of the columns per member (feature_fraction 0.5)": {
        "bagging": "auto", "model_options": {"feature_fraction": 0.5}},
    "auto + per-member bootstrap of rows (member_bootstrap)": {
        "bagging": "auto", "member_bootstrap": True},
    "auto + input noise 0.1 while training (input_noise 0.1)": {
        "bagging": "auto", "model_options": {"input_noise": 0.1}},
    "auto + first-layer group lasso 1e-3 (group_lasso 1e-3)": {
        "bagging": "auto", "model_options": {"group_lasso": 1e-3}},
    # thirteenth session: the additive path beside the network (models/additive.py)
    "auto + additive path weighted on the out-of-fold rows (additive)": {
        "bagging": "auto", "model_options": {"additive": True}},
    "auto + additive path, network seed 1 (probe)": {
        "bagging": "auto", "seed": 1, "model_options": {"additive": True}},
    # tenth session, probes after the runs (Caravan only; not candidates for adoption)
    "bagging auto, network seed 1 (probe)": {"bagging": "auto", "seed": 1},
    "auto + group lasso 1e-3, network seed 1 (probe)": {
        "bagging": "auto", "seed": 1, "model_options": {"group_lasso": 1e-3}},
    "auto + group lasso 1e-2 (probe)": {"bagging": "auto", "model_options": {"group_lasso": 1e-2}},
    # seventh session: model-level levers for small and noisy tables
    "wide path (zero-initialised linear term, trained jointly)": {
        "model_options": {"wide": True}},
    "numerics with <= 12 values unencoded (codes, counts)": {
        "model_options": {"plain_max_values": 12}},
    "wide path + numerics with <= 12 values unencoded": {
        "model_options": {"wide": True, "plain_max_values": 12}},
    "weights averaged over the best epoch +- 2": {"weight_average": 2},
    "additive path (linear term on the whole embedded input)": {
        "model_options": {"wide": "additive"}},
    "one-hot <= 16 + numerics with 3-16 values also one-hot, inside the model": {
        "model_options": {"one_hot_max": 16, "level_one_hot_max": 16}},
    "numerics with 3-16 values also one-hot, inside the model (categoricals as before)": {
        "model_options": {"level_one_hot_max": 16}},
    # the same two with another network seed (same folds): a second paired sample
    "default, seed 1": {"seed": 1},
    "one-hot <= 16 + numerics with 3-16 values also one-hot, inside the model, seed 1": {
        "model_options": {"one_hot_max": 16, "level_one_hot_max": 16}, "seed": 1},
    "wide path + one-hot <= 16 + integers (3-16 values) also as categoricals": {
        "model_options": {"wide": True, "one_hot_max": 16}, "transforms": ["ints"]},
    "wide path + weights averaged over the best epoch +- 2": {
        "model_options": {"wide": True}, "weight_average": 2},
    **{name: {"baseline": name} for name in BASELINES},
    "realmlp (RealMLP-TD, pytabkit)": {"baseline": "realmlp"},
    "tabm (TabM-D, pytabkit)": {"baseline": "tabm"},
}


def development_tables() -> list[tuple[str, pd.DataFrame, pd.Series]]:
    out = []
    for name in ("credit", "creditcard"):
        sample = load_sample(name)
        out.append((f"sample:{name}", sample.frame.drop(columns=[sample.target]),
                    sample.frame[sample.target]))
    synthetic = make_credit_frame(5_000, seed=1).drop(columns=["applied_on"])
    out.append(("make_credit_frame(5000, seed=1)", synthetic.drop(columns=["default"]),
                synthetic["default"]))
    for table in DEVELOPMENT_TABLES:
        frame = table.load()
        out.append((table.name, frame.drop(columns=[table.target]), frame[table.target]))
    return out


def fit_and_score(options: dict[str, Any], X: pd.DataFrame, y: pd.Series,
                  train: np.ndarray, test: np.ndarray) -> tuple[float, float]:
    """Held-out ROC-AUC and fit seconds of one variant on one fold (wall-clock; the CPU
    seconds of the last call are left in ``LAST_FIT_CPU``)."""
    cpu_started = cpu_seconds()
    try:
        return _fit_and_score(options, X, y, train, test)
    finally:
        LAST_FIT_CPU[0] = cpu_seconds() - cpu_started


FIRST_THREE: list[tuple[float, float] | None] = [None]  # a bag's first 3 members: AUC, fit s
LAST_FIT_CPU = [0.0]  # CPU seconds (all threads) of the last fit_and_score, scoring included
LAST_BAG: list[dict[str, Any] | None] = [None]  # the last fit's bagging record (members, epochs)


def _fit_and_score(options: dict[str, Any], X: pd.DataFrame, y: pd.Series,
                   train: np.ndarray, test: np.ndarray) -> tuple[float, float]:
    options = dict(options)
    codes = pd.factorize(y, sort=True)[0]
    if "baseline" in options:
        inputs = prepare_baseline_inputs(X, infer_schema(X, warn=False))
        started = time.perf_counter()
        model = make_baseline(options["baseline"], "binary", inputs, 0)
        model.fit(inputs.frame.iloc[train], codes[train])
        seconds = time.perf_counter() - started
        return roc_auc_score(codes[test], model.predict_proba(inputs.frame.iloc[test])[:, 1]), \
            seconds
    started = time.perf_counter()
    X_train, X_test = X.iloc[train].reset_index(drop=True), X.iloc[test].reset_index(drop=True)
    for name in options.pop("transforms", []):
        X_train, X_test = TRANSFORMS[name](X_train, X_test, codes[train])
    bag, first_seed = options.pop("bag", 1), options.pop("seed", 0)
    if options.pop("twelfth_session_costs", False):
        options.update(twelfth_session_costs())
    # a variant may set bagging='auto''s budget share and cost models (train/bagging.py)
    rule = {"BUDGET_SHARE": options.pop("budget_share", bagging_rule.BUDGET_SHARE),
            "CATBOOST_SECONDS": options.pop("catboost_seconds", bagging_rule.CATBOOST_SECONDS
                                            if options.get("library_default")
                                            else TENTH_SESSION_CATBOOST_SECONDS),
            # the seventeenth session's cap (the lower of two projections) for the library
            # row only: rows recorded before it budget with CATBOOST_SECONDS alone
            "CATBOOST_ONE_HOT_SECONDS": bagging_rule.CATBOOST_ONE_HOT_SECONDS
            if options.get("library_default") else None,
            "NETWORK_CPU_PER_ROW_EPOCH": options.pop(
                "network_cost", bagging_rule.NETWORK_CPU_PER_ROW_EPOCH),
            "REFERENCE_CORES": options.pop("reference_cores", bagging_rule.REFERENCE_CORES)}
    library_rule = {name: getattr(bagging_rule, name) for name in rule}
    # the additive path is on by default since the fifteenth session: a row that is not the
    # library default keeps the path off unless it asks for it, and the tenth session's
    # CatBoost projection unless it names one, so rows recorded before then reproduce
    if not options.pop("library_default", False):
        options["model_options"] = {"additive": False, **(options.get("model_options") or {})}
        options.setdefault("warmup_fraction", 0.05)  # the warm-up before the seventeenth session
    try:
        for name, value in rule.items():
            setattr(bagging_rule, name, value)
        pipelines = [fit_tabular(X_train, y.iloc[train].reset_index(drop=True),
                                 seed=first_seed + member, verbose=0, **options)
                     for member in range(bag)]
    finally:
        for name, value in library_rule.items():
            setattr(bagging_rule, name, value)
    seconds = time.perf_counter() - started  # transforms and fits; scoring not timed
    if "bagging" in pipelines[0].training:  # the members a bag (or 'auto') trained, for the log
        print("bagged members:", pipelines[0].training["bagging"]["members"], flush=True)
        network = pipelines[0].network
        LAST_BAG[0] = {**pipelines[0].training["bagging"], "train_rows": len(train),
                       "d_in": len(getattr(network, "members", [network])[0].embedding_slots())}
        if "additive" in pipelines[0].training:  # the additive path's share (thirteenth session)
            LAST_BAG[0]["additive_weight"] = pipelines[0].training["additive"]["weight"]
    predictions = [pipeline.predict_raw(X_test)[0] for pipeline in pipelines]
    pipeline = pipelines[0]
    event = pipeline.target.encode(y.iloc[test])
    if bag > 3:  # the first 3 members are the 3-seed bag: its AUC and fit time for free
        first = [p.training["seconds"] for p in pipelines[:3]]
        FIRST_THREE[0] = (roc_auc_score(event, np.mean(predictions[:3], axis=0)),
                          seconds * sum(first) / sum(p.training["seconds"] for p in pipelines))
    return roc_auc_score(event, np.mean(predictions, axis=0)), seconds


def twelfth_session_costs() -> dict[str, Any]:
    """The cost models ``bagging_budget.py --s12`` fitted (results/bagging_budget_s12.json)."""
    fitted = json.loads((Path(__file__).resolve().parent / "results"
                         / "bagging_budget_s12.json").read_text())
    catboost = fitted["catboost_seconds"]
    return {"catboost_seconds": {k: catboost[k] for k in ("c0", "c_num", "c_cat")},
            "network_cost": {k: fitted["network_cpu_per_row_epoch"][k] for k in ("f0", "u0", "u1")}}


def run_development(only: str | None, table_names: str | None, out: str) -> None:
    warnings.simplefilter("ignore")
    store = Path(out).with_suffix(".json")
    results: dict[str, dict[str, list[float]]] = (
        json.loads(store.read_text()) if store.exists() else {})
    cpu_store = store.with_name(store.stem + "_cpu.json")
    cpu_seconds: dict[str, dict[str, float]] = (
        json.loads(cpu_store.read_text()) if cpu_store.exists() else {})
    bag_store = store.with_name(store.stem + "_bags.json")  # per fold: members, their epochs, CPU
    bags: dict[str, dict[str, list[Any]]] = (
        json.loads(bag_store.read_text()) if bag_store.exists() else {})
    data = development_tables()
    if table_names:
        wanted = {t.strip() for t in table_names.split(";")}
        data = [d for d in data if d[0] in wanted]
    warm_X, warm_y = data[0][1].head(300), data[0][2].head(300)
    fit_tabular(warm_X, warm_y, verbose=0)  # untimed: one-time torch start-up
    chosen = [v.strip() for v in only.split(";")] if only else list(VARIANTS)
    unknown = [v for v in chosen if v not in VARIANTS]
    if unknown:
        raise SystemExit(f"unknown variant(s) {unknown}; choose from {list(VARIANTS)}")
    for variant in chosen:
        # one network unless a variant names its bagging: every row was measured before
        # bagging='auto' became the default, so 'default' here is the one-network default
        options = {"model": "default", "bagging": 1, **VARIANTS[variant]}
        if "baseline" in options:
            options.pop("model")
        for name, X, y in data:
            codes = pd.factorize(y, sort=True)[0]
            folds = StratifiedKFold(N_FOLDS, shuffle=True, random_state=0).split(X, codes)
            aucs, seconds, cpu, three, fold_bags = [], [], [], [], []
            for train, test in folds:
                LAST_BAG[0] = None
                auc, fit_seconds = fit_and_score(options, X, y, train, test)
                if LAST_BAG[0] is not None:
                    fold_bags.append({**LAST_BAG[0], "cpu": LAST_FIT_CPU[0]})
                aucs.append(float(auc))
                seconds.append(fit_seconds)
                cpu.append(LAST_FIT_CPU[0])
                if FIRST_THREE[0] is not None:
                    three.append(FIRST_THREE[0])
                    FIRST_THREE[0] = None
            if three:  # the 3-seed bag, its fit seconds pro rata of the members' loop time
                results.setdefault(THREE_SEEDS, {})[name] = [
                    *(float(a) for a, _ in three), float(sum(s for _, s in three))]
                cpu_seconds.setdefault(THREE_SEEDS, {})[name] = float(
                    sum(cpu) * sum(s for _, s in three) / sum(seconds))
            results.setdefault(variant, {})[name] = [*aucs, float(sum(seconds))]
            cpu_seconds.setdefault(variant, {})[name] = float(sum(cpu))
            print(f"{variant} | {name} | {np.mean(aucs):.4f} | {sum(seconds):.1f}s | "
                  f"cpu {sum(cpu):.1f}s", flush=True)
            cpu_store.write_text(json.dumps(cpu_seconds, indent=1) + "\n")
            if fold_bags:
                bags.setdefault(variant, {})[name] = fold_bags
                bag_store.write_text(json.dumps(bags, indent=1) + "\n")
            store.write_text(json.dumps(results, indent=1) + "\n")
    render(results, TABLE_NAMES, out)


TABLE_NAMES = ["sample:credit", "sample:creditcard", "make_credit_frame(5000, seed=1)",
               *(t.name for t in DEVELOPMENT_TABLES)]


def render(results: dict[str, dict[str, list[float]]], names: list[str], out: str) -> None:
    """One row per variant: mean ± std AUC over folds, paired Δ vs default, fit s / CatBoost."""
    lines = ["## Issue 12 ablations on the development panel", "",
             "Command: `OMP_WAIT_POLICY=PASSIVE python benchmarks/ablations.py --panel "
             "development` — 3-fold stratified ROC-AUC (seed 0), mean ± std over folds; "
             "`Δ` = paired per-fold difference to `default` (mean); `fit×cb` = fit seconds over "
             "the 3 folds / CatBoost's in the same run.", "",
             "| variant | " + " | ".join(f"{n} AUC (Δ) | fit×cb" for n in names)
             + " | mean AUC | mean Δ |",
             "|---|" + "---|---|" * len(names) + "---|---|"]
    base = results.get("default", {})
    catboost = results.get("catboost", {})
    for variant in (v for v in VARIANTS if v in results):
        cells, means, deltas = [], [], []
        for name in names:
            row = results[variant].get(name)
            if row is None:
                cells.append("— | —")
                continue
            aucs, seconds = np.array(row[:-1]), row[-1]
            means.append(aucs.mean())
            delta = ""
            if name in base and variant != "default":
                d = aucs - np.array(base[name][:-1])
                deltas.append(d.mean())
                delta = f" ({d.mean():+.4f})"
            ratio = seconds / catboost[name][-1] if name in catboost else float("nan")
            cells.append(f"{aucs.mean():.4f} ± {aucs.std(ddof=1):.4f}{delta} | {ratio:.2f}")
        complete = len(means) == len(names)
        mean = f"{np.mean(means):.4f}" if complete else "(partial)"
        mean_delta = f"{np.mean(deltas):+.4f}" if deltas and complete else "—"
        lines.append(f"| {variant} | " + " | ".join(cells) + f" | {mean} | {mean_delta} |")
    Path(out).write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")
