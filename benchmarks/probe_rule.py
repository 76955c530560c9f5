"""The thirty-fifth session's probes of a change to `default` on issue 12's 22 real tables:
the reference, the rule every probe declares before its run, its report, and the run loop.

The reference is `default` as it is, fitted on the same folds by ``blend_budget_probe.py``
(``results/blend_budget_probe.json``). The rule is the thirtieth session's, which every default
change has passed: the variant goes into `default` only if (1) the mean per-table paired Δ AUC
over the 22 tables is above zero, (2) no table's mean Δ is below minus the reference's fold std
there, and (3) the network's fit seconds over the 22 tables are within 1.10x the reference's.

A probe's record holds, per fold, ``auc`` and ``fit_seconds`` where the variant ran (a table it
does not apply to keeps the reference's) and a count under ``count_key`` (what the variant did:
pairs crossed, columns copied...).
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from issue12_s31_headroom import real_tables
from sklearn.metrics import roc_auc_score

import findeep.benchmark as benchmark_module
import findeep.pipeline as pipeline_module
from findeep.pipeline import fit_tabular

HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "results" / "blend_budget_probe.json"
TALLY_PANEL = HERE / "results" / "tally_panel"  # `findeep benchmark --out` per table and seed


def table_file_name(name: str) -> str:
    """A table's name as ``tally_panel.py`` names its files: "ISLR/Caravan" -> "ISLR-Caravan"."""
    return name.replace("/", "-").replace(":", "-")


def stored_catboost_seconds(name: str, fold: int | None = None) -> float:
    """CatBoost's fit seconds on a table's seed-0 folds as ``tally_panel.py`` stored them:
    over every fold, or on ``fold`` alone."""
    result = json.loads((TALLY_PANEL / f"{table_file_name(name)}-seed0.json").read_text())
    return float(sum(f["fit_seconds"] for f in result["folds"]
                     if f["model"] == "catboost" and fold in (None, f["fold"])))


@contextmanager
def members_counted() -> Iterator[list[int]]:
    """The pipeline's ``fit_bag`` patched for the block to record each bag's member count."""
    real, counts = pipeline_module.fit_bag, []

    def counting(*args: Any, **kwargs: Any) -> Any:
        bag = real(*args, **kwargs)
        counts.append(len(bag.members))
        return bag

    pipeline_module.fit_bag = counting
    try:
        yield counts
    finally:
        pipeline_module.fit_bag = real


# prepare(training rows, their 0/1 labels) -> (how much the variant does there, 0 to skip the
# fold; encode(frame, training) -> the frame the network reads)
Encode = Callable[[pd.DataFrame, bool], pd.DataFrame]
Prepare = Callable[[pd.DataFrame, np.ndarray], tuple[int, Encode]]


def measure_variant(name: str, frame: pd.DataFrame, target: str, n_folds: int, *,
                    prepare: Prepare, count_key: str = "copied",
                    model_options: dict[str, Any] | None = None) -> dict:
    """`default` (seed 0) fitted on each fold's training rows as ``prepare`` reads them, scored
    on its test rows: the record ``rule_report`` reads (the reference's folds: the benchmark's
    with seed 0)."""
    table = benchmark_module._BenchmarkTable.from_frame(frame, target, task="auto",
                                                        time_column=None, seed=0)
    folds, _ = benchmark_module._folds(table.y_codes, table.spec.task, n_folds, 0, None, False)
    record: dict = {"name": name, "folds": []}
    for train, test in folds:
        X, y = table.X.iloc[train], table.y.iloc[train]
        count, encode = prepare(X, table.y_codes[train].astype(float))
        fold: dict = {count_key: count}
        if count:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                started = time.perf_counter()
                pipeline = fit_tabular(encode(X, True), y, task="binary", model="default",
                                       seed=0, verbose=0, model_options=model_options)
                fold["fit_seconds"] = time.perf_counter() - started
                p, _ = pipeline.predict_raw(encode(table.X.iloc[test], False))
            fold["auc"] = float(roc_auc_score(table.y_codes[test], p))
        record["folds"].append(fold)
    return record


def unchanged(frame: pd.DataFrame, _training: bool) -> pd.DataFrame:
    return frame


