"""From a score to a credit decision: the economics of cut-offs on labelled rows, and
saved cut-off policies applied at scoring time.

``decision_economics`` prices a binary model's scores on labelled rows: expected loss
(PD x LGD x exposure) by score band, the profit of every cut-off, the profit-maximising
cut-off, and EMP. LGD, exposure and margin are each a constant or a column of the data.
``save_policy`` keeps a chosen cut-off as JSON tied to the bundle's weights (their sha256),
and ``apply_policy`` turns scores into approve/decline with the reasons of each decline.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from findeep.bundle import CHECKSUMS_FILE, WEIGHTS_FILE
from findeep.data.io import TableLike, check_output, read_table, refuse_overwrite, write_table
from findeep.data.number_text import numbers_of
from findeep.errors import BundleError, ConfigError, DataError, did_you_mean
from findeep.evaluate.profit import (
    DEFAULT_P0,
    DEFAULT_P1,
    DEFAULT_ROI,
    expected_loss_by_band,
    expected_maximum_profit,
    profit_curve,
)
from findeep.explain.commands import load_pipeline
from findeep.explain.reasons import explain_frame
from findeep.pipeline import TabularPipeline
from findeep.workflow import write_json_atomic

POLICY_FORMAT = "findeep-cutoff-policy/1"


def amount(spec: str | float | None, frame: pd.DataFrame, name: str,
           default: float | None = None) -> float | np.ndarray:
    """A constant ('0.45') or a column of ``frame`` ('loan_amount') as numbers."""
    if spec is None:
        if default is None:
            raise ConfigError(f"--{name} is required: a number or a column name.")
        return default
    try:
        return float(spec)
    except (TypeError, ValueError):
        pass
    if spec not in frame.columns:
        raise DataError(f"--{name} '{spec}' is neither a number nor a column of the data."
                        + did_you_mean(str(spec), map(str, frame.columns)))
    values = numbers_of(frame[spec])
    bad = int((~np.isfinite(values)).sum())
    if bad:
        raise DataError(f"--{name} column '{spec}' has {bad:,} missing or non-numeric "
                        "value(s); fill them or give a constant.")
    return values


def _binary(pipeline: TabularPipeline, what: str) -> None:
    if pipeline.task != "binary":
        raise ConfigError(f"{what} needs a binary model (event vs not); this one is "
                          f"{pipeline.task}.")


def decision_economics(pipeline: TabularPipeline, frame: pd.DataFrame, *,
                       lgd: str | float | None, exposure: str | float | None = None,
                       margin: str | float | None = None, p0: float = DEFAULT_P0,
                       p1: float = DEFAULT_P1, n_bands: int = 10) -> dict[str, Any]:
    """Expected loss by band, profit curve and its best cut-off, and EMP, of a binary model
    on the labelled rows of ``frame``."""
    _binary(pipeline, "expected loss and profit")
    name = pipeline.target.name
    if name not in frame.columns:
        raise DataError(f"the data has no target column '{name}' to price cut-offs against.")
    rows = frame[frame[name].notna()]
    if rows.empty:
        raise DataError(f"no row of the data has a value in '{name}'.")
    prediction, _ = pipeline.predict_raw(rows)
    p_event = pipeline.event_probability(prediction)
    y = (rows[name].astype(str).to_numpy() == str(pipeline.target.event_class)).astype(int)
    lgd_values = amount(lgd, rows, "lgd")
    exposure_values = amount(exposure, rows, "exposure", default=1.0)
    margin_values = amount(margin, rows, "margin", default=DEFAULT_ROI)
    curve = profit_curve(y, p_event, margin=margin_values, lgd=lgd_values,
                         exposure=exposure_values)
    result: dict[str, Any] = {
        "rows": len(rows), "event_class": pipeline.target.event_class,
        "assumptions": {"lgd": lgd, "exposure": exposure if exposure is not None else 1.0,
                        "margin": margin if margin is not None else DEFAULT_ROI},
        "expected_loss": expected_loss_by_band(p_event, lgd=lgd_values,
                                               exposure=exposure_values, n_bands=n_bands),
        "profit": curve.to_dict(),
        "approve_all_profit": float(curve.profit[-1]),
    }
    if len(set(y)) == 2 and np.isscalar(margin_values):
        emp = expected_maximum_profit(y, p_event, roi=float(margin_values), p0=p0, p1=p1)
        result["emp"] = {"emp": emp.emp, "rejection_rate": emp.rejection_rate,
                         "roi": float(margin_values), "p0": p0, "p1": p1}
    return result


def weights_digest(bundle: str | os.PathLike[str]) -> str:
    """The sha256 of a bundle's weights, as its checksums file records it."""
    try:
        return json.loads((Path(bundle) / CHECKSUMS_FILE).read_text())[WEIGHTS_FILE]
    except (OSError, ValueError, KeyError):
        raise BundleError(f"'{bundle}' is not a findeep bundle with recorded weights.") from None


