"""A free-text column is screened for leaks as other columns are (``data.text_leakage``):
its whole texts, and the one word that tells a class, out of fold; said once before the text
route trains or benchmarks."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from cli_helpers import run
from findeep.data.leakage import LEAK_AUC, columns_alone
from findeep.data.schema import FindeepWarning, infer_schema
from findeep.data.text_leakage import MIN_CLASS_ROWS
from findeep.testing import make_text_credit_frame, make_text_frame
from findeep.text.benchmark import run_text_benchmark
from findeep.text.pipeline import fit_text
from findeep.workflow import benchmark_table, profile_table

LEAK_WARNING = "predict the target almost perfectly"


def charged_off(n: int = 800, seed: int = 0, share: float = 1.0) -> pd.DataFrame:
    """The synthetic credit table, with a servicing note written after the outcome added to
    ``share`` of the defaulted loans' purpose texts."""
    frame = make_text_credit_frame(n, seed=seed)
    rng = np.random.default_rng(seed)
    marked = (frame["default"] == 1) & (rng.random(len(frame)) < share)
    frame.loc[marked, "purpose_text"] += " - account charged off"
    return frame


def text_scores(frame: pd.DataFrame, target: str, task: str, *, text: bool = True,
                seed: int = 0, text_columns: list[str] | None = None) -> dict[str, object]:
    X = frame.drop(columns=[target])
    schema = infer_schema(X, text_ok=True, warn=False, text_columns=text_columns)
    return {c.column: c for c in columns_alone(X, frame[target], schema, task=task, text=text,
                                               seed=seed)}


def test_a_word_every_defaulted_row_has_is_named_with_the_word():
    note = text_scores(charged_off(), "default", "binary")["purpose_text"]
    assert note.suspect and note.score >= LEAK_AUC
    assert note.evidence in ("the word 'charged'", "the word 'account'", "the word 'off'")
    honest = text_scores(make_text_credit_frame(800), "default", "binary")["purpose_text"]
    assert 0.55 < honest.score < 0.8  # the planted purpose words: telling, far from a leak


def test_a_words_score_is_its_out_of_fold_share_difference():
    """A word in 80% of one class's rows and 10% of the others: AUC ½ + ½(0.8 − 0.1)."""
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 6_000)
    has = rng.random(6_000) < np.where(y == 1, 0.8, 0.1)
    words = np.array(["alpha beta", "gamma delta", "beta gamma", "delta alpha"])
    texts = [f"{words[i % 4]} {'watchlist ' if h else ''}{i}" for i, h in enumerate(has)]
    frame = pd.DataFrame({"note": texts, "y": y})
    found = text_scores(frame, "y", "binary", text_columns=["note"])["note"]
    assert found.evidence == "the word 'watchlist'"
    assert found.score == pytest.approx(0.85, abs=0.015)
    assert not found.suspect


def test_a_label_copied_as_text_is_named_by_its_whole_texts():
    frame = make_text_frame(600, seed=2)
    frame["analyst_view"] = frame["sentiment"].map(
        {"positive": "Outlook: POSITIVE", "negative": "outlook:  negative",
         "neutral": "Outlook: neutral"})  # case and spacing do not hide a copy
    found = text_scores(frame, "sentiment", "multiclass")
    assert found["analyst_view"].score == pytest.approx(1.0)
    assert found["analyst_view"].suspect and not found["sentence"].suspect


def test_a_class_word_is_named_with_its_class():
    frame = make_text_frame(900, seed=4)
    negative = frame["sentiment"] == "negative"
    frame.loc[negative, "sentence"] += " (profit warning issued)"
    found = text_scores(frame, "sentiment", "multiclass")["sentence"]
    assert found.suspect
    assert found.evidence.endswith("(class 'negative')")


def test_a_class_of_a_few_rows_is_not_told_by_a_chance_word():
    """Eight events: a word only they share would read AUC 1 from four rows a half."""
    frame = charged_off(1_000, seed=5).drop(columns=["default"])
    y = np.zeros(len(frame), dtype=int)
    y[:8] = 1
    frame.loc[:7, "purpose_text"] += " zebra"
    frame["default"] = y
    assert MIN_CLASS_ROWS > 8 // 2  # four events a half
    found = text_scores(frame, "default", "binary")["purpose_text"]
    assert not found.suspect and found.evidence is None


