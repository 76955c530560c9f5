"""Text schema, tokenizer, encoders, fit, bundle and explanations on synthetic corpora."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from findeep.data.schema import FindeepWarning, infer_schema
from findeep.errors import BundleError, ConfigError, DataError
from findeep.features.text import TextTokenizer, clean_texts
from findeep.models.text_network import TextNetwork
from findeep.testing import make_text_credit_frame, make_text_frame
from findeep.text import fit_text
from findeep.text.bundle import load_text_model, save_text_model
from findeep.text.explain import explain_text
from findeep.text.trainer import TextData, predict_text_logits


@pytest.fixture(scope="module")
def sentiment_model():
    frame = make_text_frame(500, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FindeepWarning)
        return fit_text(frame[["sentence"]], frame["sentiment"], model="text-cnn",
                        verbose=0, max_epochs=8)


@pytest.fixture(scope="module")
def credit_model():
    frame = make_text_credit_frame(800, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FindeepWarning)
        return fit_text(frame.drop(columns="default"), frame["default"], model="text-cnn",
                        verbose=0, max_epochs=8)


def test_sentences_are_inferred_as_text_and_labels_as_categories():
    """Free-text sentences are 'text'; short repeated labels stay categorical."""
    frame = make_text_credit_frame(200)
    with pytest.warns(FindeepWarning, match="free text"):
        schema = infer_schema(frame.drop(columns="default"))
    kinds = {c.name: c.kind for c in schema.columns}
    assert kinds["purpose_text"] == "text" and kinds["home"] == "categorical"
    assert "purpose_text" not in schema.used_names  # tabular models do not read it


def test_text_columns_forces_the_kind_and_names_an_absent_column():
    frame = pd.DataFrame({"note": ["a", "b"] * 20, "x": range(40)})
    schema = infer_schema(frame, text_columns=["note"], text_ok=True)
    assert schema.names_of("text") == ["note"]
    with pytest.raises(DataError, match="'memo'"):
        infer_schema(frame, text_columns=["memo"])


def test_text_cnn_learns_the_planted_sentiment_words(sentiment_model):
    """The label lives only in the verb; a fresh sample is classified well above chance."""
    test = make_text_frame(300, seed=5)
    metrics = sentiment_model.evaluate(test[["sentence"]], test["sentiment"])
    assert metrics["accuracy"] > 0.9 and metrics["macro_f1"] > 0.85
    assert set(metrics["per_class"]) == {"negative", "neutral", "positive"}
    assert np.asarray(metrics["confusion_matrix"]["counts"]).sum() == 300


def test_tokenizer_is_fitted_on_training_rows_only():
    """A word seen only in validation/test rows is not in the vocabulary."""
    tokenizer = TextTokenizer.fit(["profit rose sharply"] * 30 + ["sales fell"] * 30)
    assert tokenizer.tokenizer.token_to_id("zyzzyva") is None
    encoded = tokenizer.encode(["zyzzyva"])
    assert len(encoded.ids[0]) >= 1  # unknown pieces, never an empty sequence


def test_long_texts_are_cut_and_counted_not_an_error(sentiment_model):
    """A 1 MB text is truncated to the trained length and counted; empty text still scores."""
    long_text = "net sales rose " * 70_000  # ~1 MB
    frame = pd.DataFrame({"sentence": [long_text, "", "Net sales fell to EUR 5 mn ."]})
    prediction, inputs = sentiment_model.predict_raw(frame)
    assert prediction.shape == (3, 3) and np.isfinite(prediction).all()
    assert inputs.report.truncated == 1 and inputs.report.empty == 1
    assert len(inputs.data.ids[0]) == sentiment_model.tokenizer.max_length


def test_non_strings_in_a_text_column_are_counted_or_refused():
    """Numbers are read as their text (counted); an object is one clear DataError."""
    texts, report = clean_texts(pd.Series(["ok", 42, None]), "note")
    assert texts == ["ok", "42", ""] and report.converted == 1 and report.empty == 1
    with pytest.raises(DataError, match="text column 'note' holds a dict at row 2"):
        clean_texts(pd.Series(["ok", {"a": 1}]), "note")


@pytest.mark.parametrize("encoder", ["text-cnn", "text-bilstm", "minilm"])
def test_a_text_scores_the_same_alone_or_in_a_batch(encoder):
    """Padding is masked: one-row and batch logits agree to 1e-6 for every encoder."""
    torch.manual_seed(0)
    options = {"pretrained": False} if encoder == "minilm" else {}
    vocab = 30522 if encoder == "minilm" else 50
    network = TextNetwork(encoder=encoder, vocab_size=vocab, pad_id=0, n_num=1,
                          cardinalities=[3], n_out=2, **options).eval()
    rng = np.random.default_rng(0)
    ids = [rng.integers(1, 50, size=n) for n in (3, 9, 1, 14)]
    data = TextData.build(ids, rng.normal(size=(4, 1)).astype(np.float32),
                          np.array([[0], [1], [2], [1]]))
    batch = predict_text_logits(network, data)
    for row in range(4):
        alone = predict_text_logits(network, data.subset(np.array([row])))
        assert torch.allclose(alone, batch[row:row + 1], atol=1e-6)


def test_bundle_round_trip_gives_identical_predictions(sentiment_model, tmp_path: Path):
    """Tokenizer and weights in safetensors + JSON; reloading changes nothing; no overwrite."""
    path = save_text_model(sentiment_model, tmp_path / "m")
    loaded = load_text_model(path)
    frame = make_text_frame(50, seed=9)[["sentence"]]
    a, _ = sentiment_model.predict_raw(frame)
    b, _ = loaded.predict_raw(frame)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(BundleError, match="--force"):
        save_text_model(sentiment_model, path)
    import findeep

    estimator = findeep.load(path)  # one loader for every kind of bundle
    assert type(estimator).__name__ == "TextClassifier"
    np.testing.assert_array_equal(estimator.predict_proba(frame), a)


def test_same_seed_gives_same_predictions():
    frame = make_text_frame(150, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FindeepWarning)
        runs = [fit_text(frame[["sentence"]], frame["sentiment"], model="text-bilstm",
                         verbose=0, max_epochs=2, seed=3) for _ in range(2)]
    a, _ = runs[0].predict_raw(frame)
    b, _ = runs[1].predict_raw(frame)
    np.testing.assert_array_equal(a, b)


def test_explanation_names_the_planted_verb_and_is_complete(sentiment_model):
    """The verb carrying the label is the top word; attributions add up (IG completeness)."""
    frame = pd.DataFrame({"sentence": ["Net sales rose to EUR 12.5 mn in Finland .",
                                       "The bank fell to EUR 300.1 mn the statement said ."]})
    found = explain_text(sentiment_model, frame, top=3)
    assert found[0].prediction == "positive" and found[0].words[0]["word"] == "rose"
    assert found[1].prediction == "negative" and found[1].words[0]["word"] == "fell"
    assert all(e.delta < 0.05 for e in found)


def test_mixed_table_uses_the_text_and_names_the_planted_words(credit_model):
    """Signal lives only in the purpose text: the model ranks well above chance, and a
    risky application's reasons name the planted word."""
    test = make_text_credit_frame(500, seed=1)
    metrics = credit_model.evaluate(test.drop(columns="default"), test["default"])
    assert metrics["roc_auc"] > 0.68
    risky = pd.DataFrame({"income": [48000.0], "age": [40], "home": ["rent"],
                          "purpose_text": ["loan to cover gambling next month 12 items"]})
    explanation = explain_text(credit_model, risky)[0]
    assert "purpose_text text: 'gambling'" in explanation.reasons("purpose_text")
    assert {c["column"] for c in explanation.columns} == {"income", "age", "home"}


