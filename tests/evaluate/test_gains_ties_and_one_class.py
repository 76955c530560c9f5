"""The gains table and the binary metrics on awkward labelled data: tied scores (a model
that scores many rows alike) and labels of one class."""

from __future__ import annotations

import io
import warnings
from itertools import pairwise

import numpy as np
import pytest
from rich.console import Console

from findeep.data.schema import FindeepWarning
from findeep.evaluate.metrics import binary_metrics, gains_table, ks_statistic
from findeep.views import evaluation_lines


def _three_tied_scores() -> tuple[np.ndarray, np.ndarray]:
    """300 rows on 3 scores, 100 each, with 70, 50 and 30 events, events first in each."""
    score = np.repeat([0.066, 0.041, 0.018], 100)
    y = np.concatenate([np.r_[np.ones(70 - 20 * i), np.zeros(30 + 20 * i)] for i in range(3)])
    return y.astype(int), score


def _gains(y: np.ndarray, score: np.ndarray, n_bands: int = 10) -> list[dict]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FindeepWarning)
        return gains_table(y, score, n_bands)


def test_tied_scores_share_a_band_whatever_the_order_of_the_rows():
    """The same scores and labels in another row order give the same table, and each score
    lies in exactly one band."""
    y, score = _three_tied_scores()
    forward, backward = _gains(y, score), _gains(y[::-1], score[::-1])
    assert forward == backward
    assert [(b["score_max"], b["rows"], b["events"]) for b in forward] == [
        (0.066, 100, 70), (0.041, 100, 50), (0.018, 100, 30)]
    assert all(b["score_min"] == b["score_max"] for b in forward)


def test_band_ks_never_exceeds_the_ks_statistic_when_scores_tie():
    """Every band's KS is the KS of a real cut-off, so none is above the headline KS, in
    any row order."""
    rng = np.random.default_rng(0)
    score = rng.integers(0, 7, 2_000) / 10  # 7 distinct scores: large tied groups
    y = (rng.random(2_000) < 0.1 + score).astype(int)
    ks = ks_statistic(y, score)
    table = _gains(y, score)
    for order in (np.argsort(y, kind="stable"), np.argsort(-y, kind="stable")):
        assert _gains(y[order], score[order]) == table
    assert max(b["ks"] for b in table) <= ks + 1e-12
    repro_y, repro_score = _three_tied_scores()
    for flip in (slice(None), slice(None, None, -1)):
        bands = _gains(repro_y[flip], repro_score[flip])
        assert [round(b["ks"], 4) for b in bands] == [0.2667, 0.2667, 0.0]
        assert ks_statistic(repro_y, repro_score) == pytest.approx(0.2667, abs=1e-4)


def test_fewer_bands_than_asked_are_said():
    """Ties that leave fewer bands than asked raise a FindeepWarning with the count;
    distinct scores still give the ten deciles, and nothing is said."""
    y, score = _three_tied_scores()
    with pytest.warns(FindeepWarning, match=r"3 band\(s\), not the 10 asked.*3 distinct"):
        assert len(gains_table(y, score, 10)) == 3
    rng = np.random.default_rng(2)
    distinct = rng.random(1_003)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FindeepWarning)
        bands = gains_table((rng.random(1_003) < distinct).astype(int), distinct)
    assert [b["rows"] for b in bands] == [101, 101, 101, 100, 100, 100, 100, 100, 100, 100]


def test_a_large_tie_makes_bands_unequal_and_the_rows_column_shows_it():
    """A tie of 40% of the rows stays in one band; the other bands keep near-decile size,
    and the fewer bands are said."""
    rng = np.random.default_rng(1)
    score = np.r_[rng.uniform(0.5, 1.0, 300), np.full(400, 0.3), rng.uniform(0.0, 0.2, 300)]
    y = (rng.random(1_000) < score).astype(int)
    with pytest.warns(FindeepWarning, match="too large"):
        bands = gains_table(y, score)
    sizes = [b["rows"] for b in bands]
    assert 400 in sizes and sum(sizes) == 1_000 and len(bands) < 10
    assert all(b["rows"] == 100 for b in bands if b["score_max"] != 0.3)
    assert all(a["score_min"] > b["score_max"] for a, b in pairwise(bands))


def test_labels_without_an_event_warn_and_leave_recall_and_f1_undefined():
    """Only non-events: a FindeepWarning names the ranking metrics and recall/F1 as not
    computable; recall and F1 are NaN, not 0, and the ranking metrics are absent."""
    p = np.r_[np.full(5, 0.7), np.full(45, 0.1)]  # 5 flagged at 0.5, every one a false alarm
    with pytest.warns(FindeepWarning, match=r"ROC-AUC, Gini, KS, PR-AUC.*recall and F1"):
        m = binary_metrics(np.zeros(50), p)
    assert np.isnan(m["recall"]) and np.isnan(m["f1"])
    assert not {"roc_auc", "gini", "ks", "pr_auc"} & set(m)
    assert m["precision"] == 0.0 and m["accuracy"] == 0.9  # still defined


def test_labels_without_a_non_event_warn_and_keep_recall():
    """Only events: the ranking metrics are named as not computable; recall is defined."""
    with pytest.warns(FindeepWarning, match="no non-event") as caught:
        m = binary_metrics(np.ones(4), np.array([0.9, 0.8, 0.2, 0.1]))
    assert "recall" not in str(caught[0].message)
    assert m["recall"] == 0.5 and "roc_auc" not in m


def test_evaluate_prints_undefined_recall_as_a_dash_not_zero():
    """`findeep evaluate`'s table shows '-' for recall and F1 of labels without an event."""
    with pytest.warns(FindeepWarning):
        m = binary_metrics(np.zeros(20), np.full(20, 0.1))
    screen = Console(file=io.StringIO(), width=100, record=True)
    for line in evaluation_lines("t", {"task": "binary", **m}, 0.5):
        screen.print(line)
    rows = {line.split("│")[1].strip(): line.split("│")[2].strip()
            for line in screen.export_text().splitlines() if line.count("│") == 3}
    assert rows["recall @0.5"] == "-" and rows["f1 @0.5"] == "-"
    assert "roc_auc" not in rows


def test_precision_is_undefined_when_no_row_is_flagged():
    """No score reaches the threshold: precision (the share of flagged rows that are events)
    has no rows to count, so it is NaN and prints '-', not a misleading 0; recall and F1 are
    0 (the events were all missed) and the table still shows them."""
    y = np.r_[np.ones(5), np.zeros(45)]
    p = np.r_[np.full(5, 0.3), np.full(45, 0.1)]  # the events rank first, none reaches 0.5
    m = binary_metrics(y, p)
    assert np.isnan(m["precision"]) and m["recall"] == 0.0 and m["f1"] == 0.0
    assert m["roc_auc"] == 1.0
    flagged = binary_metrics(y, p, threshold=0.2)  # the same scores, now all events flagged
    assert flagged["precision"] == 1.0
    screen = Console(file=io.StringIO(), width=100, record=True)
    for line in evaluation_lines("t", {"task": "binary", **m}, 0.5):
        screen.print(line)
    rows = {line.split("│")[1].strip(): line.split("│")[2].strip()
            for line in screen.export_text().splitlines() if line.count("│") == 3}
    assert rows["precision @0.5"] == "-" and rows["recall @0.5"] == "0.0000"
