"""From a score to a credit decision: the economics of cut-offs on labelled rows, and
saved cut-off policies applied at scoring time.

``decision_economics`` prices a binary model's scores on labelled rows: expected loss
(PD x LGD x exposure) by score band, the profit of every cut-off, the profit-maximising
cut-off, and EMP. LGD, exposure and margin are each a constant or a column of the data.
``save_policy`` keeps a chosen cut-off as JSON tied to the bundle's weights (their sha256),
with the marginals of the applicants it approves (the reference its reason codes are
measured against), and ``apply_policy`` turns scores into approve/decline with the reasons
of each decline.

Scores are priced and decided as the output files write them (``as_written``): a float32
probability 0.20103903114795685 is written "0.20103903", and deciding on the written value
against a cut-off stored the same way lets anyone recount the decisions from the files.
"""

from __future__ import annotations

import json
import os
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from findeep.bundle import CHECKSUMS_FILE, META_FILE, WEIGHTS_FILE, read_checksums
from findeep.data.io import (
    TableLike,
    check_output,
    ids_as_written,
    read_table,
    refuse_overwrite,
    warn_empty_rows,
    write_table,
)
from findeep.data.number_text import numbers_of
from findeep.data.profile import N_REFERENCE_QUANTILES, build_profile, reference_frame
from findeep.data.schema import FindeepWarning
from findeep.data.sentinels import split_special
from findeep.errors import BundleError, ConfigError, DataError, did_you_mean
from findeep.evaluate.profit import (
    DEFAULT_P0,
    DEFAULT_P1,
    DEFAULT_ROI,
    expected_loss_by_band,
    expected_maximum_profit,
    held_out_profit,
    percentage_hint,
    profit_curve,
)
from findeep.pipeline import TabularPipeline, read_pipeline
from findeep.workflow import write_json_atomic

POLICY_FORMAT = "findeep-cutoff-policy/1"
# the reference of a policy without its own (made before policies kept one, or approving no
# row of its data): the bundle's explain reference
BUNDLE_REFERENCE = "the training rows scored below 0.5 (the bundle's explain reference)"


def _tabular(bundle: str | os.PathLike[str]) -> TabularPipeline:
    """The tabular model a bundle holds, checksums verified (explanations, and the Captum
    they load, stay out of `evaluate`'s start: they are read only for decline reasons)."""
    pipeline, _ = read_pipeline(bundle, refusal="cut-off policies cover tabular models only")
    return pipeline


def as_written(scores: np.ndarray) -> np.ndarray:
    """Scores as a findeep table writes them, read back as float64: a float32 score
    becomes the value of its shortest text (0.20103903, not 0.20103903114795685).

    The map keeps every score's order and ties (each float32 has its own shortest text),
    so cut-offs and profits keep their meaning; deciding on these values makes the
    decisions a reader recomputes from the file the ones findeep made.
    """
    return np.asarray(scores).astype(str).astype(np.float64)


def shortfall_text(top: int) -> str:
    """What a decline's empty reason places say: never blank, never read as a reason."""
    if top == 1:
        return "(no column raised this applicant's risk)"
    return f"(fewer than {top} columns raised this applicant's risk)"


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
    negative = int((values < 0).sum())
    if negative:
        raise DataError(f"--{name} column '{spec}' has {negative:,} negative value(s) (the "
                        f"lowest {values.min():g}); an amount or a share is 0 or more.")
    if name == "lgd" and (values > 1).any():
        top = float(values.max())
        raise DataError(f"--lgd column '{spec}' reaches {top:g}; a loss given default is a "
                        f"share of the exposure, at most 1{percentage_hint(top)}.")
    return values


def _binary(pipeline: TabularPipeline, what: str) -> None:
    if pipeline.task != "binary":
        raise ConfigError(f"{what} needs a binary model (event vs not); this one is "
                          f"{pipeline.task}.")


