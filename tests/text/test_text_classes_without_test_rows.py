"""A macro-F1 averaged over fewer classes than the model knows says which ones are missing."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cli_helpers import run
from findeep.data.splits import split_random
from findeep.testing import make_text_frame
from findeep.text.commands import print_text_metrics
from findeep.text.metrics import multiclass_report

CLASSES = ["negative", "neutral", "positive"]


def _certain(codes: list[int]) -> np.ndarray:
    """Probabilities putting 0.9 on each row's code and 0.05 on each other class."""
    return np.full((len(codes), len(CLASSES)), 0.05) + 0.85 * np.eye(len(CLASSES))[codes]


def test_the_report_names_classes_without_test_rows_and_keeps_the_metric():
    """No 'neutral' rows, none predicted: macro-F1 stays 1.0, over 2 of 3 classes, said so."""
    report = multiclass_report(np.array([0, 2, 2, 0]), _certain([0, 2, 2, 0]), CLASSES)
    assert report["macro_f1"] == 1.0
    assert report["macro_f1_classes"] == 2
    assert report["classes_without_test_rows"] == ["neutral"]


def test_a_predicted_class_without_test_rows_is_counted_in_the_average():
    """A class with no rows but predicted once enters the average (at F1 0), as sklearn does."""
    report = multiclass_report(np.array([0, 2, 2, 0]), _certain([0, 2, 1, 0]), CLASSES)
    assert report["macro_f1_classes"] == 3
    assert report["classes_without_test_rows"] == ["neutral"]


def test_every_class_present_adds_no_note(capsys):
    """With rows for every class the report lists none and the summary has no note."""
    report = multiclass_report(np.array([0, 1, 2]), _certain([0, 1, 2]), CLASSES)
    assert report["macro_f1_classes"] == 3 and report["classes_without_test_rows"] == []
    print_text_metrics("multiclass", report)
    assert "no test rows" not in capsys.readouterr().out


def test_the_summary_says_what_the_macro_f1_is_over(capsys):
    """The printed headline is followed by the classes the macro-F1 could not see."""
    report = multiclass_report(np.array([0, 2, 2, 0]), _certain([0, 2, 2, 0]), CLASSES)
    print_text_metrics("multiclass", report)
    printed = capsys.readouterr().out
    assert "macro_f1=1.0000" in printed
    assert "macro-F1 over 2 of 3 classes (no test rows for: neutral)" in printed


@pytest.fixture(scope="module")
def rare_class_table(tmp_path_factory: pytest.TempPathFactory):
    """A sentiment table whose 'neutral' class has 2 rows, both in the training split."""
    frame = make_text_frame(200, seed=0)
    frame = frame[frame["sentiment"] != "neutral"].reset_index(drop=True)
    frame.loc[:1, "sentiment"] = "neutral"
    labels = frame["sentiment"].to_numpy()
    # too rare to stratify: find the seed whose random split keeps both rows in training
    seed = next(s for s in range(100) if "neutral" not in labels[
        split_random(labels, test_fraction=0.2, seed=s, stratify=True)[1]])
    path = tmp_path_factory.mktemp("rare") / "rare.csv"
    frame.to_csv(path, index=False)
    return path, seed


def test_text_train_says_when_a_class_has_no_test_rows(rare_class_table, tmp_path):
    """`findeep text train` prints the note and saves the same fields in metrics.json."""
    path, seed = rare_class_table
    result = run("text", "train", path, "--target", "sentiment", "--max-epochs", "2",
                 "--seed", seed, "--out", tmp_path / "model", "-q")
    assert result.exit_code == 0, result.output
    assert "of 3 classes (no test rows for: neutral)" in result.stdout
    metrics = json.loads((tmp_path / "model" / "metrics.json").read_text())
    assert metrics["classes_without_test_rows"] == ["neutral"]


def test_the_benchmark_says_which_folds_macro_f1_left_a_class_out(capsys):
    """Three 'negative' rows over five stratified folds: two folds have none to score. Each
    fold records the classes its macro-F1 averaged, and the printed table names the short
    folds; a frame with every class in every fold gets no note."""
    from findeep.text.benchmark import run_text_benchmark
    from findeep.text.commands import print_text_benchmark

    frame = make_text_frame(200, seed=3)
    negatives = np.flatnonzero(frame["sentiment"].to_numpy() == "negative")
    rare = frame.drop(index=frame.index[negatives[3:]]).reset_index(drop=True)
    with pytest.warns(UserWarning, match="members"):  # sklearn: 3 rows for 5 folds
        result = run_text_benchmark(rare, "sentiment", models=["tfidf-lr"], n_folds=5)
    folds = result["models"]["tfidf-lr"]["folds"]
    assert all(f["n_classes"] == 3 for f in folds)
    short = [f["fold"] for f in folds if f["macro_f1_classes"] < 3]
    assert len(short) >= 2
    print_text_benchmark(result, seed=0, folds=5)
    said = " ".join(capsys.readouterr().out.split())  # the console wraps long lines
    assert "macro-F1 left out a class" in said and f"fold {short[0]} over 2 of 3" in said

    full = run_text_benchmark(frame, "sentiment", models=["tfidf-lr"], n_folds=5)
    assert all(f["macro_f1_classes"] == 3 for f in full["models"]["tfidf-lr"]["folds"])
    print_text_benchmark(full, seed=0, folds=5)
    assert "left out a class" not in capsys.readouterr().out
