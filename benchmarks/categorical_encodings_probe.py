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

import numpy as np
import pandas as pd
from probe_rule import HERE, Encode, labelled_report, measure_variant, run_probe
from sklearn.model_selection import StratifiedKFold

from findeep.data.schema import infer_schema

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
    def prepare(train: pd.DataFrame, labels: np.ndarray) -> tuple[int, Encode]:
        columns = encoded_columns(train)
        return len(columns), ENCODERS[VARIANT](train, labels, columns) if columns else None
    return measure_variant(name, frame, target, n_folds, prepare=prepare)


report = labelled_report(count_label="columns encoded", variant_label="with encodings",
                         fit_label="encoded")


def main() -> None:
    global VARIANT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--variant", choices=sorted(ENCODERS), required=True)
    args = parser.parse_args()
    VARIANT = args.variant
    run_probe(measure, store=HERE / "results" / f"categorical_encodings_{VARIANT}.json",
              report_path=HERE / "results" / f"categorical_encodings_{VARIANT}.md",
              report=report, report_only=args.report_only)


if __name__ == "__main__":
    main()
