"""The ``findeep pricing`` commands as library calls: generate, train, price, calibrate, check.

Each checks its inputs and that its output can be written before any work, and writes
atomically (tables through ``data.io.write_table``, bundles through ``bundle.write_bundle``).
"""

from __future__ import annotations

import os
from numbers import Integral
from pathlib import Path
from typing import Any

import pandas as pd

from findeep.bundle import check_writable
from findeep.data.io import TableLike, check_output, read_table, write_table
from findeep.errors import ConfigError, DataError
from findeep.output_paths import refuse_overwrite
from findeep.pricing.box import ParameterBox, option_inputs, option_types
from findeep.pricing.bundle import load_pricer, save_pricer
from findeep.pricing.calibration import calibrate, read_surface
from findeep.pricing.estimator import HestonSurrogate, layout_of
from findeep.pricing.sampling import ProgressHook, generate_heston, generate_heston_grid

MODELS = {"heston": generate_heston, "heston-grid": generate_heston_grid}
PRICE_COLUMNS = ("price", "outside_box", "missing_inputs")  # what ``price`` adds per row


def require_price_surrogate(pricer: HestonSurrogate, bundle: str | os.PathLike[str],
                            command: str) -> None:
    """Refuse a surface surrogate for a command that prices single options, saying what a
    surface surrogate is for and how to get a price surrogate."""
    if pricer.kind != "price":
        raise ConfigError(
            f"'{bundle}' is a surface surrogate (--kind surface): it maps a parameter set to "
            "implied vols on its fixed strike x maturity grid, for use from Python "
            f"(HestonSurrogate.predict_surface); 'findeep pricing {command}' needs a price "
            "surrogate: train one on 'heston' data (findeep pricing generate --model heston, "
            "then findeep pricing train DATA).")


def generate_job(model: str, n: int, out: str | os.PathLike[str], *, design: str = "lhs",
                 seed: int = 0, n_jobs: int = 2, force: bool = False,
                 progress: ProgressHook | None = None) -> dict[str, Any]:
    """Sample the default box, price every row with the reference, write Parquet."""
    if model not in MODELS:
        raise ConfigError(f"model must be {' or '.join(MODELS)}, however: {model!r}")
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, Integral) or n_jobs < 1:
        raise ConfigError(f"--jobs must be a positive integer (threads), however: {n_jobs!r}")
    if check_output(out, force=force) != "parquet":
        raise ConfigError(f"write generated data to a .parquet file (it keeps the box and pricer "
                          f"version in its metadata), however: '{out}'.")
    frame = MODELS[model](n, design=design, seed=seed, n_jobs=n_jobs,  # type: ignore[operator]
                          progress=progress)
    write_table(frame, out, force=force)
    return {"rows": len(frame), "out": str(out), **frame.attrs["findeep_pricing"]}


def read_training_table(data: TableLike) -> pd.DataFrame:
    frame = read_table(data)
    if not frame.attrs.get("findeep_pricing"):
        # a CSV loses the metadata: the default box is assumed (and cut, at fit, to what
        # the rows cover), and said so in the bundle
        frame.attrs["findeep_pricing"] = {"layout": layout_of(frame),
                                          "box": ParameterBox.default().to_dict(),
                                          "pricer": "unknown (no metadata in the table)"}
    return frame


def train_job(data: TableLike, out: str | os.PathLike[str], *, force: bool = False,
              onnx: str | os.PathLike[str] | None = None, **params: Any) -> dict[str, Any]:
    """Fit a ``HestonSurrogate`` on generated data, save its bundle (and ONNX when asked)."""
    check_writable(out, force=force)
    if onnx is not None:
        if Path(onnx).suffix.lower() != ".onnx":
            raise ConfigError(f"--onnx '{onnx}' would hold an ONNX graph; name it .onnx "
                              f"(e.g. {Path(onnx).with_suffix('.onnx').name}).")
        if isinstance(data, str | os.PathLike) and Path(data).exists() \
                and Path(onnx).resolve() == Path(data).resolve():
            raise ConfigError(f"--onnx '{onnx}' is the training data; name another file.")
        refuse_overwrite(onnx, force=force)
    pricer = HestonSurrogate(**params)
    pricer.check_params()  # a bad option is named before a large table is read
    frame = read_training_table(data)
    pricer.fit(frame)
    metrics = {k: v for k, v in pricer.training_.items() if k != "history"}
    save_pricer(pricer, out, metrics=metrics, force=force)
    summary: dict[str, Any] = {"bundle": str(out), "kind": pricer.kind, **metrics}
    if onnx is not None:
        from findeep.pricing.onnx import export_pricer

        summary["onnx"] = export_pricer(pricer, onnx, force=force)
    return summary


