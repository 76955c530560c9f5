"""The development split a text recipe is chosen on: part of one fold's training rows, never
its held-out rows, stratified and repeatable; the benchmark scores it row by row."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from findeep.data.schema import FindeepWarning
from findeep.errors import ConfigError
from findeep.testing import make_text_frame
from findeep.text import benchmark, fit_text
from findeep.text.benchmark import (
    RECIPE_KEYS,
    _cv_folds,
    development_frame,
    development_rows,
    run_text_benchmark,
)
from findeep.text.recipes import FIT_OPTIONS, RECIPES


def _codes(n: int = 400, seed: int = 3) -> np.ndarray:
    labels = make_text_frame(n, seed=seed)["sentiment"]
    return labels.map({"negative": 0, "neutral": 1, "positive": 2}).to_numpy()


@pytest.mark.parametrize("fold", [0, 4])
def test_development_rows_are_the_folds_training_rows_and_none_of_its_held_out_rows(fold):
    """dev-train and dev-valid split the fold's training rows between them, and neither
    holds a row of the fold it will be tested on."""
    y = _codes()
    train_rows, test_rows = _cv_folds(y, "multiclass", 5, 0)[fold]
    dev_train, dev_valid = development_rows(y, "multiclass", n_folds=5, fold=fold)
    assert not set(dev_train) & set(dev_valid)
    assert set(dev_train) | set(dev_valid) == set(train_rows)
    assert not (set(dev_train) | set(dev_valid)) & set(test_rows)
    assert len(dev_valid) == pytest.approx(0.2 * len(train_rows), abs=1)


def test_development_valid_rows_keep_each_class_share():
    """Stratified: every class has the same share of dev-valid as of the fold's training
    rows, to within one row."""
    y = _codes(1_000)
    train_rows, _ = _cv_folds(y, "multiclass", 10, 0)[0]
    _, dev_valid = development_rows(y, "multiclass", n_folds=10, fold=0)
    for label in np.unique(y):
        expected = np.mean(y[train_rows] == label) * len(dev_valid)
        assert abs(np.sum(y[dev_valid] == label) - expected) <= 1


def test_development_split_is_repeatable_and_follows_the_seed():
    y = _codes()
    first = development_rows(y, "multiclass", n_folds=5, seed=0)
    again = development_rows(y, "multiclass", n_folds=5, seed=0)
    other = development_rows(y, "multiclass", n_folds=5, seed=1)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[1], other[1])


def test_development_frame_returns_the_rows_with_their_labels():
    """The frames hold the rows ``development_rows`` names, target column included."""
    frame = make_text_frame(300, seed=5)
    dev_train, dev_valid = development_frame(frame, "sentiment", n_folds=5)
    assert list(dev_train.columns) == list(frame.columns)
    y = frame["sentiment"].map({"negative": 0, "neutral": 1, "positive": 2}).to_numpy()
    rows_train, rows_valid = development_rows(y, "multiclass", n_folds=5)
    assert dev_valid["sentence"].tolist() == frame["sentence"].iloc[rows_valid].tolist()
    assert dev_train["sentiment"].tolist() == frame["sentiment"].iloc[rows_train].tolist()


def test_a_development_fold_outside_the_split_is_one_clear_error():
    with pytest.raises(ConfigError, match="development fold"):
        development_rows(_codes(), "multiclass", n_folds=5, fold=5)


def test_benchmark_on_the_development_split_scores_dev_valid_row_by_row():
    """Only dev-valid is scored, and each row's prediction is kept for paired tests."""
    frame = make_text_frame(300, seed=6)
    result = run_text_benchmark(frame, "sentiment", models=["tfidf-lr"], n_folds=5,
                                development=True, fold_indices=[2])
    assert result["split"] == "development" and result["folds_run"] == 1
    fold = result["models"]["tfidf-lr"]["folds"][0]
    y = frame["sentiment"].map({"negative": 0, "neutral": 1, "positive": 2}).to_numpy()
    _, dev_valid = development_rows(y, "multiclass", n_folds=5, fold=2)
    assert fold["fold"] == 2 and fold["test_rows"] == dev_valid.tolist()
    assert fold["correct"] == [int(p == t) for p, t in zip(fold["predicted"], y[dev_valid],
                                                           strict=True)]
    assert fold["accuracy"] == pytest.approx(np.mean(fold["correct"]))


