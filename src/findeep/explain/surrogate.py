"""Distil a network into a shallow decision tree and say how faithful the tree is.

A validator asks whether a simpler model would do and what the network roughly does.
The tree is trained on the network's scores (not the labels), on the user's own
columns: numeric values as they are (missing ones at the training median, with an
``is missing`` flag), categories one-hot. Fidelity is measured on held-out rows:
agreement of approve/decline decisions at the threshold, ROC-AUC of the tree's score
against the network's decisions, R^2 against the network's score, and, when labels are
given, the tree's own ROC-AUC beside the network's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.metrics import r2_score, roc_auc_score, root_mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeRegressor

from findeep.data.profile import DECISION_THRESHOLD, as_numbers, category_text
from findeep.errors import ConfigError
from findeep.explain.importance import labelled_rows
from findeep.explain.reasons import describe_value
from findeep.pipeline import TabularPipeline

MAX_DEPTH = 12
_MIN_ROWS = 20


@dataclass
class _Feature:
    """One column of the tree's input: a number, a date, a missing flag or a category flag."""

    column: str
    kind: str  # numeric | datetime | missing | category
    level: str = ""
    fill: float = 0.0  # the value standing in for a missing one (numbers and dates)
    has_missing: bool = False
    levels: tuple[str, ...] = ()  # every value of a categorical column in the data


@dataclass
class SurrogateReport:
    """The distilled tree's rules (riskiest leaf first) and its fidelity to the network."""

    depth: int
    rules: list[str]
    fidelity: dict[str, Any]
    tree: DecisionTreeRegressor = field(repr=False)

    def text(self) -> str:
        return "\n".join(self.rules)


def _tree_inputs(pipeline: TabularPipeline, frame: pd.DataFrame,
                 ) -> tuple[np.ndarray, list[_Feature]]:
    columns, features = [], []
    for spec in pipeline.schema.used:
        if spec.kind == "categorical":
            text = category_text(frame[spec.name])
            levels = tuple(sorted(text.unique()))
            for level in levels:
                columns.append((text == level).to_numpy(dtype=float))
                features.append(_Feature(spec.name, "category", level, levels=levels))
            continue
        numbers = as_numbers(frame[spec.name], spec.kind, day_first=spec.day_first)
        missing = ~np.isfinite(numbers)
        fill = float(np.median(numbers[~missing])) if (~missing).any() else 0.0
        columns.append(np.where(missing, fill, numbers))
        features.append(_Feature(spec.name, spec.kind, fill=fill, has_missing=bool(missing.any())))
        if missing.any():
            columns.append(missing.astype(float))
            features.append(_Feature(spec.name, "missing"))
    return np.column_stack(columns), features


def fit_surrogate(pipeline: TabularPipeline, frame: pd.DataFrame, y: pd.Series | None = None,
                  *, depth: int = 4, test_fraction: float = 0.3, seed: int = 0,
                  min_leaf_fraction: float = 0.01) -> SurrogateReport:
    """Fit a depth-``depth`` tree to the network's scores on ``frame``; rules and fidelity.

    A multiclass network's scores are its class probabilities: the tree predicts all of
    them at once, each rule names its leaf's most likely class, and fidelity is how often
    the tree's most likely class is the network's.
    """
    if not isinstance(depth, int) or not 1 <= depth <= MAX_DEPTH:
        raise ConfigError(f"depth must be an integer from 1 to {MAX_DEPTH}, however: {depth=}")
    if not 0.0 < test_fraction < 1.0:
        raise ConfigError(f"test_fraction must be between 0 and 1, however: {test_fraction=}")
    pipeline.check_frame(frame)
    if len(frame) < _MIN_ROWS:
        raise ConfigError(f"a surrogate tree needs at least {_MIN_ROWS} rows; got {len(frame)}.")
    labels = None
    if y is not None:
        frame, labels = labelled_rows(pipeline, frame, y)
    prediction, report = pipeline.predict_raw(frame)
    report.warn_categories()  # the tree imitates the network's scores of these rows
    binary = pipeline.task == "binary"
    network_score = pipeline.event_probability(prediction) if binary else prediction
    inputs, features = _tree_inputs(pipeline, frame)
    train, test = train_test_split(np.arange(len(frame)), test_size=test_fraction,
                                   random_state=seed)
    tree = DecisionTreeRegressor(max_depth=depth, random_state=seed,
                                 min_samples_leaf=max(1, int(min_leaf_fraction * len(train))))
    tree.fit(inputs[train], network_score[train])
    tree_score = tree.predict(inputs[test])
    fidelity: dict[str, Any] = {"rows_fit": len(train), "rows_held_out": len(test),
                                "leaves": int(tree.get_n_leaves()),
                                "r2_vs_network": float(r2_score(network_score[test], tree_score))}
    if binary:
        decline = network_score[test] >= DECISION_THRESHOLD
        # the order of the scores, whatever the cut-off: on a low-default book the network
        # may decline no row at 0.5, and agreement is then 1 by construction
        fidelity["spearman_vs_network"] = float(spearmanr(tree_score, network_score[test])[0])
        fidelity["network_declines"] = float(decline.mean())
        fidelity["agreement"] = float(np.mean((tree_score >= DECISION_THRESHOLD) == decline))
        if 0 < decline.sum() < len(decline):
            fidelity["auc_vs_network"] = float(roc_auc_score(decline, tree_score))
        if labels is not None and len(np.unique(labels[test])) == 2:
            fidelity["auc_surrogate"] = float(roc_auc_score(labels[test], tree_score))
            fidelity["auc_network"] = float(roc_auc_score(labels[test], network_score[test]))
    elif pipeline.task == "multiclass":
        network_class = network_score[test].argmax(axis=1)
        tree_class = tree_score.argmax(axis=1)
        fidelity["agreement"] = float(np.mean(tree_class == network_class))
        if labels is not None:
            fidelity["accuracy_surrogate"] = float(np.mean(tree_class == labels[test]))
            fidelity["accuracy_network"] = float(np.mean(network_class == labels[test]))
    elif labels is not None:
        fidelity["rmse_surrogate"] = float(root_mean_squared_error(labels[test], tree_score))
        fidelity["rmse_network"] = float(root_mean_squared_error(labels[test],
                                                                 network_score[test]))
    outcome = "risk" if binary else f"predicted {pipeline.target.name}"
    classes = list(pipeline.target.classes) if pipeline.task == "multiclass" else None
    return SurrogateReport(depth, _leaf_rules(tree, features, outcome, classes), fidelity, tree)