def test_a_number_target_reads_whole_texts_only():
    rng = np.random.default_rng(6)
    rating = rng.integers(1, 11, 2_000).astype(float)
    frame = pd.DataFrame({"memo": [f"internal rating {int(r)} of 10" for r in rating],
                          "other": [f"memo {i} filed" for i in range(2_000)],
                          "loss": rating + rng.normal(0, 0.01, 2_000)})
    found = text_scores(frame, "loss", "regression", text_columns=["memo", "other"])
    assert found["memo"].metric == "rank R²" and found["memo"].suspect
    assert found["memo"].evidence is None
    assert found["other"].score < 0.05


def test_the_tabular_route_leaves_a_skipped_text_column_unscored():
    found = text_scores(charged_off(), "default", "binary", text=False)
    assert "purpose_text" not in found and {"income", "age", "home"} <= set(found)


def test_fit_text_warns_before_training_and_an_honest_text_does_not():
    frame = charged_off(400)
    with pytest.warns(FindeepWarning, match=LEAK_WARNING) as caught:
        fit_text(frame.drop(columns=["default"]), frame["default"], verbose=0, max_epochs=1)
    message = next(str(w.message) for w in caught if LEAK_WARNING in str(w.message))
    assert "'purpose_text'" in message and "the word '" in message
    assert "--drop purpose_text" in message
    honest = make_text_credit_frame(400)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        fit_text(honest.drop(columns=["default"]), honest["default"], verbose=0, max_epochs=1)
    assert not [w for w in seen if LEAK_WARNING in str(w.message)]


def test_the_text_benchmark_screens_once_and_keeps_the_note(monkeypatch):
    import findeep.text.pipeline as text_pipeline

    fits_screened = []
    screen = text_pipeline.warn_if_leaking
    monkeypatch.setattr(text_pipeline, "warn_if_leaking",
                        lambda *a, **k: fits_screened.append(1) or screen(*a, **k))
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        result = run_text_benchmark(charged_off(300), "default", models=("tfidf-lr", "text-cnn"),
                                    n_folds=2, train_options={"max_epochs": 1})
    leak_warnings = [w for w in seen if LEAK_WARNING in str(w.message)]
    assert len(leak_warnings) == 1  # the table's, before any fit
    assert fits_screened == []  # each fold's fit_text does not screen its rows again
    assert any("'purpose_text'" in note for note in result["notes"])


def test_tabular_benchmark_folds_do_not_screen_again(monkeypatch):
    """The table is screened once (warning and note); the `default` folds' fits do not pay
    for the screen a second time."""
    import findeep.pipeline as tabular

    fits_screened = []
    monkeypatch.setattr(tabular, "warn_if_leaking", lambda *a, **k: fits_screened.append(1))
    frame = charged_off(300).drop(columns=["purpose_text"]).assign(
        recovered=lambda f: np.where(f["default"] == 1, 250.0, 0.0))
    with pytest.warns(FindeepWarning, match="'recovered'"):
        result = benchmark_table(frame, target="default", models=["default"], folds=2)
    assert fits_screened == []
    assert any("'recovered'" in note for note in result["notes"])


def test_profile_names_the_text_columns_word(tmp_path):
    path = tmp_path / "loans.csv"
    charged_off(600).to_csv(path, index=False)
    with pytest.warns(FindeepWarning, match="'purpose_text'"):
        table, _ = profile_table(str(path), target="default")
    alone = dict(zip(table["column"], table["vs target alone"], strict=True))
    assert alone["purpose_text"].startswith("AUC 1.000, the word '")


def test_text_benchmark_command_says_so_in_json(tmp_path):
    data, out = tmp_path / "notes.csv", tmp_path / "b.json"
    charged_off(300).to_csv(data, index=False)
    result = run("benchmark", data, "--target", "default", "--models", "tfidf-lr",
                 "--n-folds", "2", "--out", out, "-q")
    assert result.exit_code == 0, result.output
    assert "--drop purpose_text" in result.stderr.replace("\n", " ")
    assert any("the word '" in note for note in json.loads(out.read_text())["notes"])