def test_plain_minilm_on_the_development_split_trains_with_the_recipe_in_recipes_py():
    """The reference candidate is the recipe as written in recipes.py, with only the
    options the caller overrides changed (and recorded)."""
    frame = make_text_frame(120, seed=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FindeepWarning)
        result = run_text_benchmark(frame, "sentiment", models=["minilm"], n_folds=3,
                                    development=True, model_options={"pretrained": False},
                                    train_options={"max_epochs": 1})
    recipe = result["models"]["minilm"]["folds"][0]["recipe"]
    expected = {**{k: RECIPES["minilm"][k] for k in RECIPE_KEYS}, "max_epochs": 1,
                **FIT_OPTIONS["minilm"]}
    assert recipe == expected



def test_model_seed_seeds_training_while_the_split_keeps_its_seed(monkeypatch):
    """Another training seed scores the same dev-valid rows, and the fit is given that seed."""
    seeds_given: list[int] = []

    def recording_fit_text(*args, **kwargs):
        seeds_given.append(kwargs["seed"])
        return fit_text(*args, **kwargs)

    monkeypatch.setattr(benchmark, "fit_text", recording_fit_text)
    frame = make_text_frame(200, seed=8)
    runs = [run_text_benchmark(frame, "sentiment", models=["text-cnn"], n_folds=4,
                               development=True, model_seed=model_seed,
                               train_options={"max_epochs": 1})
            for model_seed in (None, 3)]
    assert seeds_given == [0, 3]
    assert [r["model_seed"] for r in runs] == [0, 3]
    first, second = (r["models"]["text-cnn"]["folds"][0] for r in runs)
    assert first["test_rows"] == second["test_rows"]


def test_cross_validation_keeps_every_rows_probabilities_so_runs_can_be_blended():
    """Each fold stores every held-out row's class probabilities beside its label: the folds
    cover every row once, the probabilities are distributions whose argmax is the stored
    label, and the fold's accuracy is recomputable from them (a blend of two stored runs
    needs no refit)."""
    frame = make_text_frame(200, seed=8)
    result = run_text_benchmark(frame, "sentiment", models=["tfidf-lr"], n_folds=4)
    folds = result["models"]["tfidf-lr"]["folds"]
    rows = sorted(r for fold in folds for r in fold["test_rows"])
    assert rows == list(range(len(frame)))
    y = frame["sentiment"].map({"negative": 0, "neutral": 1, "positive": 2}).to_numpy()
    for fold in folds:
        probabilities = np.array(fold["probabilities"])
        assert probabilities.shape == (len(fold["test_rows"]), 3)
        np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
        assert probabilities.argmax(axis=1).tolist() == fold["predicted"]
        truth = y[fold["test_rows"]]
        assert fold["accuracy"] == pytest.approx(np.mean(probabilities.argmax(axis=1) == truth))


def test_the_tfidf_baseline_reads_date_columns_as_the_networks_do():
    """The text networks read a date column's parts; the TF-IDF baseline was given only
    numbers and categories, so a label carried by the date was the networks' alone."""
    import pandas as pd

    rng = np.random.default_rng(0)
    n = 300
    filed = pd.Series(pd.Timestamp("2021-01-01")
                      + pd.to_timedelta(rng.integers(0, 700, n), unit="D"))
    words = np.array(["alpha", "beta", "gamma", "delta", "omega", "sigma"])
    frame = pd.DataFrame({
        "note": [" ".join(rng.choice(words, 6)) for _ in range(n)],
        "filed": filed.dt.strftime("%Y-%m-%d"),
        "late": np.where(filed.dt.year > 2021, "yes", "no")})
    result = run_text_benchmark(frame, "late", models=(benchmark.BASELINE,), n_folds=3,
                                text_column="note")
    assert result["models"][benchmark.BASELINE]["summary"]["accuracy"]["mean"] > 0.9
