"""Multiclass macro averages say over which classes they ran: a class with no rows here
that is never predicted drops out of them, so they can read perfect."""

from __future__ import annotations

import numpy as np

from findeep.evaluate.metrics import multiclass_metrics
from findeep.views import evaluation_lines, macro_note


def _perfect_on_two_of_three() -> tuple[np.ndarray, np.ndarray]:
    y = np.array([0, 0, 1, 1, 0, 1])
    proba = np.eye(3)[y] * 0.9 + 0.1 / 3  # right on every row; class 2 never predicted
    return y, proba


def test_a_class_without_rows_is_named_and_not_counted_in_the_macro_average():
    y, proba = _perfect_on_two_of_three()
    metrics = multiclass_metrics(y, proba, ["good", "late", "default"])
    assert metrics["f1"] == 1.0  # sklearn's macro F1 over the classes found
    assert metrics["macro_classes"] == 2
    assert metrics["classes_without_rows"] == ["default"]
    assert macro_note(metrics) == ("precision, recall and F1 are macro averages over 2 "
                                   "classes: no rows here for default.")
    result = {**metrics, "task": "multiclass"}  # as evaluate_bundle returns it
    assert macro_note(metrics) in [line for line in evaluation_lines("t", result, 0.5)
                                   if isinstance(line, str)]


def test_every_class_with_rows_needs_no_note():
    y = np.array([0, 1, 2, 0, 1, 2])
    metrics = multiclass_metrics(y, np.eye(3)[y], ["a", "b", "c"])
    assert metrics["macro_classes"] == 3 and metrics["classes_without_rows"] == []
    assert macro_note(metrics) is None


def test_without_names_the_classes_are_numbered():
    y, proba = _perfect_on_two_of_three()
    assert multiclass_metrics(y, proba)["classes_without_rows"] == ["2"]
