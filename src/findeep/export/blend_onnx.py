"""A ``default+catboost`` blend as one ONNX graph: the network, CatBoost, and their average.

The network's graph comes from PyTorch's exporter (``export.onnx``) and gives its half in
``predict_raw``'s layout (class 1's probability, class probabilities, or a value). This
module adds CatBoost's half (``export.catboost_graph``: its trees and category statistics,
category texts in) and blends the two as the bundle does (``evaluate.blends``): the mean
of the two log-odds of class 1 for a binary target (each probability first clipped to
[1e-12, 1 - 1e-12]), the mean of the class probabilities for multiclass (CatBoost's by
softmax), the mean value for a regression; the event class's probability last. The blend
is computed in float64 and given as float32, as the bundle gives it.

Two more inputs than the network's: ``partner_numbers`` float32 ``(batch, n)`` and
``partner_texts`` string ``(batch, m)``, CatBoost's columns as the bundle reads a frame
(``BlendPartner.input_arrays``; their names in the metadata, the rules in docs/serving.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from findeep.errors import ConfigError
from findeep.evaluate.partner import BlendPartner, check_partner_available
from findeep.export.catboost_graph import ML_DOMAIN, ML_OPSET, GraphPart, catboost_part
from findeep.features.tabular import MISSING_LEVEL
from findeep.pipeline import TabularPipeline

NUMBERS, TEXTS = "partner_numbers", "partner_texts"
NETWORK_OUTPUT = "network/prediction"
UNSEEN_TEXT = "a text training never saw"


def check_exportable(partner: BlendPartner) -> None:
    """One sentence for a blend this findeep cannot write as ONNX."""
    check_partner_available(partner.name)
    if partner.adapter.categorical and partner.levels is None:
        raise ConfigError("this blend was trained before findeep kept the category texts its "
                          "CatBoost half saw, which the ONNX graph needs to read CatBoost's "
                          "category statistics; train it again to export it.")


def add_partner(model: Any, partner: BlendPartner, *, task: str, event_is_first: bool
                ) -> None:
    """Turn ``model`` (the network's graph, its one output in ``predict_raw``'s layout) into
    the blend's graph, in place: same output name, two more inputs."""
    from onnx import TensorProto, helper

    graph = model.graph
    output = graph.output[0]
    final_name = output.name
    for node in graph.node:  # the network's output becomes an inner value
        node.output[:] = [NETWORK_OUTPUT if name == final_name else name
                          for name in node.output]
    part = catboost_part(partner.adapter.model, columns=partner.columns,
                         categorical=partner.adapter.categorical, levels=partner.levels or {},
                         numbers=NUMBERS, texts=TEXTS)
    blended = _blend_nodes(part, task, raw=part.output, network=NETWORK_OUTPUT,
                           event_is_first=event_is_first)
    part.nodes.append(helper.make_node("Cast", [blended], [final_name], name="partner/output",
                                       to=TensorProto.FLOAT))
    output.type.tensor_type.elem_type = TensorProto.FLOAT  # the network half is float64
    graph.node.extend(part.nodes)
    graph.initializer.extend(part.initializers)
    graph.input.extend([
        helper.make_tensor_value_info(NUMBERS, TensorProto.FLOAT,
                                      ["batch", len(partner.number_columns)]),
        helper.make_tensor_value_info(TEXTS, TensorProto.STRING,
                                      ["batch", len(partner.adapter.categorical)])])
    if not any(entry.domain == ML_DOMAIN for entry in model.opset_import):
        model.opset_import.append(helper.make_opsetid(ML_DOMAIN, ML_OPSET))


