"""Multiclass metrics a text classifier is judged by: accuracy, macro-F1, per class, confusion."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn import metrics as skm

from findeep.evaluate.metrics import multiclass_metrics


def multiclass_report(y_true: np.ndarray, proba: np.ndarray, classes: list[Any]
                      ) -> dict[str, Any]:
    """findeep's multiclass metrics plus per-class precision/recall/F1/support and the
    confusion matrix (rows: true class, columns: predicted), in ``classes`` order.

    ``macro_f1`` averages over the classes found among the true or the predicted labels, so
    a class with no test rows that is never predicted is left out of it (a perfect score on
    the others reads 1.0): ``macro_f1_classes`` counts the classes averaged and
    ``classes_without_test_rows`` names those with no rows here."""
    y_true = np.asarray(y_true).astype(int)
    predicted = proba.argmax(axis=1)
    labels = list(range(len(classes)))
    out = multiclass_metrics(y_true, proba, list(classes))
    out["macro_f1"] = out["f1"]
    precision, recall, f1, support = skm.precision_recall_fscore_support(
        y_true, predicted, labels=labels, zero_division=0)
    out["macro_f1_classes"] = out["macro_classes"]  # the text commands' names for them
    out["classes_without_test_rows"] = out["classes_without_rows"]
    out["per_class"] = {str(c): {"precision": float(precision[i]), "recall": float(recall[i]),
                                 "f1": float(f1[i]), "support": int(support[i])}
                        for i, c in enumerate(classes)}
    out["confusion_matrix"] = {
        "labels": [str(c) for c in classes],
        "counts": skm.confusion_matrix(y_true, predicted, labels=labels).tolist()}
    return out