def check_economics_options(lgd: str | float | None, exposure: str | float | None,
                            margin: str | float | None) -> None:
    """``exposure`` and ``margin`` price cut-offs together with ``lgd``: given without it,
    one sentence rather than being ignored in silence."""
    given = [name for name, value in (("--exposure", exposure), ("--margin", margin))
             if value is not None]
    if lgd is None and given:
        verb = "price" if len(given) > 1 else "prices"
        raise ConfigError(f"{' and '.join(given)} {verb} cut-offs together with --lgd (loss "
                          "given default, a number in [0, 1] or a column); pass --lgd too.")


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
    p_event = as_written(pipeline.event_probability(prediction))  # the best cut-off: as written
    # the labels as the metrics read them: 1.0 (a column with a blank label) is class 1
    y = (pipeline.target.encode(rows[name]) == pipeline.target.event_index).astype(int)
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
        # the best cut-off is chosen and counted on these rows: what choosing earns elsewhere
        "held_out_profit": held_out_profit(y, p_event, margin=margin_values, lgd=lgd_values,
                                           exposure=exposure_values),
    }
    if not np.isscalar(margin_values):
        result["emp_not_computed"] = ("EMP takes one return on investment for every loan, "
                                      f"and --margin is the column '{margin}'; give a number "
                                      "for EMP.")
    elif len(set(y)) != 2:
        result["emp_not_computed"] = "the labelled rows hold one class only."
    else:
        emp = expected_maximum_profit(y, p_event, roi=float(margin_values), p0=p0, p1=p1)
        result["emp"] = {"emp": emp.emp, "rejection_rate": emp.rejection_rate,
                         "roi": float(margin_values), "p0": p0, "p1": p1}
    if float(np.max(margin_values)) > 1.0:
        top = float(np.max(margin_values))
        warnings.warn(f"--margin reaches {top:g}, a return of {top:.0%} of the exposure on a "
                      f"repaid loan; if you meant {top:g}%, pass {top / 100:g} (a share, as "
                      "--lgd is).", FindeepWarning, stacklevel=2)
    weighted = pipeline.training.get("class_weight")
    if weighted:
        mean_pd, rate = float(np.mean(p_event)), float(np.mean(y))
        warnings.warn(f"the model was trained with class weights ({weighted}), which move "
                      "its probabilities off the default rates (here a mean probability of "
                      f"{mean_pd:.3f} against an observed rate of {rate:.3f}); the expected "
                      "losses and the profit-optimal cut-off rest on those probabilities as "
                      "PDs: retrain without --class-weight to price cut-offs.",
                      FindeepWarning, stacklevel=2)
    if not np.any(curve.profit != curve.profit[0]):
        warnings.warn("every cut-off earns the same (the exposures, or the margin and the "
                      "LGD, are zero), so the economics cannot choose one; the best cut-off "
                      "approves everyone.", FindeepWarning, stacklevel=2)
    return result


def weights_digest(bundle: str | os.PathLike[str]) -> str:
    """The sha256 of a bundle's weights, as its checksums file records it."""
    return _recorded_digest(bundle, WEIGHTS_FILE)


def document_digest(bundle: str | os.PathLike[str]) -> str:
    """The sha256 of a bundle's document (bundle.json: the calibration temperature, the
    preprocessing, the schema — what turns the weights' logits into the probabilities a
    cut-off is set on), as its checksums file records it."""
    return _recorded_digest(bundle, META_FILE)


def _recorded_digest(bundle: str | os.PathLike[str], name: str) -> str:
    file = Path(bundle) / CHECKSUMS_FILE
    if not file.is_file():
        raise BundleError(f"'{bundle}' is not a findeep bundle with recorded checksums.")
    digest = read_checksums(file).get(name)  # BundleError when the file is damaged
    if digest is None:
        raise BundleError(f"'{bundle}' is not a findeep bundle with a recorded {name}.")
    return digest


def check_policy_out(out: str | os.PathLike[str], *, force: bool) -> Path:
    """Where a policy may be written: a .json name, not an existing file unless ``force``.
    Checked before any work, so a wrong name fails in a second."""
    if Path(out).suffix.lower() != ".json":
        raise ConfigError(f"a policy is JSON; name it with .json, however: '{out}'.")
    return refuse_overwrite(Path(out), force=force)


