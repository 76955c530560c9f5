"""The metrics finance uses, computed with scikit-learn.

Classification reports the classic four (accuracy, precision, recall, F1 at a threshold)
beside the ranking and probability metrics a credit team reads: ROC-AUC, PR-AUC, KS,
Gini, log-loss, Brier, and expected calibration error.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn import metrics as skm

from findeep.data.schema import FindeepWarning
from findeep.errors import ConfigError


def ks_statistic(y_true: np.ndarray, score: np.ndarray) -> float:
    """Kolmogorov-Smirnov: the largest gap between the event and non-event score CDFs."""
    fpr, tpr, _ = skm.roc_curve(y_true, score)
    return float(np.max(tpr - fpr))


def calibration_table(y_true: np.ndarray, p_event: np.ndarray, n_bins: int = 10) -> list[dict]:
    """Equal-width probability bins: mean predicted vs observed event rate, and counts."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.digitize(p_event, edges[1:-1]), 0, n_bins - 1)
    rows = []
    for b in range(n_bins):
        mask = which == b
        if mask.any():
            rows.append({"bin_low": float(edges[b]), "bin_high": float(edges[b + 1]),
                         "mean_predicted": float(p_event[mask].mean()),
                         "observed_rate": float(y_true[mask].mean()), "count": int(mask.sum())})
    return rows


def score_bands(p_event: np.ndarray, n_bands: int = 10) -> list[np.ndarray]:
    """Row positions of up to ``n_bands`` score bands, riskiest (highest score) first.

    Rows are ranked by score and cut into bands of near-equal size, except that each cut
    moves to the nearest change of score: rows with the same score always share a band, so
    the bands depend only on the scores, never on the order of the rows. Ties can therefore
    make bands unequal, or fewer than asked (one band when every score is the same); fewer
    when there are fewer rows than bands. Empty for no rows.
    """
    p_event = np.asarray(p_event, dtype=float)
    n = len(p_event)
    if n == 0 or n_bands < 1:
        return []
    order = np.argsort(-p_event, kind="stable")
    ranked = p_event[order]
    changes = np.flatnonzero(ranked[1:] != ranked[:-1]) + 1  # the only places a cut may fall
    if changes.size == 0:
        return [order]
    k = min(n_bands, n)
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1  # as np.array_split: without ties the bands are exactly its bands
    ideal = np.cumsum(sizes)[:-1]
    after = np.clip(np.searchsorted(changes, ideal), 0, changes.size - 1)
    before = np.clip(after - 1, 0, changes.size - 1)
    # the nearer change of score; halfway, the earlier (a deterministic choice)
    cuts = np.where(ideal - changes[before] <= changes[after] - ideal,
                    changes[before], changes[after])
    return np.split(order, np.unique(cuts))


def gains_table(y_event: np.ndarray, p_event: np.ndarray, n_bands: int = 10) -> list[dict]:
    """The credit validation table: rows ranked by score, riskiest first, cut into
    ``n_bands`` bands of near-equal size (deciles by default) by ``score_bands``.

    Rows with the same score always share a band (a cut-off cannot approve one and decline
    the other), so the table depends only on the scores and labels, not on the order of
    the rows. Ties can make the bands unequal (see each band's ``rows``) or fewer than asked;
    fewer is said with a ``FindeepWarning``.

    Per band: its score range, rows, events and event rate, lift over the overall rate,
    the cumulative share of all events and non-events at or above it (the approve/decline
    trade-off of a cut-off at the band's lower score), and their gap: the KS of that
    cut-off (the KS statistic is the largest gap over every cut-off, so never below these).
    """
    y_event = np.asarray(y_event).astype(int)
    p_event = np.asarray(p_event, dtype=float)
    bands = score_bands(p_event, n_bands)
    if 0 < len(bands) < n_bands:
        n, distinct = len(p_event), len(np.unique(p_event))
        why = (f"these {n:,} rows hold {distinct:,} distinct score(s)"
               + (" in tied groups too large to cut more often" if distinct >= n_bands else "")
               if n >= n_bands else f"there are only {n:,} rows")
        warnings.warn(f"the gains table has {len(bands)} band(s), not the {n_bands} asked: "
                      f"rows with the same score always share a band, and {why}; each band's "
                      "'rows' says its size.", FindeepWarning, stacklevel=2)
    total_events = max(int(y_event.sum()), 1)
    total_non_events = max(len(y_event) - int(y_event.sum()), 1)
    overall_rate = y_event.mean() if len(y_event) else 0.0
    rows, events_so_far, non_events_so_far = [], 0, 0
    for band, members in enumerate(bands, start=1):
        events = int(y_event[members].sum())
        events_so_far += events
        non_events_so_far += len(members) - events
        rate = events / len(members)
        captured, passed = events_so_far / total_events, non_events_so_far / total_non_events
        rows.append({"band": band, "score_min": float(p_event[members].min()),
                     "score_max": float(p_event[members].max()), "rows": len(members),
                     "events": events, "event_rate": rate,
                     "lift": rate / overall_rate if overall_rate else float("nan"),
                     "cumulative_events": captured, "cumulative_non_events": passed,
                     "ks": captured - passed})
    return rows