def _leaf_rules(tree: DecisionTreeRegressor, features: list[_Feature], outcome: str,
                classes: list[Any] | None = None) -> list[str]:
    """One 'IF … THEN …' line per leaf, highest predicted value first.

    With ``classes`` (multiclass) a leaf holds one probability per class and its line
    names the most likely class, most confident leaf first.
    """
    structure = tree.tree_
    total = structure.n_node_samples[0]
    leaves: list[tuple[float, str]] = []

    def visit(node: int, conditions: list[tuple[_Feature, bool, float]]) -> None:
        left, right = structure.children_left[node], structure.children_right[node]
        if left == right:  # a leaf
            values = structure.value[node].ravel()
            rows = int(structure.n_node_samples[node])
            text = " AND ".join(_merge(conditions)) or "all rows"
            if classes is None:
                value = float(values[0])
                then = f"{outcome} = {describe_value(round(value, 4))}"
            else:
                best = int(values.argmax())
                value = float(values[best])
                then = (f"{outcome} = {describe_value(classes[best])} "
                        f"(probability {value:.2f})")
            leaves.append((value, f"IF {text} THEN {then} ({rows} rows, {rows / total:.1%})"))
            return
        feature, threshold = features[structure.feature[node]], float(structure.threshold[node])
        visit(left, [*conditions, (feature, True, threshold)])
        visit(right, [*conditions, (feature, False, threshold)])

    visit(0, [])
    return [text for _, text in sorted(leaves, key=lambda item: -item[0])]


def _merge(conditions: list[tuple[_Feature, bool, float]]) -> list[str]:
    """Readable conditions: bounds per column merged, flags stated as is / is not."""
    bounds: dict[str, list[float | None]] = {}
    numbers: dict[str, _Feature] = {}
    is_level: dict[str, str] = {}
    not_levels: dict[str, list[str]] = {}
    all_levels: dict[str, tuple[str, ...]] = {}
    missing: dict[str, bool] = {}
    order: list[str] = []
    for feature, went_left, threshold in conditions:
        if feature.column not in order:
            order.append(feature.column)
        if feature.kind == "category":  # left: flag <= 0.5, i.e. not this level
            all_levels[feature.column] = feature.levels
            if went_left:
                not_levels.setdefault(feature.column, []).append(feature.level)
            else:
                is_level[feature.column] = feature.level
        elif feature.kind == "missing":
            missing[feature.column] = not went_left
        else:
            numbers[feature.column] = feature
            low, high = bounds.setdefault(feature.column, [None, None])
            if went_left:
                bounds[feature.column][1] = threshold if high is None else min(high, threshold)
            else:
                bounds[feature.column][0] = threshold if low is None else max(low, threshold)
    texts = []
    for column in order:
        if missing.get(column):
            texts.append(f"{column} is missing")
            continue
        if column in is_level:
            texts.append(f"{column} is {is_level[column]}")
        elif column in not_levels:
            left = [v for v in all_levels[column] if v not in not_levels[column]]
            texts.append(f"{column} is {left[0]}" if len(left) == 1
                         else f"{column} is not {' or '.join(not_levels[column])}")
        if column in bounds:
            texts.append(_range_text(numbers[column], *bounds[column],
                                     missing_decided=column in missing))
        if column in missing and not missing[column] and column not in bounds:
            texts.append(f"{column} is not missing")
    return texts


def _range_text(feature: _Feature, low: float | None, high: float | None, *,
                missing_decided: bool) -> str:
    """'low < column <= high', adding 'or missing' where imputed rows fall in the range."""
    column = feature.column
    shown = [None if b is None else _show(b, feature.kind) for b in (low, high)]
    if shown[0] is not None and shown[1] is not None:
        text = f"{shown[0]} < {column} <= {shown[1]}"
    elif shown[0] is not None:
        text = f"{column} > {shown[0]}"
    else:
        text = f"{column} <= {shown[1]}"
    inside = (low is None or feature.fill > low) and (high is None or feature.fill <= high)
    if feature.has_missing and not missing_decided and inside:
        text = f"({text} or {column} is missing)"
    return text


def _show(threshold: float, kind: str) -> str:
    if kind == "datetime":
        return (pd.Timestamp("1970-01-01") + pd.to_timedelta(threshold, unit="D")).isoformat()
    return describe_value(round(threshold, 4))
