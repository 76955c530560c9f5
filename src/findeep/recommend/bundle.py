"""A ``NextProductRecommender`` on disk, in findeep's bundle format (safetensors + JSON).

The network's weights and, for explanations, the mean embedded input of the training rows
(the attribution baseline) are tensors; the schema, preprocessing state, catalogue, column
roles, eligibility rules and training record are JSON. Popularity models keep their rates.
"""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from findeep.bundle import write_bundle
from findeep.data.schema import Schema
from findeep.errors import BundleError, ConfigError
from findeep.features.tabular import TabularPreprocessor
from findeep.recommend.panel import Columns
from findeep.recommend.rules import parse_rule

BUNDLE_KIND = "recommend"


def save_recommender(recommender: Any, path: str | os.PathLike[str], *,
                     metrics: dict[str, Any] | None = None, force: bool = False) -> Path:
    """Write a fitted ``recommender`` (network or popularity) to ``path``."""
    from findeep.recommend.estimator import SAVABLE

    recommender._check_fitted()
    if recommender.model not in SAVABLE:
        raise BundleError(f"a {recommender.model} recommender cannot be saved; bundles hold "
                          f"{' or '.join(SAVABLE)} models (the others are baselines).")
    ranker = recommender.ranker_
    model: dict[str, Any] = {"name": recommender.model}
    tensors: dict[str, torch.Tensor] = {}
    if recommender.model == "network":
        model["config"] = dict(ranker.network_.config)
        model["schema"] = None if ranker.schema_ is None else ranker.schema_.to_dict()
        model["preprocessor"] = ranker.preprocessor_.to_dict()
        tensors |= {f"network.{k}": v for k, v in ranker.network_.state_dict().items()}
        tensors["explain.baseline"] = torch.as_tensor(ranker.baseline_embedding_)
    else:
        tensors["popularity.rates"] = torch.as_tensor(np.asarray(ranker.rates_, dtype=float))
    meta = {
        "estimator": type(recommender).__name__,
        "params": recommender.get_params(),
        "model": model,
        "columns": asdict(recommender.columns_),
        "products": list(recommender.products_),
        "feature_columns": list(recommender.feature_columns_),
        "training": recommender.training_,
    }
    return write_bundle(path, kind=BUNDLE_KIND, meta=meta, tensors=tensors, metrics=metrics,
                        force=force)


def recommender_from_bundle(meta: dict[str, Any], tensors: dict[str, torch.Tensor]) -> Any:
    """Rebuild a fitted ``NextProductRecommender`` (called by ``findeep.load``)."""
    from findeep.recommend.estimator import NextProductRecommender
    from findeep.recommend.network import NextProductNet
    from findeep.recommend.rankers import NetworkRanker, PopularityRanker

    try:
        known = NextProductRecommender().get_params()
        recommender = NextProductRecommender(**{k: v for k, v in meta["params"].items()
                                                if k in known})
        model = meta["model"]
        if model["name"] == "network":
            ranker = NetworkRanker()
            ranker.schema_ = None if model["schema"] is None else Schema.from_dict(
                model["schema"])
            ranker.preprocessor_ = TabularPreprocessor.from_dict(model["preprocessor"])
            config = dict(model["config"])
            network = NextProductNet(**config)
            network.load_state_dict({k.removeprefix("network."): v for k, v in tensors.items()
                                     if k.startswith("network.")}, strict=True)
            ranker.network_ = network.eval()
            ranker.baseline_embedding_ = tensors["explain.baseline"].numpy()
        elif model["name"] == "popularity":
            ranker = PopularityRanker()
            ranker.rates_ = tensors["popularity.rates"].numpy()
        else:
            raise BundleError(f"the bundle's model {model['name']!r} is not known to this "
                              "findeep version.")
        recommender.ranker_ = ranker
        recommender.columns_ = Columns(**meta["columns"])
        recommender.products_ = list(meta["products"])
        recommender.feature_columns_ = list(meta["feature_columns"])
        recommender.training_ = meta.get("training", {})
        for rule in (recommender.eligibility or {}).values():
            parse_rule(rule)  # a rule outside the grammar is never run, even at scoring
    except ConfigError as exc:
        raise BundleError(f"the recommendation bundle holds an eligibility rule findeep will "
                          f"not run: {exc}") from None
    except (KeyError, TypeError, RuntimeError, AttributeError) as exc:
        raise BundleError(f"the recommendation bundle is incomplete or does not fit its "
                          f"model: {exc}") from None
    return recommender
