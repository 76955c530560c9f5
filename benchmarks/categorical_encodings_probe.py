"""Issue 12, thirty-fifth session: frequency encodings and out-of-fold target statistics of the
categorical columns, on all 22 tables (the sixth session's ablation reached one and five).

    OMP_WAIT_POLICY=PASSIVE python benchmarks/categorical_encodings_probe.py --variant frequency
    OMP_WAIT_POLICY=PASSIVE python benchmarks/categorical_encodings_probe.py --variant target
    python benchmarks/categorical_encodings_probe.py --variant target --report-only

Two of the issue's candidates for categorical-heavy tables were measured on part of the
development panel only before the sixth session's run was cut: frequency encodings (social_insure
alone) and out-of-fold target statistics as CatBoost computes them (five tables, not Caravan).
Here, on all 22, each categorical column of the training fold (as findeep's schema reads it) with
3 or more levels keeps its embedding and gains a numeric column:

- ``frequency``: the share of training rows holding its value (a value unseen in training: 0);
- ``target``: its value's event rate, smoothed towards the fold's event rate with the weight of
  10 rows; on the training rows computed out of fold (5 stratified inner folds, seed 0), so a
  row's own label never enters its statistic; on the test rows from all training rows.

Both are fitted on the training fold only. `default`, seed 0, on the same folds as the reference
(this session's partner probe, ``results/blend_budget_probe.json``, today's `default`).

The rule, declared before the run (the thirtieth session's): a variant goes into the library's
defaults only if (1) the mean per-table paired Δ AUC over the 22 real tables is above zero, (2)
no table's mean Δ is below minus the reference's fold std there, and (3) the network's fit
seconds over the 22 tables are within 1.10x the reference's.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from issue12_s31_headroom import real_tables
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

import findeep.benchmark as benchmark_module
from findeep.data.schema import infer_schema
from findeep.pipeline import fit_tabular

HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "results" / "blend_budget_probe.json"
MIN_LEVELS = 3
SMOOTHING_ROWS = 10.0
INNER_FOLDS = 5


def encoded_columns(train: pd.DataFrame) -> list[str]:
    """The training rows' categorical columns of 3 or more levels."""
    schema = infer_schema(train, warn=False)
    return [c for c in schema.names_of("categorical")
            if train[c].nunique(dropna=False) >= MIN_LEVELS]


def _keys(values: pd.Series) -> pd.Series:
    """Each value as text, a missing value as a level of its own."""
    return values.astype(object).where(values.notna(), "(missing)").astype(str)


def frequency_encoder(train: pd.DataFrame, y: np.ndarray, columns: list[str]):
    shares = {c: _keys(train[c]).value_counts(normalize=True) for c in columns}

    def encode(frame: pd.DataFrame, _training: bool) -> pd.DataFrame:
        return frame.assign(**{f"{c}__frequency": _keys(frame[c]).map(shares[c]).fillna(0.0)
                               .astype(float).to_numpy() for c in columns})
    return encode


def _rates(keys: pd.Series, y: np.ndarray, prior: float) -> pd.Series:
    stats = pd.DataFrame({"k": keys.to_numpy(), "y": y}).groupby("k")["y"].agg(["sum", "count"])
    return (stats["sum"] + prior * SMOOTHING_ROWS) / (stats["count"] + SMOOTHING_ROWS)


def target_encoder(train: pd.DataFrame, y: np.ndarray, columns: list[str]):
    prior = float(y.mean())
    whole = {c: _rates(_keys(train[c]), y, prior) for c in columns}
    inner = list(StratifiedKFold(INNER_FOLDS, shuffle=True, random_state=0)
                 .split(np.zeros(len(y)), y))
    out_of_fold = {}
    for c in columns:
        keys = _keys(train[c])
        values = np.full(len(train), prior)
        for fit_rows, held_rows in inner:
            rates = _rates(keys.iloc[fit_rows], y[fit_rows], prior)
            values[held_rows] = keys.iloc[held_rows].map(rates).fillna(prior).to_numpy()
        out_of_fold[c] = values

    def encode(frame: pd.DataFrame, training: bool) -> pd.DataFrame:
        if training:
            return frame.assign(**{f"{c}__target_rate": out_of_fold[c] for c in columns})
        return frame.assign(**{f"{c}__target_rate": _keys(frame[c]).map(whole[c])
                               .fillna(prior).astype(float).to_numpy() for c in columns})
    return encode