def test_a_table_with_two_text_columns_asks_which_one():
    frame = make_text_frame(60)
    frame["note"] = frame["sentence"].str.upper() + " again"
    with pytest.raises(DataError, match="--text-column"):
        fit_text(frame[["sentence", "note"]], frame["sentiment"], verbose=0, max_epochs=1)


def test_missing_text_extra_is_one_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "tokenizers", None)
    with pytest.raises(ConfigError, match=r"findeep\[text\]"):
        TextTokenizer.fit(["a b c"] * 10)


def test_frozen_minilm_bundle_keeps_only_the_head(tmp_path: Path):
    """Frozen MiniLM: the base weights come from the package (checksummed), the bundle holds
    the head; reloading gives the same predictions."""
    frame = make_text_frame(120, seed=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FindeepWarning)
        model = fit_text(frame[["sentence"]], frame["sentiment"], model="minilm", verbose=0,
                         max_epochs=3, model_options={"frozen": True})
    path = save_text_model(model, tmp_path / "minilm")
    assert (path / "model.safetensors").stat().st_size < 2_000_000
    a, _ = model.predict_raw(frame.head(20))
    b, _ = load_text_model(path).predict_raw(frame.head(20))
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_text_regressor_learns_a_value_carried_by_words():
    """Text regression: a value planted in the wording is recovered (R² well above 0)."""
    from findeep.text import TextRegressor

    frame = make_text_frame(400, seed=6)
    value = frame["sentiment"].map({"positive": 1.0, "neutral": 0.0, "negative": -1.0})
    rng = np.random.default_rng(0)
    y = value + rng.normal(0, 0.2, len(frame))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FindeepWarning)
        model = TextRegressor(max_epochs=12).fit(frame["sentence"].tolist()[:300], y[:300])
    assert model.score(frame["sentence"].tolist()[300:], y[300:]) > 0.4


