from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline

import findeep
from findeep.errors import DataError, NotFittedError
from findeep.testing import make_credit_frame

# the estimator contract, on one network (bagging: tests/train/test_bagging.py)
QUICK = {"max_epochs": 4, "bagging": 1}


@pytest.fixture(scope="module")
def xy() -> tuple[pd.DataFrame, pd.Series]:
    frame = make_credit_frame(900, seed=3).drop(columns=["applied_on"])
    return frame, frame.pop("default")


@pytest.fixture(scope="module")
def fitted(xy: tuple[pd.DataFrame, pd.Series]) -> findeep.TabularClassifier:
    X, y = xy
    return findeep.TabularClassifier(**QUICK).fit(X, y)


def test_init_only_stores_params_and_clone_copies_them() -> None:
    """get_params returns what was passed; clone gives an unfitted twin."""
    clf = findeep.TabularClassifier(model="seed-mlp", max_epochs=3, random_state=5)
    params = clf.get_params()
    assert params["model"] == "seed-mlp" and params["max_epochs"] == 3
    twin = clone(clf)
    assert twin.get_params() == params and not hasattr(twin, "pipeline_")


def test_cross_val_score_runs_on_raw_frames_with_strings_and_nans(xy) -> None:
    """AUC from 3-fold CV on a raw DataFrame is well above chance."""
    X, y = xy
    assert X.isna().any().any() and X.select_dtypes(exclude="number").shape[1] > 0
    scores = cross_val_score(findeep.TabularClassifier(**QUICK), X, y, cv=3, scoring="roc_auc")
    assert scores.shape == (3,) and scores.mean() > 0.65


def test_grid_search_and_pipeline_work(xy) -> None:
    """GridSearchCV picks among models; a Pipeline can hold the estimator."""
    X, y = xy
    grid = GridSearchCV(findeep.TabularClassifier(**QUICK), {"model": ["seed-mlp", "mlp"]},
                        cv=2, scoring="roc_auc").fit(X, y)
    assert grid.best_params_["model"] in ("seed-mlp", "mlp")
    keep = ColumnTransformer([("keep", "passthrough", list(X.columns))],
                             verbose_feature_names_out=False).set_output(transform="pandas")
    pipe = Pipeline([("columns", keep), ("net", findeep.TabularClassifier(**QUICK))]).fit(X, y)
    assert pipe.predict_proba(X).shape == (len(X), 2)


def test_predict_proba_rows_sum_to_one_and_predict_uses_classes(fitted, xy) -> None:
    """Probabilities are a distribution over classes_, predict returns labels."""
    X, _ = xy
    proba = fitted.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    assert set(fitted.predict(X)) <= set(fitted.classes_)


def test_same_seed_same_data_gives_identical_predictions(xy) -> None:
    """Two fits with one seed agree bit for bit on CPU; another seed differs."""
    X, y = xy
    a = findeep.TabularClassifier(**QUICK, random_state=1).fit(X, y).predict_proba(X)
    b = findeep.TabularClassifier(**QUICK, random_state=1).fit(X, y).predict_proba(X)
    c = findeep.TabularClassifier(**QUICK, random_state=2).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).max() > 1e-4


def test_missing_target_rows_are_dropped_and_counted(xy) -> None:
    """Rows without a label are left out of training and the count is kept."""
    X, y = xy
    y = y.astype(float).copy()
    y.iloc[:25] = np.nan
    with pytest.warns(UserWarning, match="25 row"):
        clf = findeep.TabularClassifier(**QUICK).fit(X, y)
    assert clf.training_["dropped_missing_target"] == 25
    assert clf.training_["rows"] == len(X) - 25


def test_unfitted_estimator_says_so() -> None:
    """Predicting before fit raises NotFittedError with the fix."""
    with pytest.raises(NotFittedError, match="call fit"):
        findeep.TabularClassifier().predict(pd.DataFrame({"a": [1]}))


def test_infinite_values_are_refused_with_the_column_name(xy) -> None:
    """inf in a feature is a DataError naming the column."""
    X, y = xy
    X = X.copy()
    X.loc[3, "income"] = np.inf
    with pytest.raises(DataError, match="income"):
        findeep.TabularClassifier(**QUICK).fit(X, y)


def test_regressor_learns_a_continuous_target() -> None:
    """On a noisy linear rate, the regressor's R² is clearly positive."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"score": rng.normal(size=600), "grade": rng.choice(list("abc"), 600)})
    y = 5 + 2 * X["score"] + (X["grade"] == "c") * 1.5 + rng.normal(scale=0.5, size=600)
    reg = findeep.TabularRegressor(max_epochs=30).fit(X, y)
    assert reg.score(X, y) > 0.8


def test_evaluate_reports_findeeps_metrics_and_flags_training_rows(fitted, xy) -> None:
    """est.evaluate gives the CLI's metrics; on its own training rows it warns."""
    from findeep.data.schema import FindeepWarning

    new = make_credit_frame(500, seed=9).drop(columns=["applied_on"])
    y_new = new.pop("default")
    result = fitted.evaluate(new, y_new, threshold=0.3)
    assert result["roc_auc"] > 0.6 and result["threshold"] == 0.3
    assert len(result["gains_table"]) == 10 and result["training_overlap"]["matched"] == 0
    X, y = xy
    with pytest.warns(FindeepWarning, match="match a training row"):
        fitted.evaluate(X, y)


@pytest.mark.parametrize("as_labels", [lambda y: y.astype(float), lambda y: y.astype(bool),
                                       lambda y: y.astype(np.int32)],
                         ids=["float", "bool", "int32"])
def test_classes_keep_the_labels_dtype_through_save_and_load(xy, tmp_path, as_labels) -> None:
    """0.0/1.0 labels predict 0.0/1.0, as scikit-learn's classifiers do, and still do after
    a bundle round trip (the bundle writes the classes as the JSON numbers 0 and 1)."""
    X, y = xy
    labels = as_labels(y)
    clf = findeep.TabularClassifier(max_epochs=2, bagging=1).fit(X, labels)
    assert clf.classes_.dtype == labels.dtype
    assert clf.predict(X.head(5)).dtype == labels.dtype
    clf.save(tmp_path / "m")
    loaded = findeep.load(tmp_path / "m")
    assert loaded.classes_.dtype == labels.dtype
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
