"""Forty-first session: which ONNX tree operator for a blend's CatBoost half? ai.onnx.ml
opset 3's ``TreeEnsembleRegressor`` (what ``export/catboost_graph.py`` writes; float32
output) against opset 5's ``TreeEnsemble`` (float64 output, fewer runtimes), on the same
1,000 random oblivious trees of depth 6 over 400 0/1 split columns, 3,334 rows (ISLR
Default's test fold's size), onnxruntime on 2 cores, medians of 7 runs.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/tree_operator_probe.py   # ~10 s
"""

from __future__ import annotations

import time

import numpy as np
import onnxruntime
from onnx import TensorProto, helper, numpy_helper

SPLITS, TREES, DEPTH, ROWS = 400, 1000, 6, 3334


def opset3(splits: np.ndarray, leaves: np.ndarray):
    """As ``CatBoostGraphBuilder.build`` writes it: each tree's nodes together (onnxruntime
    finds a tree's root as the first node listed under its id)."""
    nodes: dict[str, list] = {k: [] for k in ("t", "n", "f", "m", "v", "tr", "fa")}
    targets: dict[str, list] = {k: [] for k in ("t", "n", "w")}

    def add(*values) -> None:
        for key, value in zip(("t", "n", "f", "m", "v", "tr", "fa"), values, strict=True):
            nodes[key].append(value)

    for tree in range(len(splits)):
        for level in range(DEPTH):
            child = 2**(level + 1) - 1
            for position in range(2**level):
                add(tree, 2**level - 1 + position, int(splits[tree, level]), "BRANCH_GT", 0.5,
                    child + position + 2**level, child + position)
        for position in range(2**DEPTH):
            add(tree, 2**DEPTH - 1 + position, 0, "LEAF", 0.0, 0, 0)
            targets["t"].append(tree)
            targets["n"].append(2**DEPTH - 1 + position)
            targets["w"].append(leaves[tree, position])
    node = helper.make_node(
        "TreeEnsembleRegressor", ["X"], ["Y"], domain="ai.onnx.ml", n_targets=1,
        aggregate_function="SUM", nodes_treeids=nodes["t"], nodes_nodeids=nodes["n"],
        nodes_featureids=nodes["f"], nodes_modes=nodes["m"],
        nodes_values_as_tensor=numpy_helper.from_array(np.array(nodes["v"])),
        nodes_truenodeids=nodes["tr"], nodes_falsenodeids=nodes["fa"],
        target_treeids=targets["t"], target_nodeids=targets["n"],
        target_ids=[0] * len(targets["t"]),
        target_weights_as_tensor=numpy_helper.from_array(np.array(targets["w"])))
    return node, TensorProto.FLOAT, 3


def opset5(splits: np.ndarray, leaves: np.ndarray):
    fields: dict[str, list] = {k: [] for k in ("f", "s", "m", "tr", "tl", "fa", "fl")}
    roots, weights = [], []
    for tree in range(len(splits)):
        base, leaf_base = len(fields["f"]), len(weights)
        roots.append(base)
        for level in range(DEPTH):
            for position in range(2**level):
                last = level == DEPTH - 1
                nxt = leaf_base if last else base + 2**(level + 1) - 1
                for key, value in zip(("f", "s", "m", "tr", "tl", "fa", "fl"), (
                        int(splits[tree, level]), 0.5, 3, nxt + position + 2**level, int(last),
                        nxt + position, int(last)), strict=True):
                    fields[key].append(value)
        weights += list(leaves[tree])
    node = helper.make_node(
        "TreeEnsemble", ["X"], ["Y"], domain="ai.onnx.ml", n_targets=1, aggregate_function=1,
        post_transform=0, nodes_featureids=fields["f"],
        nodes_splits=numpy_helper.from_array(np.array(fields["s"])),
        nodes_modes=numpy_helper.from_array(np.array(fields["m"], dtype=np.uint8)),
        nodes_truenodeids=fields["tr"], nodes_trueleafs=fields["tl"],
        nodes_falsenodeids=fields["fa"], nodes_falseleafs=fields["fl"],
        leaf_targetids=[0] * len(weights), leaf_weights=numpy_helper.from_array(
            np.array(weights)), tree_roots=roots)
    return node, TensorProto.DOUBLE, 5


def main() -> None:
    rng = np.random.default_rng(0)
    splits = rng.integers(0, SPLITS, (TREES, DEPTH))
    leaves = rng.normal(size=(TREES, 2**DEPTH)) * 0.01
    bits = (rng.random((ROWS, SPLITS)) < 0.5).astype(np.float64)
    index = (bits[:, splits] > 0.5).astype(int) @ (2 ** np.arange(DEPTH))
    expected = leaves[np.arange(TREES), index].sum(axis=1)
    for build in (opset3, opset5):
        node, output_type, ml_opset = build(splits, leaves)
        graph = helper.make_graph(
            [node], "trees", [helper.make_tensor_value_info("X", TensorProto.DOUBLE,
                                                            ["b", SPLITS])],
            [helper.make_tensor_value_info("Y", output_type, ["b", 1])])
        model = helper.make_model(graph, opset_imports=[
            helper.make_opsetid("", 21), helper.make_opsetid("ai.onnx.ml", ml_opset)])
        session = onnxruntime.InferenceSession(model.SerializeToString(),
                                               providers=["CPUExecutionProvider"])
        times = []
        for _ in range(7):
            started = time.perf_counter()
            (output,) = session.run(None, {"X": bits})
            times.append(time.perf_counter() - started)
        print(f"{node.op_type} (ai.onnx.ml opset {ml_opset}): median "
              f"{np.median(times) * 1000:.1f} ms, {ROWS / np.median(times):,.0f} rows/s, "
              f"max |error| {np.abs(output[:, 0] - expected).max():.1e}")


if __name__ == "__main__":
    main()
