"""Integrated Gradients on a network's embedded input, summed back to the user's columns.

Every findeep network splits into ``embed`` (one block of slots per input column:
scaled value, piecewise-linear encoding, missing indicator, category embedding) and
``forward_embedded``. Attributing on the embedded vector lets gradients pass through
categorical embeddings, and ``embedding_slots`` tells which column each slot came from,
so the user sees ``income``, not ``num_7`` or ``income__missing``.

What is explained is the event's log-odds for a binary model (the risk a credit officer
reads; additive, so attributions add up exactly), the prediction for a regression, and for
a multiclass model one class's log-odds against the rest (each row's predicted class
unless a class is named). The baseline is the mean embedding of a reference population:
by default the training rows the model scored on the low-risk side of the decision
threshold (every training row for a multiclass model; rebuilt from the bundle's profile),
so a row's attributions say what moved it from an approvable, or average, score.
"""

from __future__ import annotations

import copy
import math
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from scipy.stats import spearmanr
from torch.nn import functional as F

from findeep.data.profile import reference_frame
from findeep.errors import ConfigError, DataError
from findeep.pipeline import TabularPipeline

RowsHook = Callable[[int, int], None]  # (rows done, rows in all): a progress bar's hook
# Gauss-Legendre points along the path: completeness error < 1% on the default model.
# A network whose output bends more along the path (attention, LayerNorm) names its own
# count as ``attribution_steps``; ``n_steps=None`` everywhere means "the model's own".
DEFAULT_STEPS = 32
_CACHE = "_explain_cache"
_FREEZE_LOCK = threading.Lock()
_BATCH_ROWS = 64  # rows per Captum call; x n_steps points per forward pass


@dataclass
class Attributions:
    """Per-row, per-column contributions to ``output`` relative to ``baseline_output``.

    ``values[i].sum()`` equals ``output[i] - baseline_output`` up to the integration error.
    """

    columns: list[str]
    values: np.ndarray  # (n_rows, n_columns)
    output: np.ndarray  # (n_rows,) event log-odds (binary), prediction (regression) or the
    # explained class's log-odds (multiclass)
    baseline_output: float | np.ndarray  # per row for multiclass: each row's class differs
    units: str
    explained_class: np.ndarray | None = None  # multiclass: the class explained, per row


def model_steps(pipeline: TabularPipeline) -> int:
    """The integration points the model needs for attributions that add up (< 0.02)."""
    return int(getattr(pipeline.network, "attribution_steps", DEFAULT_STEPS))


def check_steps(n_steps: int) -> None:
    if not isinstance(n_steps, int) or n_steps < 2:
        raise ConfigError(f"n_steps must be an integer of at least 2, however: {n_steps=}")


def explained_units(pipeline: TabularPipeline) -> str:
    if pipeline.task == "binary":
        return f"log-odds of {pipeline.target.event_class!r}"
    if pipeline.task == "multiclass":
        return "log-odds of the explained class"
    return f"predicted {pipeline.target.name}"


def risk_function(pipeline: TabularPipeline) -> Callable[[torch.Tensor], torch.Tensor]:
    """The explained output as a function of the embedded input ``(B, d_in) -> (B,)``.

    Binary: log-odds of the event under the averaged, temperature-scaled members, computed
    in log space so extreme scores keep their gradients. Regression: the prediction in
    the target's units.
    """
    network = pipeline.network
    if pipeline.task == "regression":
        def prediction(z: torch.Tensor) -> torch.Tensor:
            mean_member = network.forward_embedded(z)[..., 0].mean(dim=1)  # (B, k) -> (B,)
            return mean_member * pipeline.y_std + pipeline.y_mean
        return prediction

    temperature = pipeline.temperature
    if pipeline.task == "multiclass":
        def class_log_odds(z: torch.Tensor) -> torch.Tensor:
            """``(B, d_in) -> (B, C)``: log p_c - log(1 - p_c) for every class c, where p is
            the members' mean softmax; 1 - p_c is summed from the other classes, in logs."""
            log_p = F.log_softmax(network.forward_embedded(z) / temperature, dim=-1)  # (B,k,C)
            log_k = math.log(log_p.shape[1])
            log_class = torch.logsumexp(log_p, dim=1) - log_k  # (B, C)
            n_classes = log_p.shape[-1]
            others = ~torch.eye(n_classes, dtype=torch.bool, device=z.device)  # (C, C)
            # [b, i, c, j] = log p_j of member i, kept only where j != c
            masked = log_p.unsqueeze(-2).masked_fill(~others, -torch.inf)  # (B, k, C, C)
            log_rest = torch.logsumexp(masked, dim=(1, 3)) - log_k  # (B, C)
            return log_class - log_rest
        return class_log_odds

    sign = 1.0 if pipeline.target.event_index == 1 else -1.0

    def event_log_odds(z: torch.Tensor) -> torch.Tensor:
        logits = network.forward_embedded(z)[..., 0] / temperature  # (B, k)
        log_k = math.log(logits.shape[1])
        log_p = torch.logsumexp(F.logsigmoid(logits), dim=1) - log_k  # log mean sigmoid
        log_q = torch.logsumexp(F.logsigmoid(-logits), dim=1) - log_k
        return sign * (log_p - log_q)

    return event_log_odds


