"""TextClassifier / TextRegressor keep the scikit-learn contract the tabular estimators keep."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError as SklearnNotFittedError

import findeep
from findeep.data.schema import FindeepWarning
from findeep.errors import DataError, NotFittedError
from findeep.testing import make_text_frame
from findeep.text import TextClassifier, TextRegressor
from findeep.text.bundle import save_text_model


@pytest.fixture(scope="module")
def news() -> pd.DataFrame:
    frame = make_text_frame(120, seed=3)
    frame["positive"] = (frame["sentiment"] == "positive").astype(np.int64)
    return frame


def _quiet_fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FindeepWarning)
        return estimator.fit(X, y)


@pytest.fixture(scope="module")
def classifier(news: pd.DataFrame) -> TextClassifier:
    """Integer 0/1 labels, a named table: one epoch."""
    return _quiet_fit(TextClassifier(max_epochs=1, text_column="sentence"),
                      news[["sentence"]], news["positive"])


@pytest.mark.parametrize(("estimator", "method"), [
    (TextClassifier(), "predict"), (TextClassifier(), "predict_proba"),
    (TextRegressor(), "predict")])
def test_an_unfitted_text_model_raises_not_fitted_error(estimator, method):
    """Scoring before fit is scikit-learn's NotFittedError (findeep's), not AttributeError."""
    with pytest.raises(SklearnNotFittedError, match="not fitted yet"):
        getattr(estimator, method)(["Net sales rose to EUR 12.5 mn ."])
    with pytest.raises(NotFittedError):
        getattr(estimator, method)(["Net sales rose to EUR 12.5 mn ."])


@pytest.mark.parametrize("estimator", [TextClassifier(), TextRegressor()])
def test_saving_an_unfitted_text_model_is_not_fitted_error(estimator, tmp_path):
    """save() before fit raised AttributeError ('n_features_in_')."""
    with pytest.raises(NotFittedError):
        estimator.save(tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_integer_labels_give_integer_classes_and_predictions(classifier, news):
    """classes_ keeps the labels' dtype, so predict returns int64 like y, not objects."""
    assert classifier.classes_.dtype == np.int64
    assert classifier.classes_.tolist() == [0, 1]
    assert classifier.predict(news[["sentence"]]).dtype == np.int64


def test_probabilities_and_regression_values_are_float64(classifier, news):
    """predict_proba and a regressor's predict are float64, as the tabular estimators'."""
    assert classifier.predict_proba(news[["sentence"]]).dtype == np.float64
    regressor = _quiet_fit(TextRegressor(max_epochs=1), news["sentence"].tolist(),
                           news["positive"].astype(float))
    assert regressor.predict(news["sentence"].tolist()[:5]).dtype == np.float64


def test_feature_names_are_kept_from_a_named_table_only(classifier, news):
    """A DataFrame gives feature_names_in_ and n_features_in_; a plain list gives no names."""
    assert classifier.feature_names_in_.tolist() == ["sentence"]
    assert classifier.n_features_in_ == 1
    from_list = _quiet_fit(TextClassifier(max_epochs=1), news["sentence"].tolist(),
                           news["sentiment"])
    assert not hasattr(from_list, "feature_names_in_") and from_list.n_features_in_ == 1


def test_a_two_column_y_is_one_data_error(news):
    """y with two columns is refused in one findeep sentence, not pandas' ValueError."""
    labels = np.column_stack([news["positive"], news["positive"]])
    with pytest.raises(DataError, match=r"y must be one column.*shape \(120, 2\)"):
        TextClassifier(max_epochs=1).fit(news[["sentence"]], labels)


def test_save_returns_the_path_and_load_predicts_the_same_labels(classifier, news,
                                                                 tmp_path: Path):
    """findeep.load(model.save(p)) round trips: the same probabilities, the same int64
    labels, the same feature names and parameters."""
    loaded = findeep.load(classifier.save(tmp_path / "news"))
    rows = news[["sentence"]].head(30)
    np.testing.assert_array_equal(loaded.predict_proba(rows), classifier.predict_proba(rows))
    predicted = loaded.predict(rows)
    assert predicted.dtype == np.int64
    np.testing.assert_array_equal(predicted, classifier.predict(rows))
    assert loaded.feature_names_in_.tolist() == ["sentence"] and loaded.n_features_in_ == 1
    assert loaded.get_params() == classifier.get_params()


def test_a_bundle_without_the_estimator_fields_still_loads(classifier, news, tmp_path: Path):
    """A bundle written before the label dtype was saved (or by `findeep text train`) loads
    as an estimator fitted on a named table, with the same probabilities."""
    path = save_text_model(classifier.pipeline_, tmp_path / "plain")
    meta = json.loads((path / "bundle.json").read_text())
    assert "label_dtype" not in meta and "feature_names_in" not in meta
    loaded = findeep.load(path)
    rows = news[["sentence"]].head(10)
    np.testing.assert_array_equal(loaded.predict_proba(rows), classifier.predict_proba(rows))
    assert loaded.feature_names_in_.tolist() == ["sentence"]
    assert loaded.predict(rows).tolist() == classifier.predict(rows).tolist()


def test_a_loaded_text_models_dict_parameters_are_plain_dicts(news, tmp_path: Path):
    """model_options came back as the bundle reader's document, whose missing keys raise
    the 'damaged bundle' error instead of KeyError (as the tabular estimators' did)."""
    model = _quiet_fit(TextClassifier(max_epochs=1, text_column="sentence",
                                      model_options={"dropout": 0.2}),
                       news[["sentence"]], news["positive"])
    options = findeep.load(model.save(tmp_path / "m")).get_params()["model_options"]
    assert type(options) is dict and options == {"dropout": 0.2}
    with pytest.raises(KeyError):
        options["absent"]