GAINS_HEADER = ("band", "score >=", "rows", "events", "event rate", "lift", "events caught",
                "others caught", "KS")


def gains_cells(band: dict[str, Any]) -> tuple[str, ...]:
    """One band of ``evaluate.metrics.gains_table`` as credit validation reports show it."""
    return (str(band["band"]), f"{band['score_min']:.3f}", f"{band['rows']:,}",
            f"{band['events']:,}", f"{band['event_rate']:.1%}", f"{band['lift']:.2f}",
            f"{band['cumulative_events']:.1%}", f"{band['cumulative_non_events']:.1%}",
            f"{band['ks']:.3f}")

def expected_calibration_error(y_true: np.ndarray, p_event: np.ndarray, n_bins: int = 10) -> float:
    table = calibration_table(y_true, p_event, n_bins)
    n = len(y_true)
    return float(sum(r["count"] / n * abs(r["mean_predicted"] - r["observed_rate"]) for r in table))


def check_threshold(threshold: float) -> None:
    if not 0.0 < threshold < 1.0:
        raise ConfigError(f"threshold must be between 0 and 1, however: {threshold=}")


def at_or_above(p_event: np.ndarray, threshold: float) -> np.ndarray:
    """Where a score is at or above ``threshold``, compared in the scores' own precision:
    a float32 score (what findeep writes, 0.22126639) against the float32 nearest the
    threshold, so a cut-off copied from a written score flags that score — in evaluate's and
    report's metrics as in predict's labels and a policy's decisions (comparing in float64
    called 0.22126638889… below 0.22126639, and the report contradicted itself)."""
    scores = np.asarray(p_event)
    kind = scores.dtype.type if scores.dtype.kind == "f" else np.float64
    return scores >= kind(threshold)


def binary_metrics(y_event: np.ndarray, p_event: np.ndarray, threshold: float = 0.5) -> dict:
    """Metrics with the event (e.g. default) as the positive class; the threshold ones
    call a score at or above ``threshold`` the event.

    Labels of one class leave some metrics undefined, and a ``FindeepWarning`` names them:
    ROC-AUC, Gini, KS and PR-AUC rank events against non-events, so they are absent; with
    no event, recall and F1 (the share of events caught, and its mean with precision) are
    NaN rather than 0. Precision (the share of flagged rows that are events) is NaN when no
    row scores at or above ``threshold``: nothing was flagged, so it is undefined, not 0.
    """
    y_event = np.asarray(y_event).astype(int)
    predicted = at_or_above(p_event, threshold).astype(int)
    p_event = np.clip(np.asarray(p_event, dtype=float), 1e-7, 1 - 1e-7)
    events = int(y_event.sum())
    out = {
        "rows": len(y_event),
        "event_rate": float(y_event.mean()),
        "threshold": threshold,
        "accuracy": float(skm.accuracy_score(y_event, predicted)),
        "precision": float(skm.precision_score(y_event, predicted, zero_division=np.nan)),
        "recall": float(skm.recall_score(y_event, predicted, zero_division=np.nan)),
        "f1": float(skm.f1_score(y_event, predicted, zero_division=0)) if events else np.nan,
        "log_loss": float(skm.log_loss(y_event, p_event, labels=[0, 1])),
        "brier": float(skm.brier_score_loss(y_event, p_event)),
        "ece": expected_calibration_error(y_event, p_event),
    }
    if 0 < events < len(y_event):
        auc = float(skm.roc_auc_score(y_event, p_event))
        out |= {"roc_auc": auc, "gini": 2 * auc - 1,
                "pr_auc": float(skm.average_precision_score(y_event, p_event)),
                "ks": ks_statistic(y_event, p_event)}
    elif len(y_event):
        warnings.warn(_one_class_message(len(y_event), events), FindeepWarning, stacklevel=2)
    return out


