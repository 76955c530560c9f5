"""Find an architecture by name. Adding one is one new file plus one line here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from torch import nn

from findeep.errors import ConfigError, did_you_mean


@dataclass(frozen=True)
class ModelSpec:
    """An architecture and the training recipe it is meant to be used with."""

    name: str
    description: str
    build: Callable[..., nn.Module]
    training: dict[str, Any] = field(default_factory=dict)
    options: tuple[str, ...] = ()  # the keys `model_options` may set (pinned by a test)
    # (x_num_train, **options) -> constructor arguments fixing what the architecture reads
    # from the training rows (see shared_architecture_options)
    shared_architecture: Callable[..., dict[str, Any]] | None = None


def _seed_mlp(**kwargs: Any) -> nn.Module:
    from findeep.models.seed_mlp import SeedMLP

    return SeedMLP(**kwargs)


def _default(**kwargs: Any) -> nn.Module:
    from findeep.models.tabm_ple import TabMPLE

    return TabMPLE(**kwargs)


def _tabm_shared_architecture(x_num_train: np.ndarray, **options: Any) -> dict[str, Any]:
    from findeep.models.tabm_ple import shared_architecture

    return shared_architecture(x_num_train, **options)


def _ft_transformer(**kwargs: Any) -> nn.Module:
    from findeep.models.ft_transformer import FTTransformer

    return FTTransformer(**kwargs)


def _mlp(**kwargs: Any) -> nn.Module:
    from findeep.models.tabm_ple import TabMPLE

    return TabMPLE(**{"k": 1, "n_bins": 0, **kwargs})


# options build_model handles for every architecture (monotone: see build_model; additive:
# fit_tabular's request, which it refuses for architectures other than default and mlp)
GENERIC_OPTIONS = ("monotone", "additive")
_TABM_OPTIONS = ("k", "n_bins", "d_embedding", "d_block", "n_blocks", "dropout", "one_hot_max",
                 "wide", "plain_max_values", "level_one_hot_max",
                 "feature_fraction", "input_noise", "group_lasso")

MODELS: dict[str, ModelSpec] = {
    "seed-mlp": ModelSpec(
        "seed-mlp",
        "the classic reference: one-hot + Dense 64 ReLU -> 32 ReLU -> 1, trained the textbook "
        "way (Adam-style, lr 1e-3, batch 32, 10 epochs, no early stopping)",
        _seed_mlp,
        {"batch_size": 32, "learning_rate": 1e-3, "weight_decay": 0.0, "scaling": "standard",
         "max_epochs": 10, "early_stopping": False, "warmup_fraction": 0.0,
         "schedule": "constant"},
    ),
    "default": ModelSpec(
        "default",
        "piecewise-linear numeric embeddings + categorical embeddings + TabM-mini "
        "ensemble of k=4 members sharing a 2x128 MLP",
        _default,
        # patience 4 (the loop's default is 6): same AUC on all 7 development tables of issue
        # 12 (mean -0.0001), 0.85x the CPU over them and 0.66x on tall, narrow ISLR Default.
        # warm-up over 1% of the steps (the loop's 5% is 5 epochs at max_epochs 100, while
        # early stopping ends most fits within 10-25 epochs): level AUC over the 23 tables of
        # issue 12, 0.92x the CPU; narrow tables keep 5% (pipeline.narrow_table_config;
        # BENCHMARKS, "a one-epoch warm-up")
        {"batch_size": "auto", "learning_rate": 2e-3, "weight_decay": 3e-4, "scaling": "quantile",
         "patience": 4, "warmup_fraction": 0.01},
        _TABM_OPTIONS,
        _tabm_shared_architecture,
    ),
    "ft-transformer": ModelSpec(
        "ft-transformer",
        "FT-Transformer: one 64-wide token per column + [CLS], 2 pre-norm attention blocks "
        "(4 heads, ReGLU feed-forward); the attention-based option",
        _ft_transformer,
        {"batch_size": "auto", "learning_rate": 1e-4, "weight_decay": 1e-5,
         "scaling": "quantile"},
        ("d_token", "n_blocks", "n_heads", "attention_dropout", "ffn_dropout",
         "residual_dropout", "ffn_factor"),
    ),
    "mlp": ModelSpec(
        "mlp",
        "embeddings + 2x128 MLP, no numeric encoding and no ensemble (ablation of default)",
        _mlp,
        {"batch_size": "auto", "learning_rate": 2e-3, "weight_decay": 3e-4, "scaling": "quantile"},
        _TABM_OPTIONS,
        _tabm_shared_architecture,
    ),
}


def model_names() -> list[str]:
    return list(MODELS)


def get_spec(name: str) -> ModelSpec:
    if name not in MODELS:
        raise ConfigError(
            f"unknown model '{name}'; choose from {', '.join(MODELS)}." + did_you_mean(name, MODELS)
        )
    return MODELS[name]


def check_model_options(name: str, options: dict[str, Any] | None) -> None:
    """Refuse ``model_options`` keys that model ``name`` does not take, listing the valid ones."""
    spec = get_spec(name)
    if options is not None and not isinstance(options, dict):
        raise ConfigError(f"model_options must be a dict, however: {options=}")
    accepted = (*spec.options, *GENERIC_OPTIONS)
    unknown = sorted(set(options or {}) - set(accepted))
    if unknown:
        valid = ", ".join(accepted)
        hint = did_you_mean(unknown[0], accepted)
        raise ConfigError(f"model '{name}' has no option(s) {', '.join(unknown)}; its options are: "
                          f"{valid}." + hint)


def shared_architecture_options(name: str, x_num_train: np.ndarray,
                                options: dict[str, Any] | None = None) -> dict[str, Any]:
    """``options`` plus what model ``name`` would read from the rows to shape its layers
    (level values, columns left unencoded), read here from ``x_num_train`` once.

    A bag builds every member with these options from all of its training rows, so the
    members share one architecture (``BaggedNetwork`` requires it) whatever rows each one
    is fitted on; data-dependent state that does not shape the network (bin edges) still
    comes from each member's own ``x_num_train``.
    """
    options = dict(options or {})
    shared = get_spec(name).shared_architecture
    return options if shared is None else {**options, **shared(x_num_train, **options)}


def build_model(
    name: str, *, n_num: int, cardinalities: list[int], n_out: int,
    x_num_train: np.ndarray | None = None, options: dict[str, Any] | None = None,
) -> nn.Module:
    """Build architecture ``name``; ``x_num_train`` lets data-dependent layers initialise.

    ``options["monotone"]`` (numeric input position -> +1/-1) wraps the architecture in
    ``MonotoneNetwork``: the score is then monotone in those inputs by construction.
    ``options["bagging"]`` (m >= 2, as a saved bag's config holds it) builds m such networks
    joined in a ``BaggedNetwork``, ready for the bag's saved weights. ``options["additive"]``
    as a saved ``AdditiveBlend`` holds it (``{"weight": w}``) wraps the network (or bag) in
    one; the flag ``True`` is the fit's request and is handled by ``fit_tabular``.
    """
    from findeep.models.additive import wrap_additive
    from findeep.models.bagged import bag_members
    from findeep.models.monotone import wrap_monotone

    spec = get_spec(name)
    options = dict(options or {})
    additive = options.pop("additive", None)
    if isinstance(additive, dict):  # a saved AdditiveBlend: the network inside, then the path
        inner = build_model(name, n_num=n_num, cardinalities=cardinalities, n_out=n_out,
                            x_num_train=x_num_train, options=options)
        return wrap_additive(inner, additive, x_num_train)
    n_members = options.pop("bagging", None)
    if n_members is not None:
        return bag_members(lambda: build_model(name, n_num=n_num, cardinalities=cardinalities,
                                               n_out=n_out, x_num_train=x_num_train,
                                               options=options), n_members)
    monotone = options.pop("monotone", None)
    interactions = options.pop("interactions", True)
    network = spec.build(n_num=n_num, cardinalities=list(cardinalities), n_out=n_out,
                         x_num_train=x_num_train, **options)
    return wrap_monotone(network, {"monotone": monotone, "interactions": interactions},
                         x_num_train)
