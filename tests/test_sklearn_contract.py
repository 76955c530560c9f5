"""scikit-learn's own estimator checks, run on both estimators (the contract users rely on
when they put findeep in a Pipeline, GridSearchCV or cross_val_score)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from findeep import TabularClassifier, TabularRegressor
from findeep.errors import ConfigError, DataError

# Every check findeep fails on purpose, with the design choice behind it — the one place.
_WEIGHT_IS_NOT_REPETITION = (
    "a weight of k is not k copies of the row: the early-stopping rows are drawn by row, "
    "so copies land on both sides of the split, and mini-batches see copies apart; the "
    "weight scales the row's training loss (tests/test_estimator_inputs.py pins what it does)")
EXPECTED_FAILED_CHECKS: dict[str, dict[str, str]] = {
    "TabularClassifier": {"check_sample_weight_equivalence_on_dense_data":
                          _WEIGHT_IS_NOT_REPETITION},
    "TabularRegressor": {"check_sample_weight_equivalence_on_dense_data":
                         _WEIGHT_IS_NOT_REPETITION},
}
# few epochs on the checks' tiny tables keep the ~100 checks to seconds each
FAST = {"max_epochs": 12, "batch_size": 32, "row_sketch": False}


def _expected_failures(estimator: object) -> dict[str, str]:
    return EXPECTED_FAILED_CHECKS[type(estimator).__name__]


@parametrize_with_checks([TabularClassifier(**FAST), TabularRegressor(**FAST)],
                         expected_failed_checks=_expected_failures)
def test_scikit_learn_estimator_checks(estimator, check) -> None:
    """Each of scikit-learn's checks passes, or is listed above with its reason."""
    check(estimator)


def test_an_integer_target_with_15_levels_is_15_classes() -> None:
    """A classifier classifies: it never re-reads integer labels as a regression target."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(300, 3)))  # integer column names, as pd.DataFrame(array)
    y = rng.integers(0, 15, 300)
    clf = TabularClassifier(max_epochs=2).fit(X, y)
    assert list(clf.classes_) == list(range(15))
    assert clf.predict_proba(X).shape == (300, 15)
    assert not hasattr(clf, "feature_names_in_") and clf.n_features_in_ == 3
    assert clf.predict(X.to_numpy()).shape == (300,)  # read by position either way


def test_feature_names_are_kept_and_enforced() -> None:
    """Fitted on named columns: scoring data must have them; the error names the missing one."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"income": rng.normal(size=200), "age": rng.normal(size=200)})
    y = (X["income"] > 0).astype(int)
    clf = TabularClassifier(max_epochs=2).fit(X, y)
    assert list(clf.feature_names_in_) == ["income", "age"]
    with pytest.raises(DataError, match="income"):
        clf.predict(X[["age"]])
    with pytest.raises(DataError, match="expecting 2 features"):
        clf.predict(X.to_numpy()[:, :1])


def test_unknown_model_options_are_refused_with_the_valid_keys() -> None:
    """A typo in model_options is an error listing every key the model takes."""
    X = pd.DataFrame({"a": np.arange(40.0)})
    y = np.arange(40) % 2
    message = r"no option\(s\) d_blok.*d_block.*Did you mean 'd_block'"
    with pytest.raises(ConfigError, match=message):
        TabularClassifier(max_epochs=1, model_options={"d_blok": 64}).fit(X, y)


def test_a_continuous_target_is_refused_by_the_classifier_with_findeeps_error() -> None:
    X = pd.DataFrame({"a": np.arange(40.0)})
    with pytest.raises(DataError, match="continuous"):
        TabularClassifier(max_epochs=1).fit(X, np.linspace(0, 1, 40))


def test_model_options_match_each_architectures_constructor() -> None:
    """The registry's list of valid model_options is exactly what each network accepts."""
    import inspect

    from findeep.models.ft_transformer import FTTransformer
    from findeep.models.registry import MODELS
    from findeep.models.tabm_ple import TabMPLE

    # fitted from the training rows (and recorded in the config for reloading), not options
    # (levels and plain_columns: a bag's members read them from all its rows, see
    # registry.shared_architecture_options)
    structural = {"self", "n_num", "cardinalities", "n_out", "x_num_train", "level_counts",
                  "levels", "plain_columns", "_"}
    for name, cls in [("default", TabMPLE), ("mlp", TabMPLE), ("ft-transformer", FTTransformer)]:
        accepted = set(inspect.signature(cls.__init__).parameters) - structural
        assert set(MODELS[name].options) == accepted, name
    assert MODELS["seed-mlp"].options == ()


def test_a_saved_model_keeps_its_input_contract(tmp_path) -> None:
    """findeep.load gives back the same n_features_in_ and feature names (or none for arrays)."""
    import findeep

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = (X[:, 0] > 0).astype(int)
    TabularClassifier(max_epochs=1).fit(X, y).save(tmp_path / "array-model")
    loaded = findeep.load(tmp_path / "array-model")
    assert loaded.n_features_in_ == 3 and not hasattr(loaded, "feature_names_in_")
    assert loaded.predict(X).shape == (120,)
    with pytest.raises(DataError, match="expecting 3 features"):
        loaded.predict(X[:, :2])