def _one_class_message(rows: int, events: int) -> str:
    """What labels of one class leave undefined, in words."""
    kind, missing = ("events", "non-event") if events else ("non-events", "event")
    message = (f"all {rows:,} labelled rows are {kind} (no {missing}): ROC-AUC, Gini, KS, "
               "PR-AUC and the gains table rank events against non-events")
    if not events:
        message += ", and recall and F1 measure the share of events caught"
    return (message + ", so none of them can be computed: they are left out (undefined, not "
            "0). Evaluate on rows of both classes for them.")


def multiclass_metrics(y_true: np.ndarray, proba: np.ndarray,
                       class_names: list[Any] | None = None) -> dict:
    """Accuracy, macro precision / recall / F1, log-loss and one-vs-rest AUC (when every
    class has rows). Macro averages run over the classes found among the true or predicted
    labels, so a class without rows here that is never predicted is left out of them:
    ``macro_classes`` counts the classes averaged, ``classes_without_rows`` names (with
    ``class_names``; else numbers) the classes with no row here."""
    y_true = np.asarray(y_true).astype(int)
    predicted = proba.argmax(axis=1)
    labels = list(range(proba.shape[1]))
    names = [str(c) for c in (class_names if class_names is not None else labels)]
    # clipped away from 0 (a log of 0 is infinite), then renormalised: log-loss is defined
    # on a distribution, and scikit-learn warns about rows that do not sum to one
    clipped = np.clip(np.asarray(proba, dtype=float), 1e-7, 1)
    clipped = clipped / clipped.sum(axis=1, keepdims=True)
    out = {
        "rows": len(y_true),
        "accuracy": float(skm.accuracy_score(y_true, predicted)),
        "precision": float(skm.precision_score(y_true, predicted, average="macro",
                                               zero_division=0)),
        "recall": float(skm.recall_score(y_true, predicted, average="macro", zero_division=0)),
        "f1": float(skm.f1_score(y_true, predicted, average="macro", zero_division=0)),
        "log_loss": float(skm.log_loss(y_true, clipped, labels=labels)),
        "macro_classes": len(np.union1d(y_true, predicted)),
        "classes_without_rows": [names[c] for c in labels if not (y_true == c).any()],
    }
    if len(np.unique(y_true)) == proba.shape[1]:
        out["roc_auc"] = float(skm.roc_auc_score(y_true, proba, multi_class="ovr"))
    return out


def regression_metrics(y_true: np.ndarray, prediction: np.ndarray) -> dict:
    y_true = np.asarray(y_true, dtype=float)
    prediction = np.asarray(prediction, dtype=float)
    return {
        "rows": len(y_true),
        "rmse": float(np.sqrt(skm.mean_squared_error(y_true, prediction))),
        "mae": float(skm.mean_absolute_error(y_true, prediction)),
        "r2": float(skm.r2_score(y_true, prediction)),
    }


HEADLINE = {"binary": ("roc_auc", "pr_auc", "ks", "gini", "log_loss", "brier", "ece", "accuracy",
                       "precision", "recall", "f1"),
            "multiclass": ("accuracy", "roc_auc", "log_loss", "precision", "recall", "f1"),
            "regression": ("rmse", "mae", "r2")}
THRESHOLD_METRICS = ("accuracy", "precision", "recall", "f1")


def binary_labels(threshold: float = 0.5) -> dict[str, str]:
    """How tables name binary metrics. Accuracy, precision, recall and F1 call a score at or
    above ``threshold`` the event, which at 0.5 on a table with 5% defaults predicts almost
    no event; their names carry the threshold."""
    return {"ece": "calibration error",
            **{key: f"{key} @{threshold:g}" for key in THRESHOLD_METRICS}}
