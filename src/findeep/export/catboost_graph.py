"""A fitted CatBoost model as ONNX nodes, category columns included.

CatBoost's own ONNX export refuses models with categorical columns, and findeep's blend
partner always has them when the table does. This module writes the model from CatBoost's
JSON export instead, which holds everything scoring reads:

1. each category text's hash (CatBoost's, as its JSON export lists them for the texts it is
   shown: the partner's training levels), looked up in a string -> int64 table; a text
   training never saw gets a hash no training text has, which is what CatBoost's own hash
   of it amounts to (it finds no statistics and equals no one-hot value);
2. the category statistics (CTRs): each one's hash combined from its columns' hashes and
   the 0/1 splits it includes (CatBoost's ``CalcHash``, 64-bit wrapping multiply-add), all of
   them at once a step at a time, salted with the statistic's index and looked up in one
   int64 -> float table holding every statistic already computed as CatBoost does, in
   float32 (``TModelCtr::Calc``), the empty statistic for a hash not in it — a fixed number
   of nodes however many statistics (a first form with a lookup per statistic had 5,194
   nodes on one panel table, and one record took 2.4 ms);
3. the oblivious trees as one ``TreeEnsembleRegressor`` (ai.onnx.ml opset 3, which
   onnxruntime and most other runtimes have) over one float64 matrix: the numbers themselves
   (each numeric split compares a number with CatBoost's float32 border inside the operator,
   a NaN going the way CatBoost's nan_mode sends it), a 0/1 column per one-hot split (the
   hash equal to its value) and each statistic a split reads; a tree of depth d as a full
   binary tree whose level j asks split j, so the leaf reached is CatBoost's leaf index
   (split ``j`` is bit ``j``); the operator sums the float64 leaf values and gives float32
   (CatBoost's raw output to ~1e-7 of its size), then ``scale * sum + bias`` as CatBoost's
   raw output. (A first form built a 0/1 column per numeric split before the operator: 1.9x
   slower on a 3,000-row batch. The opset-5 ``TreeEnsemble`` would give float64, 6-18%
   faster in onnxruntime, but fewer runtimes read it: benchmarks/tree_operator_probe.py.)

What the nodes take: ``numbers`` float32 ``(batch, n_numbers)`` (the partner's non-category
columns, in order; missing as NaN) and ``texts`` string ``(batch, n_texts)``. What they give:
``raw`` float64 ``(batch, dimension)`` — log-odds of class 1 (binary), per-class scores
(multiclass, before softmax), or the prediction (regression). The export that uses them
checks the whole graph against CatBoost itself before writing anything (``export.onnx``).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from findeep.errors import ConfigError

MAGIC_MULT = 0x4906BA494954CB65  # CatBoost's CalcHash multiplier
EMPTY_KEY = 2**64 - 1  # an unused slot of CatBoost's hash table: not a statistic
ML_DOMAIN = "ai.onnx.ml"
ML_OPSET = 3  # LabelEncoder (string -> int64, int64 -> float) and TreeEnsembleRegressor
SUPPORTED_CTRS = ("Borders", "Buckets", "Counter", "FeatureFreq")
INT64, DOUBLE = 7, 11  # onnx.TensorProto's, without importing onnx at module load


@dataclass
class GraphPart:
    """ONNX nodes and constants computing ``output`` from named inputs."""

    nodes: list[Any] = field(default_factory=list)
    initializers: list[Any] = field(default_factory=list)
    output: str = ""
    counter: int = 0

    def name(self, stem: str) -> str:
        self.counter += 1
        return f"partner/{stem}_{self.counter}"

    def constant(self, stem: str, values: np.ndarray) -> str:
        from onnx import numpy_helper

        name = self.name(stem)
        self.initializers.append(numpy_helper.from_array(np.asarray(values), name))
        return name

    def node(self, op: str, inputs: list[str], stem: str | None = None,
             domain: str = "", **attributes: Any) -> str:
        from onnx import helper

        output = self.name(stem or op.lower())
        self.nodes.append(helper.make_node(op, inputs, [output], name=output, domain=domain,
                                           **attributes))
        return output


def catboost_json(model: Any, columns: list[str], categorical: list[str],
                  levels: dict[str, list[str]]) -> dict[str, Any]:
    """CatBoost's JSON export of ``model``, with the hashes of ``levels``' texts: the export
    lists a hash for each text in the pool it is given, so the pool holds every level."""
    import catboost
    import pandas as pd

    n_rows = max([1, *(len(v) for v in levels.values())])
    frame = pd.DataFrame({
        name: ([levels[name][i % len(levels[name])] for i in range(n_rows)]
               if name in categorical and levels.get(name) else
               ["-"] * n_rows if name in categorical else np.zeros(n_rows))
        for name in columns})
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.json"
        model.save_model(str(path), format="json",
                         pool=catboost.Pool(frame, cat_features=categorical))
        return json.loads(path.read_text())


def _signed(value: int) -> int:
    """An unsigned 64-bit value as the int64 with the same bits."""
    value = int(value) % 2**64
    return value - 2**64 if value >= 2**63 else value


def _calc_hash(hashed: int, value: int) -> int:
    """CatBoost's ``CalcHash`` on Python ints, as the int64 the graph computes."""
    mask = 2**64 - 1
    return _signed((MAGIC_MULT * ((hashed + MAGIC_MULT * value) & mask)) & mask)