def _blend_nodes(part: GraphPart, task: str, *, raw: str, network: str,
                 event_is_first: bool) -> str:
    """The average of the two halves (``evaluate.blends.blend_prediction``), float64."""
    from onnx import TensorProto

    def const(value: float) -> str:
        return part.constant("value", np.array(value, dtype=np.float64))

    network64 = part.node("Cast", [network], "network64", to=TensorProto.DOUBLE)
    if task == "multiclass":
        partner = part.node("Softmax", [raw], "partner_probabilities", axis=-1)
        total = part.node("Add", [network64, partner], "sum")
        return part.node("Mul", [total, const(0.5)], "blend")
    squeezed = part.node("Squeeze", [raw, part.constant("axis", np.array([1]))], "raw")
    if task == "regression":
        return part.node("Mul", [part.node("Add", [network64, squeezed], "sum"), const(0.5)],
                         "blend")

    def log_odds(probability: str) -> str:
        clipped = part.node("Clip", [probability, const(1e-12), const(1.0 - 1e-12)], "clip")
        odds = part.node("Div", [clipped, part.node("Sub", [const(1.0), clipped], "rest")],
                         "odds")
        return part.node("Log", [odds], "log_odds")

    partner = part.node("Sigmoid", [squeezed], "partner_probability")
    mean = part.node("Mul", [part.node("Add", [log_odds(network64), log_odds(partner)], "sum"),
                             const(0.5)], "mean_log_odds")
    probability = part.node("Sigmoid", [mean], "blend")
    if event_is_first:  # the event is class 0: its probability is the rest
        probability = part.node("Sub", [const(1.0), probability], "event")
    return probability


def sample_partner_inputs(partner: BlendPartner, n_rows: int, seed: int
                          ) -> tuple[np.ndarray, np.ndarray]:
    """Inputs that test every kind of split: numbers on, just above and just below
    CatBoost's own borders, missing ones, ordinary ones; the training texts, a text never
    seen and the missing level."""
    rng = np.random.default_rng(seed)
    borders = _number_borders(partner)
    numbers = np.empty((n_rows, len(partner.number_columns)), dtype=np.float32)
    for j in range(numbers.shape[1]):
        edges = borders.get(j, np.zeros(1, dtype=np.float32))
        picks = edges[rng.integers(0, len(edges), n_rows)]
        choice = rng.integers(0, 5, n_rows)
        with np.errstate(over="ignore"):  # past CatBoost's lowest border (-FLT_MAX): -inf
            values = np.where(choice == 1, np.nextafter(picks, np.float32(np.inf)), picks)
            values = np.where(choice == 2, np.nextafter(picks, np.float32(-np.inf)), values)
        values = np.where(choice == 3, np.float32(np.nan), values)
        numbers[:, j] = np.where(choice == 4, rng.normal(size=n_rows) * 3, values)
    texts = np.empty((n_rows, len(partner.adapter.categorical)), dtype=object)
    for j, column in enumerate(partner.adapter.categorical):
        pool = [*(partner.levels or {}).get(column, []), UNSEEN_TEXT, MISSING_LEVEL]
        texts[:, j] = np.array(pool, dtype=object)[rng.integers(0, len(pool), n_rows)]
    return numbers, texts


def _number_borders(partner: BlendPartner) -> dict[int, np.ndarray]:
    """CatBoost's split borders of each number column (its position in ``number_columns``)."""
    position = {name: j for j, name in enumerate(partner.number_columns)}
    borders: dict[int, np.ndarray] = {}
    for index, values in partner.adapter.model.get_borders().items():
        name = partner.columns[int(index)]
        edges = np.asarray(values, dtype=np.float32)
        edges = edges[np.isfinite(edges)]
        if name in position and len(edges):
            borders[position[name]] = edges
    return borders


def expected_blend(pipeline: TabularPipeline, network_output: np.ndarray,
                   numbers: np.ndarray, texts: np.ndarray) -> np.ndarray:
    """What the bundle gives for these inputs: ``BlendPartner.blend`` of the network's half
    and CatBoost's own prediction, the event class's probability for a binary target."""
    partner = pipeline.partner
    assert partner is not None
    blended = partner.blend(network_output, partner.raw_prediction_of_arrays(numbers, texts))
    return pipeline.event_probability(blended) if pipeline.task == "binary" else blended
