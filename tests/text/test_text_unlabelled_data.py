"""A text model asked to train on data with no labelled row says so in one sentence."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from findeep.errors import DataError
from findeep.testing import make_text_frame
from findeep.text import TextClassifier, fit_text


@pytest.mark.parametrize("n_rows", [50, 0])
def test_classifier_without_any_label_raises_a_data_error_naming_the_target(n_rows):
    """All-missing or zero-row y is a DataError naming y's column, not an IndexError."""
    frame = make_text_frame(50, seed=0)[["sentence"]].head(n_rows)
    y = pd.Series([None] * n_rows, name="y", dtype=object)
    with pytest.raises(DataError, match=r"0 row\(s\) of the data have a 'y' value"):
        TextClassifier(max_epochs=1).fit(frame, y)


def test_fit_text_refuses_unlabelled_data_before_warning_about_dropped_rows():
    """The refusal comes first: no 'rows were left out' warning for a fit that cannot start."""
    frame = make_text_frame(30, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DataError, match="all 30 are missing"):
            fit_text(frame[["sentence"]], pd.Series([None] * 30, name="sentiment"),
                     text_column="sentence", max_epochs=1, verbose=0)