def embed_frame(pipeline: TabularPipeline, frame: pd.DataFrame) -> torch.Tensor:
    """The embedded input ``(n_rows, d_in)`` the network's backbone sees for ``frame``;
    warns, as scoring does, about category values scored as the shared unknown level."""
    x_num, x_cat, report = pipeline.transform(frame)
    report.warn_categories()
    pipeline.network.eval()
    with torch.no_grad():
        return pipeline.network.embed(torch.from_numpy(x_num), torch.from_numpy(x_cat))


def slot_columns(pipeline: TabularPipeline) -> tuple[list[str], torch.Tensor]:
    """The model's input columns and a ``(d_in, n_columns)`` 0/1 map from slots to them."""
    columns = pipeline.schema.used_names
    position = {name: i for i, name in enumerate(columns)}
    numeric_sources = pipeline.preprocessor.source_of_numeric
    categorical_names = pipeline.preprocessor.categorical_feature_names
    slots = pipeline.network.embedding_slots()
    mapping = torch.zeros(len(slots), len(columns))
    for s, (kind, j) in enumerate(slots):
        name = numeric_sources[j] if kind == "num" else categorical_names[j]
        mapping[s, position[name]] = 1.0
    return columns, mapping


def reference_population(pipeline: TabularPipeline,
                         reference: pd.DataFrame | None = None) -> pd.DataFrame:
    """The rows explanations are measured from: ``reference``, or by default a population
    following the training rows' marginals (from the model's training profile)."""
    if reference is not None:
        if len(reference) == 0:
            raise DataError("the reference population has no rows.")
        return reference
    if not pipeline.profile:
        raise ConfigError(
            "this model has no training profile (it was saved by an older findeep), so "
            "there is no default reference population; pass one explicitly (reference=).")
    return reference_frame(pipeline.profile)


def reference_embedding(pipeline: TabularPipeline,
                        reference: pd.DataFrame | None = None) -> torch.Tensor:
    """Mean embedding ``(1, d_in)`` of the reference population (cached for the default)."""
    if reference is not None:
        return embed_frame(pipeline, reference_population(pipeline, reference)).mean(
            dim=0, keepdim=True)
    cache = vars(pipeline).setdefault(_CACHE, {})
    if "reference" not in cache:
        cache["reference"] = embed_frame(pipeline, reference_population(pipeline)).mean(
            dim=0, keepdim=True)
    return cache["reference"]


def column_attributions(pipeline: TabularPipeline, frame: pd.DataFrame, *,
                        reference: pd.DataFrame | None = None, n_steps: int | None = None,
                        target_class: object = None,
                        on_rows: RowsHook | None = None) -> Attributions:
    """Integrated Gradients per row and input column against the reference population.

    Multiclass models explain one class's log-odds per row: ``target_class`` (a label)
    for every row, or by default each row's predicted class. ``on_rows(done, total)`` is
    called as batches finish (a progress bar's hook).
    """
    n_steps = model_steps(pipeline) if n_steps is None else n_steps
    check_steps(n_steps)
    if len(frame) == 0:
        raise DataError("there are no rows to explain.")
    if pipeline.partner is not None and pipeline.task == "multiclass":
        return _multiclass_blend(pipeline, frame, reference, target_class, on_rows)
    z = embed_frame(pipeline, frame)
    baseline = reference_embedding(pipeline, reference)
    forward = risk_function(pipeline)
    columns, mapping = slot_columns(pipeline)
    with torch.no_grad():
        output = torch.cat([forward(z[i:i + 4096]) for i in range(0, z.shape[0], 4096)])
        baseline_output = forward(baseline)[0]
    targets = None
    if pipeline.task == "multiclass":
        targets = _explained_classes(pipeline, output, target_class)
        output, baseline_output = output.gather(1, targets[:, None])[:, 0], baseline_output[targets]
    elif target_class is not None:
        raise ConfigError("a class to explain (--class, target_class) applies to multiclass "
                          "models only.")
    from captum.attr import IntegratedGradients  # ~1 s to import: loaded when attributing

    integrated = IntegratedGradients(forward)
    parts = []
    with _weights_frozen(pipeline.network):
        for start in range(0, z.shape[0], _BATCH_ROWS):
            rows = slice(start, start + _BATCH_ROWS)
            slot_values = integrated.attribute(
                z[rows], baselines=baseline, n_steps=n_steps, method="gausslegendre",
                target=None if targets is None else targets[rows])
            parts.append(slot_values.detach() @ mapping)  # (B, d_in) -> (B, n_columns)
            if on_rows is not None:
                on_rows(min(start + _BATCH_ROWS, z.shape[0]), z.shape[0])
    labels = np.asarray(pipeline.target.classes, dtype=object)
    attributions = Attributions(
        columns, torch.cat(parts).numpy().astype(float), output.numpy().astype(float),
        float(baseline_output) if targets is None else baseline_output.numpy().astype(float),
        explained_units(pipeline), None if targets is None else labels[targets.numpy()])
    return attributions if pipeline.partner is None else \
        _with_partner(pipeline, frame, attributions)