def save_policy(bundle: str | os.PathLike[str], out: str | os.PathLike[str], *,
                cutoff: float, basis: dict[str, Any] | None = None,
                reference: TableLike | None = None, force: bool = False) -> Path:
    """Write a cut-off policy for ``bundle``: decline at or above ``cutoff``.

    The rows of ``reference`` (usually the data the cut-off was chosen on) that the policy
    approves — scored below ``cutoff`` — become the population its declines' reasons are
    measured against; the policy keeps their marginals (quantiles and level shares, as the
    bundle keeps its training rows'), never the rows. Without ``reference``, or when it
    holds no approved row, reasons are measured against the bundle's explain reference.
    """
    if not 0.0 < cutoff <= 1.0 and cutoff != float("inf"):
        raise ConfigError(f"cutoff must be in (0, 1], however: {cutoff=}")
    check_policy_out(out, force=force)
    pipeline = _tabular(bundle)
    _binary(pipeline, "a cut-off policy")
    cutoff = min(float(cutoff), 1.0)
    policy: dict[str, Any] = {
        "format": POLICY_FORMAT, "bundle_weights_sha256": weights_digest(bundle),
        "bundle_document_sha256": document_digest(bundle),
        "target": pipeline.target.name, "event_class": pipeline.target.event_class,
        "decline_at_or_above": cutoff,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "basis": basis or {}}
    if reference is not None:
        approved = approved_reference(pipeline, read_table(reference), cutoff)
        if approved is None:
            warnings.warn("the policy approves no row of its data, so its declines' reasons "
                          f"are measured against {BUNDLE_REFERENCE}.", FindeepWarning,
                          stacklevel=2)
        else:
            policy["reference"] = approved
            if approved["rows"] < N_REFERENCE_QUANTILES:  # fewer rows than kept quantiles
                warnings.warn(
                    f"the policy approves only {approved['rows']:,} row(s) of its data; its "
                    "declines' reasons are measured against these few applicants.",
                    FindeepWarning, stacklevel=2)
    write_json_atomic(out, policy)
    return Path(out)


def approved_reference(pipeline: TabularPipeline, frame: pd.DataFrame,
                       cutoff: float) -> dict[str, Any] | None:
    """The marginals of the rows of ``frame`` scored below ``cutoff``, in the form of the
    bundle profile's reference (``reference_frame`` rebuilds a population from it); ``None``
    when no row is approved.

    Like the bundle's reference, it holds ordinary values, not special codes: a code's rows
    count neither among the column's values nor among its missing ones.
    """
    prediction, _ = pipeline.predict_raw(frame)
    approved = as_written(pipeline.event_probability(prediction)) < cutoff
    if not approved.any():
        return None
    rows = frame.iloc[np.flatnonzero(approved)].reset_index(drop=True)
    coded: dict[str, float] = {}
    special = pipeline.preprocessor.special_values
    if special:
        rows = rows.copy()
        for column, codes in special.items():  # as training_profile keeps codes apart
            rows[column], shares = split_special(numbers_of(rows[column]), codes)
            coded[column] = float(sum(shares))
    profile = build_profile(rows, pipeline.schema, score=None, low_risk=None)
    columns = {}
    for name, column in profile["columns"].items():
        summary = dict(column["reference"])
        if name in coded:
            summary["missing"] = max(summary["missing"] - coded[name], 0.0)
        columns[name] = {"kind": column["kind"], "reference": summary}
    return {"rule": "the rows of the policy's data scored below its cut-off",
            "rows": int(approved.sum()), "columns": columns}


def read_policy(path: str | os.PathLike[str], bundle: str | os.PathLike[str], *,
                pipeline: TabularPipeline | None = None) -> dict[str, Any]:
    """A policy file, checked to belong to ``bundle`` (``pipeline``: that bundle, loaded)."""
    try:
        policy = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise DataError(f"policy file '{path}' does not exist.") from None
    except (OSError, ValueError, UnicodeDecodeError):
        raise DataError(f"policy file '{path}' is not JSON.") from None
    if not isinstance(policy, dict) or policy.get("format") != POLICY_FORMAT:
        raise DataError(f"'{path}' is not a findeep cut-off policy (format {POLICY_FORMAT}).")
    if "bundle_weights_sha256" not in policy:
        raise DataError(f"policy '{path}' names no model (its 'bundle_weights_sha256' is "
                        "missing): it was edited; make it again with 'findeep evaluate ... "
                        "--policy-out'.")
    # the weights and (policies from the twenty-fifth session on) the document: a model
    # retrained to the same weights but calibrated otherwise gives other probabilities
    document = policy.get("bundle_document_sha256")
    if policy["bundle_weights_sha256"] != weights_digest(bundle) or (
            document is not None and document != document_digest(bundle)):
        raise BundleError(f"policy '{path}' was made for another model: its checksums do not "
                          f"match '{bundle}'. Make a policy for this bundle with "
                          "'findeep evaluate ... --policy-out'.")
    if document is None:
        warnings.warn(f"policy '{path}' was made by an older findeep that checked only the "
                      "model's weights, not its calibration and preprocessing; make it again "
                      "with 'findeep evaluate ... --policy-out' to bind it to the whole model.",
                      FindeepWarning, stacklevel=2)
    pipeline_target = (pipeline or _tabular(bundle)).target
    if policy.get("event_class") != pipeline_target.event_class or \
            policy.get("target") != pipeline_target.name:
        raise DataError(f"policy '{path}' declines on event {policy.get('event_class')!r} of "
                        f"target {policy.get('target')!r}, but '{bundle}' predicts "
                        f"{pipeline_target.event_class!r} of {pipeline_target.name!r}: it was "
                        "edited; make it again with 'findeep evaluate ... --policy-out'.")
    cutoff = policy.get("decline_at_or_above")
    if not isinstance(cutoff, int | float) or not 0 < cutoff <= 1:
        raise DataError(f"policy '{path}' has no valid 'decline_at_or_above' in (0, 1].")
    return policy


