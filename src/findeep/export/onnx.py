"""Export a tabular model's network to ONNX: preprocessed inputs -> calibrated prediction.

Inside the graph: the piecewise-linear numeric encoding, categorical embeddings, the
ensemble members, temperature scaling and member averaging — everything after
``TabularPreprocessor.transform``. Outside it: reading dates, imputation, missing- and
special-value indicators, the quantile-normal (or standard) scaling and category codes.
The quantile-normal scaling needs the inverse normal CDF, which ONNX has no operator for;
an approximation would break the 1e-5 agreement with PyTorch, so preprocessing stays
outside for every model. What it needs travels in the file's metadata: the preprocessor's
state (``findeep.preprocessing``, the same JSON as the bundle's) and the rules scoring
reads rows by (``findeep.scoring_rules``: each text date column's day / month order, which
lives in the bundle's schema, not in the preprocessor's state). The formulas that turn them
into inputs are written out in docs/serving.md ("Preparing the inputs without Python"), and
tests/export/test_onnx_client_spec.py implements them from the metadata alone and matches
findeep's inputs and scores: a change to the preprocessing fails it until the spec says the
same.

Inputs: ``x_num`` float32 ``(batch, d_num)`` and ``x_cat`` int64 ``(batch, n_cat)``, as
``TabularPipeline.transform`` returns them (the preprocessor's ``transform`` *with*
``pipeline.scoring_rules``: without them a batch is read as a training table is).
Output: ``probability`` ``(batch,)`` of the event class (binary), ``probabilities``
``(batch, n_classes)`` (multiclass) or ``prediction`` ``(batch,)`` (regression); a CQR
regression also ``lower`` and ``upper`` ``(batch,)``, its interval at the trained level
(the quantile network is in the graph). A ``default+catboost`` blend: ``export.blend_onnx``.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from typing import Any

import numpy as np
import torch
from torch import nn

from findeep._version import __version__
from findeep.errors import BundleError
from findeep.extras import require_extra
from findeep.features.tabular import MISSING_LEVEL
from findeep.output_paths import refuse_overwrite, staged_file
from findeep.pipeline import TabularPipeline, read_pipeline

OPSET = 17
PARITY_TOLERANCE = 1e-5
OUTPUT_NAMES = {"binary": "probability", "multiclass": "probabilities", "regression": "prediction"}
INTERVAL_OUTPUTS = ["lower", "upper"]  # a CQR regression's interval at the trained level


class CalibratedOutput(nn.Module):
    """The network plus what ``TabularPipeline.predict_raw`` does to its logits.

    Binary gives the event class's probability (``event_probability``), not classes[1]'s.
    """

    def __init__(self, pipeline: TabularPipeline, *, event_flip: bool = True) -> None:
        """``event_flip=False``: binary gives classes[1]'s probability, ``predict_raw``'s
        layout (a blend's network half, blended before the event class is taken, in
        float64)."""
        super().__init__()
        self.network = pipeline.network
        self.task = pipeline.task
        self.temperature = float(pipeline.temperature)
        self.event_is_first = (event_flip and pipeline.task == "binary"
                               and pipeline.target.event_index == 0)
        # a blend takes the log-odds of its network half: float64, as the bundle does
        self.float64 = pipeline.partner is not None
        self.y_mean, self.y_std = float(pipeline.y_mean), float(pipeline.y_std)

    def forward(self, x_num: torch.Tensor, x_cat: torch.Tensor) -> torch.Tensor:
        if x_cat.shape[1] == 0:
            # a table without categoricals: the network never reads x_cat, and the tracer
            # drops inputs nothing reads; this zero keeps both inputs in every graph, so a
            # client always feeds the same two arrays
            x_num = x_num + x_cat.sum(dim=1, keepdim=True).to(x_num.dtype) * 0.0
        logits = self.network(x_num, x_cat)  # (B, k, n_out)
        if self.task == "binary":
            if self.float64:  # a blend's half, as the bundle computes it
                logits = logits.double()
            p = torch.sigmoid(logits[..., 0] / self.temperature).mean(dim=1)  # (B, k) -> (B,)
            return 1.0 - p if self.event_is_first else p
        if self.task == "multiclass":
            return torch.softmax(logits / self.temperature, dim=-1).mean(dim=1)  # (B, C)
        return logits[..., 0].mean(dim=1) * self.y_std + self.y_mean


class CalibratedOutputWithInterval(CalibratedOutput):
    """A CQR regression: the prediction and its interval at the trained level, as
    ``TabularPipeline.predict_interval`` gives them — the quantile network's two quantiles
    (sorted), each moved out by the conformal correction ``Q`` (in by a negative one), the
    band's midpoint where a negative ``Q`` crosses them."""

    def __init__(self, pipeline: TabularPipeline) -> None:
        super().__init__(pipeline)
        assert pipeline.quantile_network is not None and pipeline.intervals is not None
        self.quantile_network = pipeline.quantile_network
        with warnings.catch_warnings():  # an unbounded interval is ±inf, said in metadata
            warnings.simplefilter("ignore")
            self.correction = float(pipeline.intervals.correction())

    def forward(self, x_num: torch.Tensor, x_cat: torch.Tensor  # type: ignore[override]
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        prediction = super().forward(x_num, x_cat)
        quantiles = self.quantile_network(x_num, x_cat).mean(dim=1) * self.y_std + self.y_mean
        low = torch.minimum(quantiles[:, 0], quantiles[:, 1])
        high = torch.maximum(quantiles[:, 0], quantiles[:, 1])
        lower, upper = low - self.correction, high + self.correction
        crossed = lower > upper
        middle = 0.5 * (low + high)
        return (prediction, torch.where(crossed, middle, lower),
                torch.where(crossed, middle, upper))


def _has_cqr(pipeline: TabularPipeline) -> bool:
    return (pipeline.task == "regression" and pipeline.quantile_network is not None
            and pipeline.intervals is not None and pipeline.intervals.method == "cqr")


def sample_inputs(pipeline: TabularPipeline, n_rows: int, seed: int = 0,
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Plausible preprocessed inputs: scaled values, 0/1 indicators, valid category codes."""
    rng = np.random.default_rng(seed)
    preprocessor = pipeline.preprocessor
    n_scaled = len(preprocessor.numeric)
    n_num = len(preprocessor.numeric_feature_names)
    x_num = np.clip(rng.normal(size=(n_rows, n_num)), -5, 5).astype(np.float32)
    x_num[:, n_scaled:] = rng.integers(0, 2, size=(n_rows, n_num - n_scaled))
    cardinalities = preprocessor.cardinalities
    x_cat = np.stack([rng.integers(0, c, n_rows) for c in cardinalities], axis=1) if \
        cardinalities else np.zeros((n_rows, 0), dtype=np.int64)
    return x_num, x_cat.astype(np.int64)


def export_onnx(pipeline: TabularPipeline, path: str | os.PathLike[str], *,
                force: bool = False) -> dict[str, Any]:
    """Write ``pipeline``'s network as ONNX (atomically) and check it against PyTorch.

    A blend (``default+catboost``) is written whole: the network, CatBoost and their
    average (``export.blend_onnx``), checked against the bundle's own blend of PyTorch and
    CatBoost. Returns a summary with the path, input and output names, and the largest
    absolute difference between onnxruntime and findeep on 512 sample rows.
    """
    require_extra("onnx", "ONNX export")
    import onnx
    import onnxruntime

    from findeep.export import blend_onnx

    partner = pipeline.partner
    if partner is not None:
        blend_onnx.check_exportable(partner)
    path = refuse_overwrite(path, force=force)
    module = (CalibratedOutputWithInterval(pipeline) if _has_cqr(pipeline) else
              CalibratedOutput(pipeline, event_flip=partner is None)).eval()
    output_name = OUTPUT_NAMES[pipeline.task]
    output_names = [output_name, *(INTERVAL_OUTPUTS if _has_cqr(pipeline) else [])]
    example = tuple(torch.from_numpy(a) for a in sample_inputs(pipeline, 8))
    inputs = ["x_num", "x_cat"] + ([] if partner is None else
                                   [blend_onnx.NUMBERS, blend_onnx.TEXTS])
    with staged_file(path) as staged:
        staging = str(staged)  # the exporter, onnx and onnxruntime take a file name
        with warnings.catch_warnings():
            # the TorchScript-based exporter is deprecated in favour of one needing onnxscript
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", FutureWarning)
            # attention's internal shape checks trace as constants; the parity check below,
            # on a batch of another size, is what tells whether the graph is right
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            torch.onnx.export(
                module, example, staging, input_names=["x_num", "x_cat"],
                output_names=output_names, opset_version=OPSET, dynamo=False,
                dynamic_axes={"x_num": {0: "batch"}, "x_cat": {0: "batch"},
                              **{name: {0: "batch"} for name in output_names}})
        model = onnx.load(staging)
        if partner is not None:
            blend_onnx.add_partner(model, partner, task=pipeline.task, event_is_first=(
                pipeline.task == "binary" and pipeline.target.event_index == 0))
        _add_metadata(model, pipeline)
        onnx.save(model, staging)
        session = onnxruntime.InferenceSession(staging, providers=["CPUExecutionProvider"])
        max_abs_diff, magnitude = parity_gap(module, session,
                                             *sample_inputs(pipeline, 512, seed=1),
                                             pipeline=pipeline)
        # probabilities are compared absolutely; a regression's prediction in target units
        # (an income of 40,000) relative to its size, as float32 rounding scales with it
        tolerance = PARITY_TOLERANCE * (max(1.0, magnitude) if pipeline.task == "regression"
                                        else 1.0)
        if max_abs_diff > tolerance:
            raise BundleError(f"the exported graph disagrees with findeep by {max_abs_diff:.2e} "
                              f"(> {tolerance:.2e}); nothing was written.")
    return {"path": str(path), "inputs": inputs, "output": ", ".join(output_names),
            "max_abs_diff": max_abs_diff, "tolerance": tolerance}


def parity_gap(module: nn.Module, session: Any, x_num: np.ndarray, x_cat: np.ndarray, *,
               pipeline: TabularPipeline | None = None) -> tuple[float, float]:
    """(largest |onnxruntime - findeep|, largest |findeep output|) on the same inputs:
    findeep's is PyTorch's, and for a blend's graph (``pipeline.partner``) the bundle's
    blend of it with CatBoost's own prediction on sampled CatBoost inputs."""
    with torch.inference_mode():
        output = module(torch.from_numpy(x_num), torch.from_numpy(x_cat))
    if isinstance(output, tuple):  # a CQR regression: prediction, lower, upper
        expected = [part.numpy() for part in output]
        onnx_outputs = session.run(None, {"x_num": x_num, "x_cat": x_cat})
        finite = [np.isfinite(e) for e in expected]
        gaps = [np.abs(o - e)[f].max(initial=0.0) if (np.isfinite(o) == f).all()
                else np.inf for o, e, f in zip(onnx_outputs, expected, finite, strict=True)]
        return float(max(gaps)), float(max(np.abs(e[f]).max(initial=0.0)
                                           for e, f in zip(expected, finite, strict=True)))
    torch_output = output.numpy()
    feeds = {"x_num": x_num, "x_cat": x_cat}
    partner = None if pipeline is None else pipeline.partner
    if partner is not None:
        from findeep.export import blend_onnx

        numbers, texts = blend_onnx.sample_partner_inputs(partner, len(x_num), seed=2)
        feeds |= {blend_onnx.NUMBERS: numbers, blend_onnx.TEXTS: texts}
        torch_output = blend_onnx.expected_blend(pipeline, torch_output, numbers, texts)
    (onnx_output,) = session.run(None, feeds)
    return float(np.abs(onnx_output - torch_output).max()), float(np.abs(torch_output).max())


def onnx_inputs(pipeline: TabularPipeline, frame: Any) -> dict[str, np.ndarray]:
    """The exported graph's inputs for the rows of ``frame``, read as findeep scores them:
    ``x_num`` and ``x_cat`` (``pipeline.transform``), and a blend's CatBoost columns
    (``partner_numbers``, ``partner_texts``)."""
    x_num, x_cat, _ = pipeline.transform(frame)
    feeds = {"x_num": x_num, "x_cat": x_cat}
    if pipeline.partner is not None:
        from findeep.export import blend_onnx

        numbers, texts = pipeline.partner.input_arrays(frame, pipeline.schema)
        feeds |= {blend_onnx.NUMBERS: numbers, blend_onnx.TEXTS: texts}
    return feeds


def export_bundle(bundle: str | os.PathLike[str], out: str | os.PathLike[str], *,
                  force: bool = False) -> dict[str, Any]:
    """``export_onnx`` for a bundle directory (what ``findeep export`` runs)."""
    pipeline, _ = read_pipeline(bundle, refusal="only tabular models export to ONNX")
    return export_onnx(pipeline, out, force=force)


def _scoring_rules_json(pipeline: TabularPipeline) -> str:
    """``pipeline.scoring_rules`` as JSON: ``day_first`` (text date column -> true when
    training read its dates day first), ``missing_shares`` (column -> training share
    missing) and ``scale`` (numeric column -> [10th, 90th] training percentiles). Only
    ``day_first`` changes the inputs; the other two are what findeep's warnings about empty
    and off-scale columns are judged by."""
    rules = pipeline.scoring_rules
    return json.dumps({"day_first": rules.day_first, "missing_shares": rules.missing_shares,
                       "scale": {name: list(ends) for name, ends in rules.scale.items()}})


def _intervals_json(pipeline: TabularPipeline) -> str:
    """A regression's prediction interval at the trained level: split-conformal is
    ``prediction ± half_width``, which a client computes from the graph's ``prediction``;
    CQR's comes out of the graph (``lower``, ``upper``: the quantile network is in it)."""
    intervals = pipeline.intervals
    assert intervals is not None
    if intervals.method == "split-conformal":
        with warnings.catch_warnings():  # an unbounded width is written as null, said there
            warnings.simplefilter("ignore")
            width = intervals.half_width()
        return json.dumps({"method": "split-conformal", "level": intervals.level,
                           "half_width": width if math.isfinite(width) else None,
                           "lower": "prediction - half_width",
                           "upper": "prediction + half_width"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        correction = intervals.correction()
    return json.dumps({"method": intervals.method, "level": intervals.level,
                       "in_file": True, "outputs": INTERVAL_OUTPUTS,
                       "correction": correction if math.isfinite(correction) else None,
                       "lower": "the quantile network's lower quantile - correction",
                       "upper": "its upper quantile + correction (both the band's midpoint "
                                "where they cross); other levels: findeep predict --interval "
                                "or the REST server"})


def _add_metadata(model: Any, pipeline: TabularPipeline) -> None:
    """What a non-Python client needs to prepare inputs and read outputs (the formulas
    that use it: docs/serving.md, "Preparing the inputs without Python")."""
    preprocessor = pipeline.preprocessor
    entries = {
        "findeep.version": __version__,
        "findeep.task": pipeline.task,
        "findeep.target": json.dumps(pipeline.target.to_dict(), default=str),
        "findeep.x_num_columns": json.dumps(preprocessor.numeric_feature_names),
        "findeep.x_cat_columns": json.dumps(preprocessor.categorical_feature_names),
        "findeep.preprocessing": json.dumps(preprocessor.to_dict()),
        "findeep.scoring_rules": _scoring_rules_json(pipeline),
        "findeep.inside_graph": "piecewise-linear numeric encoding, embeddings, ensemble "
                                "members, temperature scaling, member averaging",
        "findeep.outside_graph": "reading dates, imputation, missing and special-value "
                                 "indicators, numeric scaling, category codes (state: "
                                 "findeep.preprocessing and findeep.scoring_rules; "
                                 "formulas: findeep's docs/serving.md, 'Preparing the "
                                 "inputs without Python')",
    }
    if pipeline.intervals is not None:
        entries["findeep.intervals"] = _intervals_json(pipeline)
    if (partner := pipeline.partner) is not None:
        entries["findeep.partner"] = json.dumps({
            "name": partner.name, "share": partner.share,
            "partner_numbers": partner.number_columns,
            "partner_texts": partner.adapter.categorical,
            "levels": partner.levels or {},
            "special_values": partner.special_values, "missing_text": MISSING_LEVEL})
        entries["findeep.inside_graph"] += (
            f"; {partner.name}'s trees and category statistics, and the blend of the two "
            "halves (binary: the mean of their log-odds; multiclass: of their class "
            "probabilities; regression: of their values)")
        entries["findeep.outside_graph"] += (
            f"; {partner.name}'s inputs partner_numbers and partner_texts (columns: "
            "findeep.partner; rules: findeep's docs/serving.md, 'A blend')")
    for key, value in entries.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
