"""Spotting training rows in an evaluation table, from the sketch a bundle keeps."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import findeep
from findeep.data.schema import FindeepWarning
from findeep.evaluate.overlap import RowSketch, row_hashes
from findeep.testing import make_credit_frame


def _table(n: int, seed: int, *, twins: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Network-input-like arrays; ``twins`` of the rows copy another row of the population
    (identical applicants), drawn from a small shared pool."""
    rng = np.random.default_rng(seed)
    x_num = rng.normal(size=(n, 4)).astype(np.float32)
    x_cat = rng.integers(0, 5, size=(n, 2))
    pool = np.random.default_rng(999).normal(size=(50, 4)).astype(np.float32)
    copied = rng.random(n) < twins
    x_num[copied] = pool[rng.integers(0, 50, copied.sum())]
    x_cat[copied] = 0
    return x_num, x_cat


def test_equal_rows_hash_equal_and_any_changed_value_changes_the_hash() -> None:
    x_num, x_cat = _table(200, 0)
    hashes = row_hashes(x_num, x_cat)
    assert len(np.unique(hashes)) == 200
    assert np.array_equal(row_hashes(x_num.copy(), x_cat.copy()), hashes)
    x_num[5, 3] += 1e-3
    x_cat[7, 1] += 1
    changed = row_hashes(x_num, x_cat) != hashes
    assert changed.tolist() == [i in (5, 7) for i in range(200)]


def test_a_small_training_table_is_kept_whole_and_counted_exactly() -> None:
    train = row_hashes(*_table(1_000, 1))
    sketch = RowSketch.from_hashes(train)
    assert sketch.exact
    mixed = np.concatenate([train[:300], row_hashes(*_table(700, 2))])
    overlap = sketch.overlap(mixed)
    assert (overlap.rows, overlap.checked, overlap.matched) == (1_000, 1_000, 300)
    assert overlap.likely_training_rows and "300 of 1,000 rows" in overlap.message()
    assert not sketch.overlap(row_hashes(*_table(700, 3))).likely_training_rows


def test_a_sampled_sketch_estimates_the_share_of_training_rows() -> None:
    """256 hashes kept of 20,000 training rows: the share in a half-seen table is ~0.5."""
    train = row_hashes(*_table(20_000, 4))
    sketch = RowSketch.from_hashes(train, size=256)
    assert not sketch.exact and len(sketch.hashes) == 256
    half_seen = np.concatenate([train[:10_000], row_hashes(*_table(10_000, 5))])
    overlap = sketch.overlap(half_seen)
    assert 0.35 < overlap.share < 0.65 and overlap.likely_training_rows
    assert overlap.checked < 600  # membership was only answered for the sampled hashes
    fresh = sketch.overlap(row_hashes(*_table(10_000, 6)))
    assert fresh.matched == 0 and not fresh.likely_training_rows


def test_twins_in_the_population_are_not_mistaken_for_training_rows() -> None:
    """With 20% identical applicants, new rows match training rows ~20% of the time:
    that is the baseline, not a leak; the training rows themselves still stand out."""
    train = row_hashes(*_table(5_000, 7, twins=0.2))
    sketch = RowSketch.from_hashes(train)
    assert 0.15 < sketch.twin_share < 0.25
    new = sketch.overlap(row_hashes(*_table(2_000, 8, twins=0.2)))
    assert 0.15 < new.share < 0.25 and not new.likely_training_rows
    assert sketch.overlap(train[:2_000]).likely_training_rows


def test_sketch_survives_json() -> None:
    sketch = RowSketch.from_hashes(row_hashes(*_table(3_000, 9)), size=500)
    again = RowSketch.from_dict(sketch.to_dict())
    assert (again.rows, again.twin_share, again.bound) == (
        sketch.rows, sketch.twin_share, sketch.bound)
    assert np.array_equal(again.hashes, sketch.hashes)


@pytest.fixture(scope="module")
def fitted() -> tuple[findeep.TabularClassifier, pd.DataFrame, pd.Series]:
    frame = make_credit_frame(1_000, seed=11).drop(columns=["applied_on"])
    y = frame.pop("default")
    return findeep.TabularClassifier(max_epochs=2, bagging=1).fit(frame, y), frame, y  # one network


def test_evaluating_on_training_rows_warns_even_after_a_save_and_with_other_dtypes(
        fitted, tmp_path) -> None:
    """The check reads the network's inputs, so a column read back as float still matches."""
    clf, frame, y = fitted
    loaded = findeep.load(clf.save(tmp_path / "m"))
    as_floats = frame.head(400).astype({"open_accounts": float, "age": float})
    with pytest.warns(FindeepWarning, match="400 of 400 rows match a training row"):
        result = loaded.pipeline_.evaluate(as_floats, y.head(400))
    assert result["training_overlap"]["matched"] == 400


def test_evaluating_on_new_rows_is_quiet(fitted) -> None:
    clf, _, _ = fitted
    new = make_credit_frame(600, seed=12).drop(columns=["applied_on"])
    y_new = new.pop("default")
    with warnings.catch_warnings():
        warnings.simplefilter("error", FindeepWarning)
        result = clf.pipeline_.evaluate(new, y_new)
    assert result["training_overlap"]["matched"] == 0
