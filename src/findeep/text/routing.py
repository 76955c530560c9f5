"""When the main commands (``train``, ``benchmark``, ``predict``, ``evaluate``, ``explain``,
``serve``) hand a table or a bundle to the text application instead of the tabular one.

One rule, in one place: a table goes to the text models when a text model is named, when
``--text-columns`` names a column, or when a column is inferred as free text and the
``text`` extra is installed (without the extra the tabular models read the other columns
and warn that they skip the text, as before); a bundle goes to the text code when its
``bundle.json`` says ``kind: text``. Nothing here imports torch or the text models (only
a ``--model`` that names neither a text model nor the default loads the tabular registry,
to check the name).
"""

from __future__ import annotations

import importlib.util
import os
from typing import TYPE_CHECKING, Any

from findeep.errors import ConfigError, did_you_mean

if TYPE_CHECKING:  # pandas is imported where a table is read: `findeep --help` needs none
    import pandas as pd

# mirrors findeep.models.text_network.TEXT_MODELS (pinned equal by a test), kept here so the
# decision needs no torch import
TEXT_MODELS = ("text-cnn", "text-bilstm", "minilm")
# what a text table trains when the command's model is left at the tabular default
DEFAULT_TEXT_MODEL = "text-cnn"
TEXT_KIND = "text"
# findeep.text.benchmark.DEFAULT_MODELS (pinned equal by a test)
TEXT_BENCHMARK_DEFAULTS = ("tfidf-lr", "text-cnn", "text-bilstm")


def text_extra_installed() -> bool:
    return importlib.util.find_spec("tokenizers") is not None


def inferred_text_columns(features: pd.DataFrame) -> list[str]:
    """The columns schema inference calls free text (the target already removed); only
    string columns' first rows are looked at, so a wide numeric table costs nothing."""
    import pandas

    from findeep.data.schema import infer_column_kind

    return [str(c) for c in features.columns
            if not (pandas.api.types.is_numeric_dtype(features[c])
                    or pandas.api.types.is_bool_dtype(features[c])
                    or pandas.api.types.is_datetime64_any_dtype(features[c]))
            and infer_column_kind(str(c), features[c].head(2000)) == "text"]


def text_model_for(features: pd.DataFrame, *, model: str,
                   text_columns: list[str] | None = None) -> str | None:
    """The text model to train on ``features``, or ``None`` for the tabular models.

    ``model`` is the command's ``--model``: a text model's name routes to it; the tabular
    default (``"default"``) becomes ``text-cnn`` when the table holds text; any other tabular
    architecture stays tabular (and skips the text column with a warning). An empty
    ``text_columns`` (``--text-columns none``) keeps a table tabular whatever it holds.
    A name that is neither a tabular nor a text model is refused first, listing both.
    """
    check_model_name(model)
    if text_columns is not None and not text_columns:  # `--text-columns none`: tabular
        if model in TEXT_MODELS:
            raise ConfigError(f"--model {model} reads a text column, however --text-columns "
                              "none says there is none.")
        return None
    if model in TEXT_MODELS:
        return model
    if text_columns:
        if model != "default":
            raise ConfigError(f"--text-columns needs a text model (text-cnn, text-bilstm or "
                              f"minilm); --model {model} reads no text.")
        return DEFAULT_TEXT_MODEL
    if model == "default" and text_extra_installed() and inferred_text_columns(features):
        return DEFAULT_TEXT_MODEL
    return None


def check_model_name(model: str) -> None:
    """Refuse, in one line listing every tabular and text model, a ``--model`` that is
    neither (a misspelt name would otherwise fall through to the tabular checks)."""
    if model in TEXT_MODELS or model == "default":
        return
    if "+" in model:  # a blend to deploy: a tabular network and CatBoost
        from findeep.evaluate.partner import split_blend_model

        network, _ = split_blend_model(model)
        if network in TEXT_MODELS:
            raise ConfigError(f"'{model}': a blend to deploy joins a tabular network with "
                              "CatBoost; text models are not blended.")
        check_model_name(network)
        return
    # the registry imports torch; a name that is not a text model trains a tabular one,
    # which imports it anyway
    from findeep.models.registry import model_names

    tabular = model_names()
    if model not in tabular:
        raise ConfigError(f"unknown model '{model}'; choose from {', '.join(tabular)} "
                          f"(tabular) or {', '.join(TEXT_MODELS)} (text)."
                          + did_you_mean(model, [*tabular, *TEXT_MODELS]))


def text_benchmark_models(features: pd.DataFrame, *, models: list[str],
                          tabular_defaults: tuple[str, ...] | list[str],
                          text_columns: list[str] | None = None) -> list[str] | None:
    """The models ``benchmark`` compares on a text table, or ``None`` for a tabular one.

    A text model or ``tfidf-lr`` in ``models`` routes to the text benchmark; so does a text
    table (named or inferred) benchmarked with the tabular defaults, which then become
    TF-IDF+LR beside text-cnn and text-bilstm.
    """
    if text_columns is not None and not text_columns:  # `--text-columns none`: tabular
        return None
    if any(_is_text_benchmark_model(m) for m in models):
        return models
    if list(models) == list(tabular_defaults) and (text_columns or (
            text_extra_installed() and inferred_text_columns(features))):
        return list(TEXT_BENCHMARK_DEFAULTS)
    if text_columns:
        raise ConfigError(f"--text-columns needs text models (tfidf-lr, text-cnn, text-bilstm, "
                          f"minilm, minilm-frozen); --models {','.join(models)} read no text.")
    return None


def _is_text_benchmark_model(name: str) -> bool:
    return name in TEXT_MODELS or name == "tfidf-lr" or name.startswith("minilm-")


def one_text_column(text_columns: list[str] | None) -> str | None:
    """``--text-columns`` as the single column the text models read."""
    if not text_columns:
        return None
    if len(text_columns) > 1:
        raise ConfigError(f"text models read one text column, however --text-columns names "
                          f"{len(text_columns)}: {', '.join(text_columns)}. Join them into one "
                          "column, or name one (the others are then read as categories).")
    return text_columns[0]


def refuse_tabular_options(**given: Any) -> None:
    """One line naming the tabular-only options set on a text table or bundle."""
    named = [name.replace("_", "-") for name, value in given.items()
             if value not in (None, False)]
    if named:
        one = len(named) == 1
        raise ConfigError(f"--{', --'.join(named)} {'is' if one else 'are'} not available for "
                          "text models (tables with a free-text column and text bundles); "
                          f"leave {'it' if one else 'them'} out.")


def is_text_bundle(path: str | os.PathLike[str]) -> bool:
    """Does ``path`` hold a text bundle? (Only the kind is read; loading verifies the rest.)"""
    from findeep.bundle import bundle_kind  # here: the CLI imports this module without torch

    return bundle_kind(path) == TEXT_KIND


__all__ = ["DEFAULT_TEXT_MODEL", "TEXT_BENCHMARK_DEFAULTS", "TEXT_MODELS",
           "check_model_name", "inferred_text_columns", "is_text_bundle", "one_text_column",
           "refuse_tabular_options", "text_benchmark_models", "text_model_for"]
