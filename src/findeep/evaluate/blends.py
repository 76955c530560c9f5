"""Blends in the benchmark: ``default+catboost`` is the average of its parts' held-out
predictions on each fold, scored like any model — no extra fit.

Why: "is deep learning better here?" has a second half, "does it add anything to what I run
today?". On issue 12's 22 credit tables `default` and CatBoost averaged half each were ahead
of CatBoost beyond the noise on 15 and behind on none, where `default` alone was ahead on 11
(BENCHMARKS, thirty-first session's headroom). A blend row shows that on the user's own
table, on the same folds, beside its parts.

How the parts are averaged: binary — the mean of their logits (the headroom measurement's
blend); multiclass — the mean of their class probabilities; regression — the mean of their
predictions. A blend's fit time is its parts' together and its scoring time theirs added.
"""

from __future__ import annotations

import numpy as np

from findeep.errors import ConfigError

SEPARATOR = "+"


def is_blend(model: str) -> bool:
    return SEPARATOR in model


def blend_parts(model: str) -> list[str]:
    """The models a blend averages, in the order named: ``"default+catboost"`` ->
    ``["default", "catboost"]``."""
    return [part.strip() for part in model.split(SEPARATOR)]


def blend_name(model: str) -> str:
    """A blend's name as the table shows it: ``"default + catboost"`` -> ``"default+catboost"``."""
    return SEPARATOR.join(blend_parts(model))


def check_blends(models: list[str], known: list[str]) -> None:
    """Refuse a blend of fewer than two distinct known models (one sentence)."""
    from findeep.models.text_network import TEXT_MODELS

    for model in filter(is_blend, models):
        parts = blend_parts(model)
        if len(parts) < 2 or "" in parts:
            raise ConfigError(f"blend '{model}' needs two or more models joined by "
                              f"'{SEPARATOR}', e.g. default+catboost.")
        unknown = [p for p in parts if p not in known]
        if any(p in TEXT_MODELS for p in unknown):
            raise ConfigError(f"blend '{model}': blends are of tabular models; text models "
                              "are compared side by side (--models "
                              f"{','.join(parts)}).")
        if unknown:
            raise ConfigError(f"blend '{model}' names unknown model(s) {', '.join(unknown)}; "
                              f"its parts are models of their own: {', '.join(known)}.")
        if len(set(parts)) < len(parts):
            raise ConfigError(f"blend '{model}' names a model twice; each part counts once.")


def with_blend_parts(models: list[str]) -> list[str]:
    """``models`` with each blend's parts run before it: a part not named on its own is
    added just ahead of the first blend that needs it, so the table shows every part beside
    the blend."""
    out: list[str] = []
    for model in models:
        if is_blend(model):
            out += [p for p in blend_parts(model) if p not in out and p not in models]
        out.append(model)
    return out


def blend_prediction(task: str, parts: list[np.ndarray]) -> np.ndarray:
    """One fold's blended held-out prediction from its parts' (same rows, same layout:
    the event probability for binary, class probabilities for multiclass, values for
    regression)."""
    stacked = np.stack([np.asarray(p, dtype=np.float64) for p in parts])
    if task == "binary":
        clipped = np.clip(stacked, 1e-12, 1.0 - 1e-12)
        logit = np.log(clipped / (1.0 - clipped)).mean(axis=0)
        return 1.0 / (1.0 + np.exp(-logit))
    return stacked.mean(axis=0)