def test_text_classifier_is_a_scikit_learn_estimator():
    from sklearn.base import clone

    from findeep.text import TextClassifier

    frame = make_text_frame(200, seed=8)
    estimator = clone(TextClassifier(max_epochs=2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FindeepWarning)
        estimator.fit(frame["sentence"], frame["sentiment"])
    proba = estimator.predict_proba(frame["sentence"])
    assert proba.shape == (200, 3) and np.allclose(proba.sum(axis=1), 1, atol=1e-5)
    assert set(estimator.predict(frame["sentence"])) <= {"negative", "neutral", "positive"}


def test_a_rows_explanation_does_not_depend_on_the_rows_explained_with_it(credit_model):
    """Rows of one token length share an attribution pass; each row's words, their order and
    their attributions are those it gets explained alone (to float rounding)."""
    frame = make_text_credit_frame(60, seed=11).drop(columns=["default"])
    together = explain_text(credit_model, frame, top=64)
    for row in range(len(frame)):
        alone = explain_text(credit_model, frame.iloc[[row]], top=64)[0]
        assert together[row].prediction == alone.prediction
        assert [w["word"] for w in together[row].words] == [w["word"] for w in alone.words]
        assert np.allclose([w["attribution"] for w in together[row].words],
                           [w["attribution"] for w in alone.words], atol=1e-5)
        assert np.allclose([c["attribution"] for c in together[row].columns],
                           [c["attribution"] for c in alone.columns], atol=1e-5)


def test_a_tall_text_tables_drift_bins_come_from_a_bounded_sample():
    """At most PROFILE_ROWS fit rows are profiled (the score would otherwise be computed
    again over every training row); smaller tables profile every fit row."""
    from findeep.text.pipeline import PROFILE_ROWS

    frame = make_text_credit_frame(6_000, seed=12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tall = fit_text(frame.drop(columns=["default"]), frame["default"], verbose=0,
                        max_epochs=1)
        small = fit_text(frame.head(300).drop(columns=["default"]), frame.head(300)["default"],
                         verbose=0, max_epochs=1)
    assert tall.training["fit_rows"] > PROFILE_ROWS == tall.profile["rows"]
    assert small.profile["rows"] == small.training["fit_rows"]
    assert {"income", "age", "home"} == set(tall.profile["columns"])
    assert tall.profile["text_tokens"]["edges"] and "score" in tall.profile