def save_policy(bundle: str | os.PathLike[str], out: str | os.PathLike[str], *,
                cutoff: float, basis: dict[str, Any] | None = None,
                force: bool = False) -> Path:
    """Write a cut-off policy for ``bundle``: decline at or above ``cutoff``."""
    if not 0.0 < cutoff <= 1.0 and cutoff != float("inf"):
        raise ConfigError(f"cutoff must be in (0, 1], however: {cutoff=}")
    if Path(out).suffix.lower() != ".json":
        raise ConfigError(f"a policy is JSON; name it with .json, however: '{out}'.")
    refuse_overwrite(Path(out), force=force)
    pipeline = load_pipeline(bundle)
    _binary(pipeline, "a cut-off policy")
    write_json_atomic(out, {
        "format": POLICY_FORMAT, "bundle_weights_sha256": weights_digest(bundle),
        "target": pipeline.target.name, "event_class": pipeline.target.event_class,
        "decline_at_or_above": min(float(cutoff), 1.0),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "basis": basis or {}})
    return Path(out)


def read_policy(path: str | os.PathLike[str], bundle: str | os.PathLike[str]) -> dict[str, Any]:
    """A policy file, checked to belong to ``bundle``."""
    try:
        policy = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise DataError(f"policy file '{path}' does not exist.") from None
    except (OSError, ValueError, UnicodeDecodeError):
        raise DataError(f"policy file '{path}' is not JSON.") from None
    if not isinstance(policy, dict) or policy.get("format") != POLICY_FORMAT:
        raise DataError(f"'{path}' is not a findeep cut-off policy (format {POLICY_FORMAT}).")
    if policy.get("bundle_weights_sha256") != weights_digest(bundle):
        raise BundleError(f"policy '{path}' was made for another model: its weights checksum "
                          f"does not match '{bundle}'. Make a policy for this bundle with "
                          "'findeep evaluate ... --policy-out'.")
    cutoff = policy.get("decline_at_or_above")
    if not isinstance(cutoff, int | float) or not 0 < cutoff <= 1:
        raise DataError(f"policy '{path}' has no valid 'decline_at_or_above' in (0, 1].")
    return policy


def apply_policy(bundle: str | os.PathLike[str], data: TableLike,
                 policy_path: str | os.PathLike[str], out: str | os.PathLike[str], *,
                 id_column: str | None = None, top: int = 3,
                 force: bool = False) -> dict[str, Any]:
    """Approve or decline every row of ``data`` by the policy's cut-off; each decline
    carries the ``top`` columns that raised its risk most (reason codes)."""
    check_output(out, force=force)
    policy = read_policy(policy_path, bundle)
    pipeline = load_pipeline(bundle)
    frame = read_table(data)
    if id_column is not None and id_column not in frame.columns:
        raise DataError(f"id column '{id_column}' is not in the data."
                        + did_you_mean(id_column, map(str, frame.columns)))
    prediction, report = pipeline.predict_raw(frame)
    p_event = pipeline.event_probability(prediction)
    decline = p_event >= policy["decline_at_or_above"]
    result = pd.DataFrame(index=range(len(frame)))
    if id_column is not None:
        result[id_column] = frame[id_column].to_numpy()
    result[f"probability_{pipeline.target.event_class}"] = p_event
    result["decision"] = np.where(decline, "decline", "approve")
    for r in range(top):
        result[f"reason_{r + 1}"] = ""
    if decline.any():
        reasons = explain_frame(pipeline, frame.iloc[np.flatnonzero(decline)].reset_index(
            drop=True), top=top)
        for r in range(top):
            result.loc[decline, f"reason_{r + 1}"] = reasons[f"reason_{r + 1}"].to_numpy()
    write_table(result, out, force=force)
    return {"rows": len(result), "declined": int(decline.sum()),
            "cutoff": policy["decline_at_or_above"],
            "unseen_categories": report.unseen_categories}