ENCODERS = {"frequency": frequency_encoder, "target": target_encoder}
VARIANT = "frequency"


def measure(name: str, frame, target: str, n_folds: int) -> dict:
    table = benchmark_module._BenchmarkTable.from_frame(frame, target, task="auto",
                                                        time_column=None, seed=0)
    folds, _ = benchmark_module._folds(table.y_codes, table.spec.task, n_folds, 0, None, False)
    record: dict = {"name": name, "folds": []}
    for train, test in folds:
        X, y = table.X.iloc[train], table.y.iloc[train]
        columns = encoded_columns(X)
        fold = {"copied": len(columns)}
        if columns:
            encode = ENCODERS[VARIANT](X, table.y_codes[train].astype(float), columns)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                started = time.perf_counter()
                pipeline = fit_tabular(encode(X, True), y, task="binary",
                                       model="default", seed=0, verbose=0)
                fold["fit_seconds"] = time.perf_counter() - started
                p, _ = pipeline.predict_raw(encode(table.X.iloc[test], False))
            fold["auc"] = float(roc_auc_score(table.y_codes[test], p))
        record["folds"].append(fold)
    return record


def report(records: list[dict], reference: dict[str, dict]) -> str:
    lines = ["| table | columns encoded | default | with encodings | Δ (paired) | "
             "reference fold std | fit s: reference / encoded |",
             "|---|---|---|---|---|---|---|"]
    deltas, worse, fit_ref, fit_new = [], [], 0.0, 0.0
    for record in records:
        ref = reference[record["name"]]
        base = np.array([f["auc"]["default"] for f in ref["folds"]])
        seconds = [f["fit_seconds"]["default"] for f in ref["folds"]]
        crossed = np.array([f.get("auc", b) for f, b in zip(record["folds"], base, strict=True)])
        new_seconds = [f.get("fit_seconds", s) for f, s in zip(record["folds"], seconds,
                                                               strict=True)]
        delta = crossed - base
        deltas.append(delta.mean())
        if delta.mean() < -base.std(ddof=1):
            worse.append(record["name"])
        fit_ref += sum(seconds)
        fit_new += sum(new_seconds)
        copied = max(f["copied"] for f in record["folds"])
        lines.append(f"| {record['name']} | {copied} | {base.mean():.4f} | {crossed.mean():.4f} | "
                     f"{delta.mean():+.4f} ± {delta.std(ddof=1):.4f} | {base.std(ddof=1):.4f} | "
                     f"{sum(seconds):.1f} / {sum(new_seconds):.1f} |")
    deltas = np.array(deltas)
    se = deltas.std(ddof=1) / np.sqrt(len(deltas))
    ratio = fit_new / fit_ref
    passes = deltas.mean() > 0 and not worse and ratio <= 1.10
    lines += ["", "| criterion | held | measured |", "|---|---|---|",
              f"| 1. mean per-table Δ above zero | {'yes' if deltas.mean() > 0 else 'no'} | "
              f"{deltas.mean():+.4f} (s.e. {se:.4f}; up on {(deltas > 0).sum()} of "
              f"{len(deltas)}) |",
              f"| 2. no table below minus its reference fold std | {'no' if worse else 'yes'} "
              f"| {', '.join(worse) or 'none'} |",
              f"| 3. fit seconds within 1.10x | {'yes' if ratio <= 1.10 else 'no'} | "
              f"{ratio:.3f}x |",
              "", f"Rule: **{'passes' if passes else 'fails'}**."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--variant", choices=sorted(ENCODERS), required=True)
    args = parser.parse_args()
    global VARIANT
    VARIANT = args.variant
    store = HERE / "results" / f"categorical_encodings_{VARIANT}.json"
    report_path = HERE / "results" / f"categorical_encodings_{VARIANT}.md"
    reference = {r["name"]: r for r in json.loads(REFERENCE.read_text())}
    if not args.report_only:
        records = []
        for name, frame, target, n_folds in real_tables():
            started = time.perf_counter()
            records.append(measure(name, frame, target, n_folds))
            print(f"{name}: {time.perf_counter() - started:.0f} s", flush=True)
            store.write_text(json.dumps(records, indent=1))
    records = json.loads(store.read_text())
    report_path.write_text(report(records, reference))
    print(report_path.read_text())


if __name__ == "__main__":
    main()