def rule_report(records: list[dict], reference: dict[str, dict], *, count_key: str,
                count_label: str, variant_label: str, fit_label: str) -> str:
    """Per table the variant against the reference, then the rule's three criteria."""
    lines = [f"| table | {count_label} | default | {variant_label} | Δ (paired) | "
             f"reference fold std | fit s: reference / {fit_label} |",
             "|---|---|---|---|---|---|---|"]
    deltas, worse, fit_ref, fit_new = [], [], 0.0, 0.0
    for record in records:
        ref = reference[record["name"]]
        base = np.array([f["auc"]["default"] for f in ref["folds"]])
        seconds = [f["fit_seconds"]["default"] for f in ref["folds"]]
        variant = np.array([f.get("auc", b) for f, b in zip(record["folds"], base, strict=True)])
        new_seconds = [f.get("fit_seconds", s) for f, s in zip(record["folds"], seconds,
                                                               strict=True)]
        delta = variant - base
        deltas.append(delta.mean())
        if delta.mean() < -base.std(ddof=1):
            worse.append(record["name"])
        fit_ref += sum(seconds)
        fit_new += sum(new_seconds)
        count = max(f[count_key] for f in record["folds"])
        lines.append(f"| {record['name']} | {count} | {base.mean():.4f} | {variant.mean():.4f} | "
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


Measure = Callable[..., dict]  # (table name, *its arguments) -> the table's record
Report = Callable[[list[dict], dict], str]


def labelled_report(*, count_label: str, variant_label: str, fit_label: str,
                    count_key: str = "copied") -> Report:
    """A probe's report: ``rule_report`` with the probe's column labels."""
    return partial(rule_report, count_key=count_key, count_label=count_label,
                   variant_label=variant_label, fit_label=fit_label)


def measure_each(tables: Iterable[tuple], measure: Measure, store: Path) -> list[dict]:
    """``measure(name, *arguments)`` for each ``(name, *arguments)`` in ``tables``, timed and
    printed, the records written to ``store`` after each (a stopped run keeps what it did)."""
    records = []
    for name, *arguments in tables:
        started = time.perf_counter()
        records.append(measure(name, *arguments))
        print(f"{name}: {time.perf_counter() - started:.0f} s", flush=True)
        store.write_text(json.dumps(records, indent=1))
    return records


def run_probe(measure: Measure, *, store: Path, report_path: Path, report: Report,
              report_only: bool) -> None:
    """Measure every table (unless ``report_only``), storing the records after each, then
    write and print the report against the reference."""
    reference = {r["name"]: r for r in json.loads(REFERENCE.read_text())}
    if not report_only:
        measure_each(real_tables(), measure, store)
    records = json.loads(store.read_text())
    report_path.write_text(report(records, reference))
    print(report_path.read_text())


def probe_command_line(doc: str, measure: Measure, *, store: Path, report_path: Path,
                       report: Report) -> None:
    """A probe's command: ``--report-only`` rewrites the report from the stored records."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    run_probe(measure, store=store, report_path=report_path, report=report,
              report_only=args.report_only)


def records_command_line(doc: str, measure: Callable[[Path], object], *, store: Path,
                         report_path: Path, report: Callable[[list[dict]], str]) -> None:
    """A probe's command outside the 22-table reference: ``measure(store)`` writes its
    records to ``store`` as it goes (skipped with ``--report-only``), then the report is
    written from the stored records and printed."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--report-only", action="store_true")
    if not parser.parse_args().report_only:
        measure(store)
    report_path.write_text(report(json.loads(store.read_text())))
    print(report_path.read_text())


def option_probe(doc: str, options: dict[str, Any], *, store: Path, report_path: Path) -> None:
    """The command of a probe of `default` with ``model_options=options`` on every table."""
    def measure(name: str, frame: pd.DataFrame, target: str, n_folds: int) -> dict:
        return measure_variant(name, frame, target, n_folds,
                               prepare=lambda _x, _y: (1, unchanged), model_options=options)

    probe_command_line(doc, measure, store=store, report_path=report_path,
                       report=labelled_report(count_label="option on",
                                              variant_label="with the option",
                                              fit_label="with the option"))