def _with_partner(pipeline: TabularPipeline, frame: pd.DataFrame,
                  network: Attributions) -> Attributions:
    """A blend's attributions: the network's (Integrated Gradients against the reference)
    and CatBoost's own SHAP values (against its training average), each in the event's
    log-odds (a regression: the target's units), weighted by their shares in the blend,
    which averages those log-odds (values). The sum over columns stays the blended output
    less the blended baseline."""
    partner = pipeline.partner
    sign = 1.0 if pipeline.task == "regression" or pipeline.target.event_index == 1 else -1.0
    values, log_odds, expected = partner.shap_by_column(frame, pipeline.schema, network.columns)
    w = partner.share
    return Attributions(
        network.columns, (1.0 - w) * network.values + w * sign * values,
        (1.0 - w) * network.output + w * sign * log_odds,
        (1.0 - w) * float(network.baseline_output) + w * sign * expected, network.units)


def _multiclass_blend(pipeline: TabularPipeline, frame: pd.DataFrame,
                      reference: pd.DataFrame | None, target_class: object,
                      on_rows: RowsHook | None) -> Attributions:
    """A multiclass blend averages probabilities, whose log-odds do not split into its parts'
    attributions: its Shapley values are sampled on the blend itself, from the reference
    population's typical row (``blend_shapley``)."""
    from findeep.explain.blend_shapley import baseline_row, class_log_odds, sampled_shapley

    baseline = baseline_row(pipeline, reference_population(pipeline, reference))
    columns = pipeline.schema.used_names
    log_odds = class_log_odds(pipeline)
    rows = frame[columns].reset_index(drop=True)
    targets = _explained_classes(pipeline, torch.from_numpy(log_odds(rows)),
                                 target_class).numpy()
    values, output, baseline_output = sampled_shapley(
        log_odds, rows, baseline, targets,
        on_walk=None if on_rows is None else
        (lambda done, total: on_rows(len(rows) * done // total, len(rows))))
    labels = np.asarray(pipeline.target.classes, dtype=object)
    return Attributions(columns, values, output, baseline_output, explained_units(pipeline),
                        labels[targets])


def _explained_classes(pipeline: TabularPipeline, log_odds: torch.Tensor,
                       target_class: object) -> torch.Tensor:
    """Per row, the index of the class to explain: ``target_class``, else the predicted one.

    The class with the highest log-odds against the rest is the most probable one.
    """
    if target_class is None:
        return log_odds.argmax(dim=1)
    classes = list(pipeline.target.classes)
    matches = [i for i, c in enumerate(classes) if c == target_class or str(c) == str(target_class)]
    if not matches:
        raise ConfigError(f"class {target_class!r} is not one of the model's classes: "
                          f"{', '.join(map(str, classes))}.")
    return torch.full((log_odds.shape[0],), matches[0], dtype=torch.long)


@contextmanager
def _weights_frozen(network: torch.nn.Module) -> Iterator[None]:
    """Gradients only for the input: backward skips every weight gradient (~25% faster).

    One attribution at a time per process, so concurrent callers (a web server's
    threads) never see, or restore, each other's flags; each call uses both cores anyway.
    """
    with _FREEZE_LOCK:
        previous = [(p, p.requires_grad) for p in network.parameters()]
        for parameter, _ in previous:
            parameter.requires_grad_(False)
        try:
            yield
        finally:
            for parameter, flag in previous:
                parameter.requires_grad_(flag)


def randomized_copy(pipeline: TabularPipeline, *, seed: int = 0) -> TabularPipeline:
    """The same pipeline with every network weight redrawn at its trained mean and spread."""
    clone = copy.deepcopy(pipeline)
    vars(clone).pop(_CACHE, None)
    generator = torch.Generator().manual_seed(int(seed))
    with torch.no_grad():
        for parameter in clone.network.parameters():
            spread = float(parameter.std()) if parameter.numel() > 1 else 1.0
            noise = torch.randn(parameter.shape, generator=generator)
            parameter.copy_(float(parameter.mean()) + (spread or 1.0) * noise)
    return clone


def randomization_check(pipeline: TabularPipeline, frame: pd.DataFrame, *,
                        reference: pd.DataFrame | None = None, seed: int = 0,
                        n_steps: int | None = None) -> float:
    """Median Spearman correlation between trained and re-randomised attributions.

    The model-parameter randomisation test (Adebayo et al., 2018): attributions that
    barely change when the weights are scrambled describe the data, not the model.
    Values near 1 are a red flag; a trustworthy method gives clearly lower values.
    """
    trained = column_attributions(pipeline, frame, reference=reference, n_steps=n_steps)
    scrambled = column_attributions(randomized_copy(pipeline, seed=seed), frame,
                                    reference=reference, n_steps=n_steps)
    correlations = []
    for a, b in zip(np.abs(trained.values), np.abs(scrambled.values), strict=True):
        rho = spearmanr(a, b).statistic
        correlations.append(0.0 if np.isnan(rho) else float(rho))
    return float(np.median(correlations))