def price_job(bundle: str | os.PathLike[str], data: TableLike, out: str | os.PathLike[str], *,
              force: bool = False) -> dict[str, Any]:
    """Price every row inside the box; rows outside it, or with an empty input cell, get no
    price and name why (columns ``outside_box``, ``missing_inputs``).

    The output is the input table with ``PRICE_COLUMNS`` added; an input that already has
    one (market quotes in ``price``) is refused rather than overwritten.
    """
    check_output(out, force=force)
    pricer = load_pricer(bundle)
    require_price_surrogate(pricer, bundle, "price")
    frame = read_table(data)
    taken = [c for c in PRICE_COLUMNS if c in frame.columns]
    if taken:
        raise DataError(
            f"the options table already has the column(s) {', '.join(taken)}, which 'findeep "
            f"pricing price' writes ({', '.join(PRICE_COLUMNS)}); rename them (e.g. "
            f"{taken[0]} -> market_{taken[0]}) so that they are not overwritten.")
    option_inputs(frame)  # every column problem before any pricing
    option_types(frame)
    priced = pricer.predict(frame)
    result = frame.copy()
    for column in PRICE_COLUMNS:
        result[column] = priced[column].to_numpy()
    write_table(result, out, force=force, like=data)
    outside = priced["outside_box"] != ""
    absent = priced["missing_inputs"] != ""
    return {"rows": len(frame), "priced": int((~outside & ~absent).sum()),
            "outside_box": int(outside.sum()), "missing_inputs": int(absent.sum()),
            "out": str(out)}


def calibrate_job(bundle: str | os.PathLike[str], surface: TableLike, *,
                  reference: bool = True) -> dict[str, Any]:
    """Calibrate Heston to a surface with the network, and (default) with the reference."""
    pricer = load_pricer(bundle)
    require_price_surrogate(pricer, bundle, "calibrate")
    quotes = read_surface(read_table(surface), pricer.box_)
    results = {"network": calibrate(quotes, pricer=pricer).to_dict()}
    if reference:
        results["reference"] = calibrate(quotes, box=pricer.box_).to_dict()
    return {"options": int(quotes.call.size), "left_out": quotes.left_out,
            "left_out_columns": list(quotes.left_out_columns), **results}


def check_job(bundle: str | os.PathLike[str], *, n: int = 20_000, n_sets: int = 1000,
              seed: int = 12345, progress: ProgressHook | None = None) -> dict[str, Any]:
    """Accuracy on a fresh sample and static-arbitrage counts on a 50 x 50 grid."""
    from findeep.pricing.checks import accuracy, arbitrage
    from findeep.pricing.sampling import MAX_SAMPLES

    if not 10 <= n <= MAX_SAMPLES or not 1 <= n_sets <= MAX_SAMPLES:
        raise ConfigError(f"--n must be 10 to {MAX_SAMPLES:,} and --sets 1 to {MAX_SAMPLES:,}, "
                          f"however: --n {n}, --sets {n_sets}")
    pricer = load_pricer(bundle)
    require_price_surrogate(pricer, bundle, "check")
    return {"accuracy": accuracy(pricer, n=n, seed=seed, progress=progress),
            "arbitrage": arbitrage(pricer, n_sets=n_sets),
            "trained_on": pricer.data_, "training": {
                k: v for k, v in pricer.training_.items() if k != "history"}}


def summary_rows(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Calibration results as metric-table columns."""
    columns: dict[str, dict[str, Any]] = {}
    for name in ("network", "reference"):
        if name in results:
            r = results[name]
            columns[name] = {**r["parameters"], "rmse": r["rmse"], "max_error": r["max_error"],
                             "reference_rmse": r["reference_rmse"], "seconds": r["seconds"],
                             "evaluations": r["evaluations"],
                             "converged": "yes" if r["success"] else "no",
                             "at_bounds": ", ".join(r["at_bounds"]) or "none"}
    return columns