def _int32(value: int) -> int:
    """A 32-bit hash as CatBoost combines it: sign-extended from int32."""
    value = int(value) % 2**32
    return value - 2**32 if value >= 2**31 else value


class CatBoostGraphBuilder:
    """Builds ``GraphPart`` for one CatBoost JSON model (see the module's docstring)."""

    def __init__(self, model_json: dict[str, Any], *, numbers: str, texts: str,
                 number_columns: list[str], text_columns: list[str],
                 columns: list[str]) -> None:
        self.json = model_json
        self.info = model_json["features_info"]
        self.part = GraphPart()
        self.numbers, self.texts = numbers, texts
        self.n_numbers = len(number_columns)
        number_index = {name: i for i, name in enumerate(number_columns)}
        text_index = {name: i for i, name in enumerate(text_columns)}
        # CatBoost's feature indexes -> columns of the two inputs
        floats = self.info.get("float_features", [])
        self.float_column = {int(f["feature_index"]):
                             number_index[columns[int(f["flat_feature_index"])]] for f in floats}
        self.float_nan_true = {int(f["feature_index"]): f.get("nan_value_treatment") == "AsTrue"
                               for f in floats}
        self.cat_column = {int(c["feature_index"]):
                           text_index[columns[int(c["flat_feature_index"])]]
                           for c in self.info.get("categorical_features", [])}
        self._all_hashes: str | None = None

    def above(self, values: str, features: list[int], borders: list[float]) -> str:
        """Booleans, one column per (feature, border): the float feature's values above the
        border, a missing value as its ``nan_value_treatment`` says (``AsTrue``, CatBoost's
        nan_mode Max: above every border; otherwise below)."""
        part = self.part
        above = part.node("Greater", [values, part.constant(
            "borders", np.array(borders, dtype=np.float32))], "above")
        nan_true = np.array([self.float_nan_true.get(f, False) for f in features])
        if nan_true.any():
            missing = part.node("And", [part.node("IsNaN", [values], "is_nan"),
                                        part.constant("nan_true", nan_true)], "nan_above")
            above = part.node("Or", [above, missing], "above")
        return above

    def bits(self, floats: list[tuple[int, float]], one_hots: list[tuple[int, int]], *,
             to: int) -> list[str]:
        """0/1 columns of type ``to``: each (float feature, border) — above it — then each
        (category feature, one-hot value) — its hash equal to it; a block for each kind
        present."""
        part = self.part
        blocks = []
        if floats:
            features = [f for f, _ in floats]
            values = part.node("Gather", [self.numbers, part.constant(
                "float_columns", np.array([self.float_column[f] for f in features],
                                          dtype=np.int64))], "split_values", axis=1)
            above = self.above(values, features, [b for _, b in floats])
            blocks.append(part.node("Cast", [above], "float_bits", to=to))
        if one_hots:
            hashes = part.node("Gather", [self.all_hashes(), part.constant(
                "one_hot_columns", np.array([self.cat_column[c] for c, _ in one_hots],
                                            dtype=np.int64))], "one_hot_hashes", axis=1)
            same = part.node("Equal", [hashes, part.constant(
                "one_hot_values", np.array([v for _, v in one_hots], dtype=np.int64))], "same")
            blocks.append(part.node("Cast", [same], "one_hot_bits", to=to))
        return blocks

    def all_hashes(self) -> str:
        """CatBoost's hash of every text (int64 (batch, n_texts), sign-extended from int32 as
        CatBoost combines it); a text training never saw gets a hash no training text has."""
        if self._all_hashes is None:
            known = {str(entry["value"]): _int32(entry["hash"])
                     for entry in self.info.get("cat_features_hash", [])}
            unseen = 0x7FFFFFFF
            while unseen in set(known.values()):
                unseen -= 1
            keys = sorted(known)
            self._all_hashes = self.part.node(
                "LabelEncoder", [self.texts], "text_hash", domain=ML_DOMAIN,
                keys_strings=keys or [""], values_int64s=[known[k] for k in keys] or [unseen],
                default_int64=unseen)
        return self._all_hashes

    # -- category statistics ---------------------------------------------------------------
    def element_columns(self, ctrs: list[dict[str, Any]]
                        ) -> tuple[str, list[list[int]]]:
        """Every value the statistics' hashes combine, as one int64 (batch, elements)
        matrix — each category column's hashes, each numeric split's and each one-hot
        value's 0/1 — and each statistic's elements as columns of it, in order."""
        part = self.part
        cats: dict[int, int] = {}
        floats: dict[tuple[int, float], int] = {}
        one_hots: dict[tuple[int, int], int] = {}
        refs: list[list[tuple[str, Any]]] = []
        for ctr in ctrs:
            row = []
            for element in ctr["elements"]:
                kind = element["combination_element"]
                if kind == "cat_feature_value":
                    key: Any = int(element["cat_feature_index"])
                    cats.setdefault(key, len(cats))
                elif kind == "float_feature":
                    key = (int(element["float_feature_index"]), float(element["border"]))
                    floats.setdefault(key, len(floats))
                elif kind == "cat_feature_exact_value":
                    key = (int(element["cat_feature_index"]), _int32(element["value"]))
                    one_hots.setdefault(key, len(one_hots))
                else:
                    raise ConfigError(f"this CatBoost model combines '{kind}' in its category "
                                      "statistics, which findeep cannot export to ONNX.")
                row.append((kind, key))
            refs.append(row)
        blocks: list[str] = []
        if cats:
            blocks.append(part.node("Gather", [self.all_hashes(), part.constant(
                "element_texts", np.array([self.cat_column[c] for c in cats], dtype=np.int64))],
                "element_hashes", axis=1))
        blocks += self.bits(list(floats), list(one_hots), to=INT64)
        matrix = blocks[0] if len(blocks) == 1 else part.node("Concat", blocks, "elements",
                                                               axis=1)
        offset = {"cat_feature_value": 0, "float_feature": len(cats),
                  "cat_feature_exact_value": len(cats) + len(floats)}
        lookup = {"cat_feature_value": cats, "float_feature": floats,
                  "cat_feature_exact_value": one_hots}
        return matrix, [[offset[kind] + lookup[kind][key] for kind, key in row]
                        for row in refs]

    def statistics(self, ctrs: list[dict[str, Any]]) -> str:
        """The statistics ``ctrs`` of each row, float32 (batch, len(ctrs)), in a fixed number
        of nodes however many there are: each one's hash combined from its elements a step
        at a time over all of them at once (CatBoost's ``CalcHash``: M * (hash + M * value),
        wrapping; a statistic with fewer elements keeps its hash through the later steps),
        then salted with its own index by one more step, so that one table holds every
        statistic's values: salted hash -> value (computed at export with the same
        arithmetic), a hash not in it -> that statistic's empty value."""
        part = self.part
        # statistics of one projection (priors, types) share its hash: one lane each
        projections: dict[str, int] = {}
        lane = [projections.setdefault(json.dumps(ctr["elements"], sort_keys=True),
                                       len(projections)) for ctr in ctrs]
        firsts = {index: ctrs[lane.index(index)] for index in projections.values()}
        matrix, elements = self.element_columns([firsts[i] for i in range(len(firsts))])
        magic = part.constant("magic", np.array(_signed(MAGIC_MULT), dtype=np.int64))

        def combine(hashed: str, value: str) -> str:
            inner = part.node("Add", [hashed, part.node("Mul", [magic, value], "mul")], "add")
            return part.node("Mul", [magic, inner], "hash")

        hashed = part.node("Mul", [part.node("Gather", [matrix, part.constant(
            "first_elements", np.zeros(len(elements), dtype=np.int64))], "zero_like", axis=1),
            part.constant("zero", np.zeros((), dtype=np.int64))], "start")  # (batch, lanes)
        for step in range(max(len(row) for row in elements)):
            present = np.array([step < len(row) for row in elements])
            columns = np.array([row[step] if step < len(row) else 0 for row in elements],
                               dtype=np.int64)
            value = part.node("Gather", [matrix, part.constant("step_elements", columns)],
                              "step_values", axis=1)
            stepped = combine(hashed, value)
            hashed = stepped if present.all() else part.node(
                "Where", [part.constant("step_present", present), stepped, hashed], "kept")
        per_statistic = part.node("Gather", [hashed, part.constant(
            "lanes", np.array(lane, dtype=np.int64))], "statistic_hashes", axis=1)
        salted = combine(per_statistic, part.constant("salts", np.arange(len(ctrs),
                                                                         dtype=np.int64)))
        keys, values, empties = [], [], []
        for index, ctr in enumerate(ctrs):
            table_keys, table_values, empty = self.ctr_table(ctr)
            keys += [_calc_hash(int(k), index) for k in table_keys]
            values += table_values.tolist()
            empties.append(empty)
        found = part.node("LabelEncoder", [salted], "statistics_found", domain=ML_DOMAIN,
                          keys_int64s=keys or [0], values_floats=values or [0.0],
                          default_float=float("nan"))
        return part.node("Where", [part.node("IsNaN", [found], "not_found"), part.constant(
            "empty_statistics", np.array(empties, dtype=np.float32)), found], "statistics")

    def ctr_table(self, ctr: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.float32]:
        """(keys int64, values float32, empty value) of one statistic, computed as CatBoost's
        ``TModelCtr::Calc`` does, in float32."""
        kind = ctr["ctr_type"]
        if kind not in SUPPORTED_CTRS:
            raise ConfigError(f"this CatBoost model uses '{kind}' category statistics, which "
                              "findeep cannot export to ONNX.")
        f = np.float32
        prior_num, prior_denom = f(ctr["prior_numerator"]), f(ctr["prior_denomerator"])
        shift, scale = f(ctr["shift"]), f(ctr["scale"])

        def calc(good: np.ndarray, total: np.ndarray) -> np.ndarray:
            ratio = (good.astype(f) + prior_num) / (total.astype(f) + prior_denom)
            return ((ratio + shift) * scale).astype(f)

        data = self.json["ctr_data"][ctr["identifier"]]
        stride = int(data["hash_stride"])
        flat = data["hash_map"]
        keys = np.array([int(k) for k in flat[::stride]], dtype=object)
        counts = np.array([flat[i + 1:i + stride] for i in range(0, len(flat), stride)],
                          dtype=np.float64).reshape(len(keys), stride - 1)
        used = keys != EMPTY_KEY
        keys, counts = keys[used], counts[used]
        if kind in ("Counter", "FeatureFreq"):
            values = calc(counts[:, 0], np.full(len(keys), data["counter_denominator"]))
        else:
            border = int(ctr.get("target_border_idx", 0))
            n_classes = counts.shape[1]
            if kind == "Buckets":
                good, total = counts[:, border], counts.sum(axis=1)
            elif n_classes > 2:
                good = counts[:, border + 1:].sum(axis=1)
                total = counts[:, :border + 1].sum(axis=1) + good
            else:
                good, total = counts[:, 1], counts[:, 0] + counts[:, 1]
            values = calc(good, total)
        empty = calc(np.zeros(1), np.zeros(1))[0]
        return np.array([_signed(k) for k in keys], dtype=np.int64), values, empty

    # -- the trees ---------------------------------------------------------------------------
    def split_inputs(self) -> tuple[str, list[list[tuple[int, float, bool]]]]:
        """The tree operator's input, float64 (batch, columns): the numbers themselves, then
        one 0/1 column per one-hot split, then each statistic a split reads; and each tree's
        splits as (column, threshold, missing goes right) in depth order (split j is bit j
        of the leaf index). A numeric split compares the number with CatBoost's float32
        border (exact in float64) inside the operator, a NaN going right where CatBoost's
        nan_mode is Max; a one-hot split's column is above 0.5 when the hash equals the
        value; a statistic's is compared with its float32 border."""
        info = self.info
        n_float = sum(len(f.get("borders", [])) for f in info.get("float_features", []))
        n_one_hot = sum(len(c.get("values", [])) for c in info.get("categorical_features", []))
        ctr_starts, start = [], n_float + n_one_hot
        for ctr in info.get("ctrs", []):
            ctr_starts.append(start)
            start += len(ctr["borders"])
        one_hots: dict[tuple[int, int], int] = {}
        statistics: dict[int, int] = {}  # which ctr -> its column among those read
        raw_trees: list[list[tuple[str, Any, float, bool]]] = []
        for tree in self.json["oblivious_trees"]:
            splits: list[tuple[str, Any, float, bool]] = []
            for split in tree.get("splits") or []:  # a tree of depth 0 has none
                kind = split["split_type"]
                if kind == "FloatFeature":
                    feature = int(split["float_feature_index"])
                    splits.append((kind, self.float_column[feature],
                                   float(np.float32(split["border"])),
                                   self.float_nan_true.get(feature, False)))
                elif kind == "OneHotFeature":
                    key = (int(split["cat_feature_index"]), _int32(split["value"]))
                    splits.append((kind, one_hots.setdefault(key, len(one_hots)), 0.5, False))
                elif kind == "OnlineCtr":
                    index = int(split["split_index"])
                    which = max(k for k, s in enumerate(ctr_starts) if s <= index)
                    border = float(info["ctrs"][which]["borders"][index - ctr_starts[which]])
                    if border != float(split["border"]):
                        raise ConfigError("this CatBoost model's splits do not line up with "
                                          "its category statistics; findeep cannot export it.")
                    splits.append((kind, statistics.setdefault(which, len(statistics)),
                                   float(np.float32(border)), False))
                else:
                    raise ConfigError(f"this CatBoost model splits on '{kind}', which findeep "
                                      "cannot export to ONNX.")
            raw_trees.append(splits)
        part = self.part
        n_numbers = self.n_numbers
        blocks = [part.node("Cast", [self.numbers], "numbers_double", to=DOUBLE)]
        blocks += self.bits([], list(one_hots), to=DOUBLE)
        if statistics:
            used = sorted(statistics, key=statistics.get)
            stacked = self.statistics([info["ctrs"][which] for which in used])
            blocks.append(part.node("Cast", [stacked], "statistics_double", to=DOUBLE))
        offset = {"FloatFeature": 0, "OneHotFeature": n_numbers,
                  "OnlineCtr": n_numbers + len(one_hots)}
        trees = [[(offset[kind] + column, threshold, missing)
                  for kind, column, threshold, missing in splits] for splits in raw_trees]
        if not (n_numbers or one_hots or statistics):  # the operator refuses 0 columns, even
            from onnx import helper  # for trees of one leaf: one column of zeros then

            batch = part.node("Slice", [part.node("Shape", [self.numbers], "shape"),
                                        part.constant("start", np.array([0])),
                                        part.constant("end", np.array([1]))], "batch")
            size = part.node("Concat", [batch, part.constant("one", np.array([1]))], "size",
                             axis=0)
            blocks.append(part.node("ConstantOfShape", [size], "no_columns",
                                    value=helper.make_tensor("zero", DOUBLE, [1], [0.0])))
        inputs = blocks[0] if len(blocks) == 1 else part.node("Concat", blocks, "tree_inputs",
                                                               axis=1)
        return inputs, trees

    def build(self) -> GraphPart:
        """The trees as one ``TreeEnsembleRegressor`` over ``split_inputs``: an oblivious
        tree of depth d is a full binary tree whose level j asks split j (true: bit j of the
        leaf index set), so onnxruntime's tree code scores it; leaf values in float64, the
        operator's sum in float32."""
        from onnx import numpy_helper

        if "oblivious_trees" not in self.json:
            raise ConfigError("findeep exports CatBoost's symmetric trees only; this model "
                              "grew other trees.")
        part = self.part
        inputs, trees = self.split_inputs()
        scale, bias = self.json["scale_and_bias"]
        bias = np.atleast_1d(np.asarray(bias, dtype=np.float64))
        dimension = len(bias)
        nodes: dict[str, list[Any]] = {key: [] for key in (
            "treeids", "nodeids", "featureids", "modes", "values", "truenodeids",
            "falsenodeids", "missing_value_tracks_true")}
        targets: dict[str, list[Any]] = {key: [] for key in ("treeids", "nodeids", "ids",
                                                             "weights")}
        for tree_id, (splits, tree) in enumerate(zip(trees, self.json["oblivious_trees"],
                                                     strict=True)):
            leaves = np.asarray(tree["leaf_values"], dtype=np.float64).reshape(-1, dimension)
            depth = len(splits)
            # node ids: level j's 2**j nodes, then the leaves, in order of their index bits
            for level, (column, threshold, missing) in enumerate(splits):
                for position in range(2**level):
                    node = 2**level - 1 + position
                    child = 2**(level + 1) - 1
                    nodes["treeids"].append(tree_id)
                    nodes["nodeids"].append(node)
                    nodes["featureids"].append(column)
                    nodes["modes"].append("BRANCH_GT")
                    nodes["values"].append(threshold)
                    nodes["missing_value_tracks_true"].append(int(missing))
                    nodes["truenodeids"].append(child + position + 2**level)
                    nodes["falsenodeids"].append(child + position)
            first_leaf = 2**depth - 1
            for position in range(2**depth):
                # the path to leaf `position` set level j's bit when it went right at level j
                # (right = + 2**level), so the position's bits are the leaf index's bits
                nodes["treeids"].append(tree_id)
                nodes["nodeids"].append(first_leaf + position)
                nodes["featureids"].append(0)
                nodes["modes"].append("LEAF")
                nodes["values"].append(0.0)
                nodes["missing_value_tracks_true"].append(0)
                nodes["truenodeids"].append(0)
                nodes["falsenodeids"].append(0)
                for target in range(dimension):
                    targets["treeids"].append(tree_id)
                    targets["nodeids"].append(first_leaf + position)
                    targets["ids"].append(target)
                    targets["weights"].append(leaves[position, target])
        summed = part.node(
            "TreeEnsembleRegressor", [inputs], "trees", domain=ML_DOMAIN,
            n_targets=dimension, aggregate_function="SUM", post_transform="NONE",
            nodes_treeids=nodes["treeids"], nodes_nodeids=nodes["nodeids"],
            nodes_featureids=nodes["featureids"], nodes_modes=nodes["modes"],
            nodes_values_as_tensor=numpy_helper.from_array(
                np.asarray(nodes["values"], dtype=np.float64)),
            nodes_truenodeids=nodes["truenodeids"], nodes_falsenodeids=nodes["falsenodeids"],
            nodes_missing_value_tracks_true=nodes["missing_value_tracks_true"],
            target_treeids=targets["treeids"], target_nodeids=targets["nodeids"],
            target_ids=targets["ids"], target_weights_as_tensor=numpy_helper.from_array(
                np.asarray(targets["weights"], dtype=np.float64)))
        summed = part.node("Cast", [summed], "tree_sum", to=DOUBLE)  # the operator's float
        part.output = part.node("Add", [part.node("Mul", [summed, part.constant(
            "scale", np.array(float(scale), dtype=np.float64))], "scaled"),
            part.constant("bias", bias)], "raw")
        return part


def catboost_part(model: Any, *, columns: list[str], categorical: list[str],
                  levels: dict[str, list[str]], numbers: str, texts: str) -> GraphPart:
    """The nodes computing CatBoost's raw output (``GraphPart.output``, float64
    (batch, dimension)) from the inputs named ``numbers`` and ``texts``."""
    number_columns = [c for c in columns if c not in categorical]
    model_json = catboost_json(model, columns, categorical, levels)
    return CatBoostGraphBuilder(model_json, numbers=numbers, texts=texts,
                                number_columns=number_columns, text_columns=list(categorical),
                                columns=columns).build()
