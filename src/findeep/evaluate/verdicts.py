"""The closing lines of a benchmark: findeep against the strongest model in the same table.

A verdict against a fixed reference (LightGBM) can read "no clear difference" while CatBoost
on the same folds is well ahead. These lines name the best baseline on the table and the
best network, and give their paired differences over the same folds in words.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from findeep.errors import ConfigError
from findeep.evaluate.baselines import BASELINE_PACKAGES
from findeep.evaluate.blends import blend_parts, is_blend
from findeep.evaluate.comparison import FOLD_METRICS, HIGHER_IS_BETTER, verdict
from findeep.evaluate.partner import split_blend_model


def best_model(summary: dict[str, dict[str, float]], candidates: list[str],
               metric: str) -> str | None:
    """The candidate with the best mean ``metric`` (highest, or lowest for a loss); one
    whose mean is missing (NaN) ranks last."""
    scored = [m for m in candidates if m in summary]
    if not scored:
        return None
    sign = 1.0 if metric in HIGHER_IS_BETTER else -1.0

    def rank(model: str) -> float:
        mean = float(summary[model].get(f"{metric}_mean", float("nan")))
        return sign * mean if np.isfinite(mean) else -np.inf

    return max(scored, key=rank)


def fold_differences(folds: list[dict[str, Any]], model: str, other: str,
                     metric: str) -> np.ndarray:
    """``model − other`` on ``metric``, fold by fold, over the folds both ran (NaN where
    either lacks the metric: undefined on that fold's test rows)."""
    nan = float("nan")
    mine = {f["fold"]: f.get(metric, nan) for f in folds if f["model"] == model}
    theirs = {f["fold"]: f.get(metric, nan) for f in folds if f["model"] == other}
    return np.array([mine[k] - theirs[k] for k in sorted(mine) if k in theirs], dtype=float)


def paired_difference(folds: list[dict[str, Any]], model: str, other: str,
                      metric: str) -> tuple[float, float]:
    """Mean and std over folds of ``model − other`` on ``metric`` (std is NaN for one fold).

    A fold where either lacks the metric (undefined on its test rows) makes both NaN: a
    difference over the other folds only would not be over the same folds."""
    return mean_and_std(fold_differences(folds, model, other, metric))


def mean_and_std(differences: np.ndarray) -> tuple[float, float]:
    """Mean and std (ddof 1) of per-fold differences; both NaN if any is NaN or there are
    none, the std NaN for one."""
    nan = float("nan")
    if not len(differences) or not np.isfinite(differences).all():
        return nan, nan
    std = float(np.std(differences, ddof=1)) if len(differences) > 1 else nan
    return float(np.mean(differences)), std


def verdict_lines(result: dict[str, Any]) -> list[str]:
    """One line per comparison a user should see, from ``BenchmarkResult.to_dict()``.

    - ``default`` against a network the run named as its reference (the demo's seed-mlp);
    - ``default`` (or, without it, the best network) against the best baseline on the table;
    - when another network beat ``default`` on the mean, that network against the best
      baseline too, so a stronger model in the table is never left unmentioned;
    - each blend (``default+catboost``) against the best of its parts: whether averaging
      adds anything to the strongest model it is made of, and, where a blend findeep can
      train as one bundle is ahead, the command that trains it.
    No lines when the run holds neither a network and a baseline nor a blend. Where the
    metric is missing on some fold, the line says so instead of a verdict.
    """
    metric = FOLD_METRICS[result["task"]][0]
    summary, folds = result["summary"], result["folds"]
    blends = [m for m in summary if is_blend(m)]
    networks = [m for m in summary if m not in BASELINE_PACKAGES and m not in blends]
    baseline = best_model(summary, [m for m in summary if m in BASELINE_PACKAGES], metric)
    best_network = best_model(summary, networks, metric)
    if (baseline is None or best_network is None) and not blends:
        return []
    lines = [] if baseline is None or best_network is None else _network_lines(
        result, metric, networks, baseline, best_network)
    for blend in blends:
        part = best_model(summary, [p for p in blend_parts(blend) if p in summary], metric)
        if part is None:
            continue
        diff, std = paired_difference(folds, blend, part, metric)
        if metric not in HIGHER_IS_BETTER:
            diff = -diff
        lines.append(f"{blend} (blend) vs {part} (its best part): "
                     + _compared(diff, std, metric) + _deploy_hint(result, blend, diff, std))
    r2 = {m: s["r2_mean"] for m, s in summary.items() if "r2_mean" in s}
    if r2 and max(r2.values()) <= 0:  # "better" among models that explain nothing is no win
        lines.append(f"No model explains {result.get('target', 'the target')!r} here: every mean "
                     f"R² is at or below 0 (best {max(r2.values()):+.4f}), so none beats "
                     "predicting the training mean.")
    if result["task"] == "binary":
        lines += _chance_line(summary)
    return lines


def _network_lines(result: dict[str, Any], metric: str, networks: list[str], baseline: str,
                   best_network: str) -> list[str]:
    """``default`` against a chosen reference network, then ``default`` (and the best
    network) against the best baseline."""
    summary, folds = result["summary"], result["folds"]
    lead = "default" if "default" in summary else best_network
    contenders = [lead] + ([best_network] if best_network != lead else [])
    lines = []
    reference = result.get("reference")
    if reference in networks and reference != lead:  # a network the caller chose to face
        diff, std = paired_difference(folds, lead, reference, metric)
        if metric not in HIGHER_IS_BETTER:
            diff = -diff
        lines.append(f"{lead} vs {reference}: " + _compared(diff, std, metric))
    for model in contenders:
        diff, std = paired_difference(folds, model, baseline, metric)
        if metric not in HIGHER_IS_BETTER:  # a loss: lower is better, so flip the words
            diff = -diff
        role = "best network" if model == best_network else "network"
        lines.append(f"{model} ({role}) vs {baseline} (best baseline): "
                     + _compared(diff, std, metric))
    return lines


def _deploy_hint(result: dict[str, Any], blend: str, diff: float, std: float) -> str:
    """Where a blend findeep trains as one bundle is ahead of its best part beyond the noise,
    the command that deploys it; nothing otherwise (a blend level with its part only adds
    a second model to keep)."""
    if not np.isfinite(std) or not diff > std:
        return ""
    try:
        if split_blend_model(blend) is None:
            return ""
    except ConfigError:  # a blend to compare, not one findeep trains as one model
        return ""
    monotone = ",".join(f"{column}:{'+' if sign > 0 else '-'}"
                        for column, sign in (result.get("monotone") or {}).items())
    caveat = (" (its CatBoost then trains on the network's training rows only, not its "
              "early-stopping rows, on which the bundle's intervals are calibrated)"
              if result["task"] == "regression" else "")
    return (f" To deploy it as one bundle: findeep train DATA --model {blend}"
            + (f' --monotone "{monotone}"' if monotone else "") + caveat + ".")


def _chance_line(summary: dict[str, dict[str, float]]) -> list[str]:
    """A line when no model ranks the events better than chance: every mean ROC-AUC within
    one std of its folds from 0.5 (the verdicts' own rule), so a "better" between them is a
    difference between coin flips."""
    aucs = {m: (s["roc_auc_mean"], s.get("roc_auc_std", float("nan")))
            for m, s in summary.items() if np.isfinite(s.get("roc_auc_mean", float("nan")))}
    if not aucs or not all(np.isfinite(std) and mean - 0.5 <= std
                           for mean, std in aucs.values()):
        return []
    best = max(aucs, key=lambda m: aucs[m][0])
    return [f"No model ranks the events better than chance here: every mean ROC-AUC is within "
            f"one std of its folds from 0.5 (best {best}, {aucs[best][0]:.4f} ± "
            f"{aucs[best][1]:.4f}), so a difference between them is no win."]


def _compared(diff: float, std: float, metric: str) -> str:
    """A paired difference and its verdict, or why there is none."""
    if np.isnan(diff):
        return (f"no verdict: {metric} is missing on some fold (undefined on its test rows), "
                "so there is no difference over the same folds.")
    return f"{diff:+.4f} ± {std:.4f} {metric} over the same folds — {verdict(diff, std)}."
