"""Each text model's training recipe and tokenizer settings (overridable per fit)."""

from __future__ import annotations

from typing import Any

from findeep.errors import ConfigError, did_you_mean
from findeep.models.text_network import TEXT_MODELS, network_option_names

DESCRIPTIONS = {
    "text-cnn": "learned subword embeddings (128) -> convolutions of widths 2-5 (128 filters "
                "each), masked max-pooling -> MLP head",
    "text-bilstm": "learned subword embeddings (128) -> bidirectional LSTM (128 per "
                   "direction), last states + max-pooling -> MLP head",
    "minilm": "pretrained all-MiniLM-L6-v2 (6 layers, 384 wide, mean-pooled) fine-tuned end "
              "to end with layer-wise lr decay; model_options frozen=true keeps it fixed and "
              "trains the head on its sentence vectors",
}

# training options (TrainConfig) per model; fine-tuning follows FinBERT's recipe: warm-up,
# a small learning rate decaying layer by layer towards the embeddings, a few epochs
# minilm's recipe was checked on a development split of fold 0's training rows (BENCHMARKS.md,
# ninth session): encoder lr 1e-4, <= 8 epochs and layer decay 0.95 each scored +0.003 to
# +0.007 on 873 paired rows, inside the noise (McNemar p >= 0.11; another training seed
# alone moves it by 0.007, and lr 1e-4 fell to 0.826 with seed 1), so it was kept
RECIPES: dict[str, dict[str, Any]] = {
    "text-cnn": {"batch_size": 64, "learning_rate": 1e-3, "weight_decay": 1e-4,
                 "max_epochs": 30, "patience": 4, "warmup_fraction": 0.02},
    "text-bilstm": {"batch_size": 64, "learning_rate": 2e-3, "weight_decay": 1e-4,
                    "max_epochs": 30, "patience": 4, "warmup_fraction": 0.02},
    "minilm": {"batch_size": 32, "learning_rate": 1e-3, "weight_decay": 0.01,
               "max_epochs": 5, "patience": 2, "warmup_fraction": 0.1},
    "minilm-frozen": {"batch_size": 64, "learning_rate": 1e-3, "weight_decay": 1e-4,
                      "max_epochs": 200, "patience": 10, "warmup_fraction": 0.02},
}
# fit-level options that are not the network's constructor arguments
FIT_OPTIONS = {
    # calibrated stopping: +0.019 ± 0.015 accuracy on 10 paired PhraseBank folds (BENCHMARKS.md)
    "text-cnn": {"vocab_size": 8000, "length_cap": 256, "calibrated_stopping": True},
    "text-bilstm": {"vocab_size": 8000, "length_cap": 256, "calibrated_stopping": False},
    "minilm": {"length_cap": 128, "encoder_learning_rate": 5e-5, "layer_decay": 0.9,
               "calibrated_stopping": True},
}


def check_text_model(name: str) -> None:
    if name not in TEXT_MODELS:
        raise ConfigError(f"unknown text model '{name}'; choose from {', '.join(TEXT_MODELS)}."
                          + did_you_mean(name, TEXT_MODELS))


def split_options(name: str, options: dict[str, Any] | None) -> tuple[dict[str, Any],
                                                                      dict[str, Any], str]:
    """(network options, fit options, recipe key) from a user's ``model_options``."""
    check_text_model(name)
    network = dict(options or {})
    fit = dict(FIT_OPTIONS[name])
    known = network_option_names(name) + list(fit)
    unknown = [key for key in network if key not in known]
    if unknown:
        raise ConfigError(f"{name} has no model option {', '.join(map(repr, unknown))}; its "
                          f"options are {', '.join(sorted(set(known)))}.")
    for key in list(network):
        if key in fit:
            fit[key] = network.pop(key)
    recipe = "minilm-frozen" if name == "minilm" and network.get("frozen") else name
    return network, fit, recipe