def policy_reference(policy: dict[str, Any], pipeline: TabularPipeline,
                     path: str | os.PathLike[str]) -> pd.DataFrame | None:
    """The population a policy's reasons are measured against, rebuilt from its marginals;
    ``None`` for a policy without one (the bundle's explain reference then applies)."""
    stored = policy.get("reference")
    if stored is None:
        return None
    columns = stored.get("columns") if isinstance(stored, dict) else None
    fits = isinstance(columns, dict) and all(
        isinstance(columns.get(spec.name), dict) and columns[spec.name].get("kind") == spec.kind
        and isinstance(columns[spec.name].get("reference"), dict)
        for spec in pipeline.schema.used)
    if not fits:
        raise DataError(f"policy '{path}' has a damaged 'reference' (the applicants it "
                        "approves); make the policy again with 'findeep evaluate ... "
                        "--policy-out'.")
    return reference_frame(stored)


def apply_policy(bundle: str | os.PathLike[str], data: TableLike,
                 policy_path: str | os.PathLike[str], out: str | os.PathLike[str], *,
                 id_column: str | None = None, top: int = 3,
                 force: bool = False) -> dict[str, Any]:
    """Approve or decline every row of ``data`` by the policy's cut-off; each decline
    carries the ``top`` columns that raised its risk most (reason codes).

    Reasons are measured against the applicants the policy approves (its ``reference``;
    the bundle's explain reference for a policy without one), so a decline's risk is
    explained by what sets it apart from an approval. Where fewer than ``top`` columns
    raised a decline's risk, the empty places hold ``shortfall_text(top)``, and
    ``declines_with_fewer_reasons`` counts those declines. A row is declined when its
    probability as written (``as_written``) is at or above the policy's cut-off.
    """
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ConfigError(f"--reasons must be a whole number of at least 1, however: {top!r}")
    check_output(out, force=force)
    pipeline = _tabular(bundle)
    policy = read_policy(policy_path, bundle, pipeline=pipeline)
    frame = read_table(data, as_text=pipeline.ids_as_text(id_column))
    if id_column is not None and id_column not in frame.columns:
        raise DataError(f"id column '{id_column}' is not in the data."
                        + did_you_mean(id_column, map(str, frame.columns)))
    warn_empty_rows(frame, data)
    prediction, report = pipeline.predict_raw(frame)
    p_event = as_written(pipeline.event_probability(prediction))
    decline = p_event >= policy["decline_at_or_above"]
    result = pd.DataFrame(index=range(len(frame)))
    if id_column is not None:
        result[id_column] = ids_as_written(data, frame, id_column)
    result[f"probability_{pipeline.target.event_class}"] = p_event
    result["decision"] = np.where(decline, "decline", "approve")
    for r in range(top):
        result[f"reason_{r + 1}"] = ""
    reference = policy_reference(policy, pipeline, policy_path)
    short = 0
    if decline.any():
        from findeep.explain.reasons import explain_frame  # Captum: loaded when declines need it

        reasons = explain_frame(pipeline, frame.iloc[np.flatnonzero(decline)].reset_index(
            drop=True), top=top, reference=reference)
        given = np.full((int(decline.sum()), top), shortfall_text(top), dtype=object)
        for r in range(top):  # explain_frame gives no more reasons than the model has columns
            if f"reason_{r + 1}" in reasons:
                texts = reasons[f"reason_{r + 1}"].to_numpy(dtype=object)
                given[:, r] = np.where(texts == "", given[:, r], texts)
        short = int((given == shortfall_text(top)).any(axis=1).sum())
        for r in range(top):
            result.loc[decline, f"reason_{r + 1}"] = given[:, r]
    write_table(result, out, force=force, like=data)
    return {"rows": len(result), "declined": int(decline.sum()),
            "cutoff": policy["decline_at_or_above"],
            "declines_with_fewer_reasons": short, "top": top,
            "reference": (BUNDLE_REFERENCE if reference is None else
                          f"the {policy['reference'].get('rows', 0):,} applicants the policy "
                          "approves in the data it was made on"),
            "unseen_categories": report.unseen_categories}
