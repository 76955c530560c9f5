"""Numbers in a text column are read as their written form and said so: a FindeepWarning
with the count from Python, the count on the scoring summary's line."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from cli_helpers import run
from findeep.data.schema import FindeepWarning
from findeep.testing import make_text_frame
from findeep.text import TextClassifier


@pytest.fixture(scope="module")
def classifier() -> TextClassifier:
    frame = make_text_frame(80, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FindeepWarning)
        return TextClassifier(max_epochs=1, text_column="sentence").fit(
            frame[["sentence"]], frame["sentiment"])


def _number_warnings(record: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in record
            if issubclass(w.category, FindeepWarning) and "numbers" in str(w.message)]


def test_predict_on_numbers_warns_once_with_the_count(classifier):
    """Three ints among four texts: one FindeepWarning per call, naming 3 of 4 values."""
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        classifier.predict([1, 2, "profit rose", 3])
    assert _number_warnings(record) == [
        "3 of 4 'sentence' value(s) are numbers or true/false, not text; each was read as its "
        "written form (5 as '5')."]


def test_fit_on_numbers_in_the_text_column_warns_with_the_count():
    """Training reads numbers as text too, and says how many."""
    frame = make_text_frame(40, seed=1)[["sentence", "sentiment"]].astype(object)
    frame.loc[:4, "sentence"] = [1, 2, 3, 4, 5]
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        TextClassifier(max_epochs=1, text_column="sentence").fit(
            frame[["sentence"]], frame["sentiment"])
    assert [m[:25] for m in _number_warnings(record)] == ["5 of 40 'sentence' value("]


def test_text_predict_line_reports_numbers_only_when_there_are_some(classifier,
                                                                    tmp_path: Path):
    """`findeep text predict` on a column of 1..5 says 'numbers read as text: 5'; on
    sentences the line does not mention numbers."""
    bundle = tmp_path / "model"
    classifier.save(bundle)
    numbers, words = tmp_path / "numtext.csv", tmp_path / "words.csv"
    pd.DataFrame({"sentence": [1, 2, 3, 4, 5]}).to_csv(numbers, index=False)
    make_text_frame(5, seed=2)[["sentence"]].to_csv(words, index=False)
    scored = run("text", "predict", bundle, numbers, "--out", tmp_path / "a.csv")
    assert scored.exit_code == 0, scored.output
    assert "numbers read as text: 5" in " ".join(scored.stdout.split())
    assert "5 of 5 'sentence' value(s) are numbers" in scored.stderr
    plain = run("text", "predict", bundle, words, "--out", tmp_path / "b.csv")
    assert plain.exit_code == 0, plain.output
    assert "numbers" not in plain.stdout + plain.stderr
