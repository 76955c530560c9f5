"""Population stability against the profile saved at training time."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from findeep import TabularClassifier
from findeep.errors import ConfigError
from findeep.explain import drift_table, population_stability_index
from findeep.pipeline import pipeline_from_bundle, pipeline_to_bundle
from findeep.testing import make_credit_frame


def test_training_data_against_itself_is_stable(driver_model, driver_data):
    """PSI is near zero for every column and the score on the training table."""
    X, _ = driver_data
    table = drift_table(driver_model.pipeline_, X)
    assert table["psi"].max() < 0.02
    assert (table["flag"] == "stable").all()
    assert table["column"].iloc[0] == "model score"


def test_a_shifted_column_and_the_score_are_flagged_as_major_shifts(driver_model, driver_data):
    """Moving debt_to_income up gives PSI > 0.25 on it and on the score; the rest stay stable."""
    X, _ = driver_data
    shifted = X.assign(debt_to_income=X["debt_to_income"] * 1.5 + 10)
    table = drift_table(driver_model.pipeline_, shifted).set_index("column")
    assert table.loc["debt_to_income", "psi"] > 0.25
    assert table.loc["debt_to_income", "flag"] == "major shift"
    assert table.loc["model score", "psi"] > 0.25
    assert table.loc["noise_1", "flag"] == "stable"


def test_categories_and_gaps_drift_too(credit_model, credit_data):
    """New category values and a jump in missing values both register as shifts."""
    X, _ = credit_data
    changed = X.assign(purpose="crypto", income=float("nan"))
    table = drift_table(credit_model.pipeline_, changed).set_index("column")
    assert table.loc["purpose", "flag"] == "major shift"
    assert table.loc["income", "flag"] == "major shift"


def test_psi_is_zero_for_equal_shares_and_grows_with_the_gap():
    """The index is 0 for identical distributions and larger for larger moves."""
    assert population_stability_index([0.5, 0.5], [0.5, 0.5]) == 0.0
    small = population_stability_index([0.5, 0.5], [0.45, 0.55])
    large = population_stability_index([0.5, 0.5], [0.2, 0.8])
    assert 0 < small < 0.1 < 0.25 < large


def test_the_profile_survives_a_bundle_round_trip(driver_model):
    """The saved bundle carries the profile drift needs, unchanged."""
    meta, tensors = pipeline_to_bundle(driver_model.pipeline_)
    assert pipeline_from_bundle(meta, tensors).profile == driver_model.pipeline_.profile


def test_drift_needs_a_profile(driver_model, driver_data):
    """A model saved before profiles existed says why drift cannot be measured."""
    X, _ = driver_data
    meta, tensors = pipeline_to_bundle(driver_model.pipeline_)
    meta.pop("profile")
    with pytest.raises(ConfigError, match="no training profile"):
        drift_table(pipeline_from_bundle(meta, tensors), X.head(5))


# ---- never-seen categories and text dates: a model trained on both -----------------------

N_BRANCHES = 60  # twice MAX_LEVELS: half the branches are pooled in the profile's "other"


@pytest.fixture(scope="module")
def branch_data() -> tuple[pd.DataFrame, pd.Series]:
    """The credit table with a 60-level ``branch`` and ``app_date`` written day first."""
    frame = make_credit_frame(1_200, seed=3)
    rng = np.random.default_rng(5)
    frame["branch"] = [f"B{i:02d}" for i in rng.integers(0, N_BRANCHES, len(frame))]
    dates = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 730, len(frame)),
                                                         unit="D")
    frame["app_date"] = dates.strftime("%d/%m/%Y")
    return frame.drop(columns=["default", "applied_on"]), frame["default"]


@pytest.fixture(scope="module")
def branch_model(branch_data: tuple[pd.DataFrame, pd.Series]) -> TabularClassifier:
    X, y = branch_data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return TabularClassifier(max_epochs=2, bagging=1).fit(X, y)


def _with_new_branches(pipeline, X: pd.DataFrame) -> pd.DataFrame:
    """``X`` with every branch outside the profile's commonest 30 renamed to a new code."""
    common = set(pipeline.profile["columns"]["branch"]["levels"])
    renamed = [v if v in common else f"NEW_{i % 40}" for i, v in enumerate(X["branch"])]
    return X.assign(branch=renamed)


def test_categories_never_seen_in_training_are_not_pooled_with_rare_ones(
        branch_model, branch_data):
    """Branch codes training never saw, in place of its rarer branches, are a major shift,
    though the pooled rarer branches' share is what it was; the training rows stay stable."""
    X, _ = branch_data
    pipeline = branch_model.pipeline_
    assert pipeline.profile["columns"]["branch"]["other"] > 0.3  # the rarer half is pooled
    new = _with_new_branches(pipeline, X)
    assert new["branch"].str.startswith("NEW_").mean() > 0.3
    assert drift_table(pipeline, new).set_index("column").loc["branch", "flag"] == "major shift"
    assert drift_table(pipeline, X).set_index("column").loc["branch", "flag"] == "stable"


@pytest.mark.parametrize("version", [1, 2])
def test_an_older_profile_tells_never_seen_categories_from_rare_ones_too(
        branch_model, branch_data, version):
    """Bundles saved with profile version 1 (rarer levels not named) or 2 (named in the
    profile) load, and drift tells never-seen branches from the rarer training ones on them
    as on new bundles: the preprocessor's levels name every training value."""
    X, _ = branch_data
    meta, tensors = pipeline_to_bundle(branch_model.pipeline_)
    meta = json.loads(json.dumps(meta))  # what a saved bundle.json gives back
    meta["profile"]["version"] = version
    branch = meta["profile"]["columns"]["branch"]
    if version == 2:
        branch["other_levels"] = sorted(set(X["branch"]) - set(branch["levels"]))
    old = pipeline_from_bundle(meta, tensors)
    new = _with_new_branches(old, X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scoring's note on the unseen branches
        table = drift_table(old, new).set_index("column")
    assert table.loc["branch", "flag"] == "major shift"
    assert drift_table(old, X).set_index("column").loc["branch", "flag"] == "stable"


def test_a_new_profile_does_not_list_the_rarer_levels_again(branch_model):
    """The profile names the commonest levels only: the preprocessor already holds every
    training value, and bundle.json does not carry them twice."""
    branch = branch_model.pipeline_.profile["columns"]["branch"]
    assert len(branch["levels"]) == 30 and "other_levels" not in branch
    state = next(s for s in branch_model.pipeline_.preprocessor.categorical
                 if s.name == "branch")
    assert len(state.levels) + len(state.rare) == N_BRANCHES


def test_drift_reads_a_batch_as_scoring_does():
    """Values scoring maps to a training level are not never-seen values to drift: a yes/no
    column spelt "TRUE"/"FALSE" in a batch (training saw "True"/"False") is stable, where a
    value scoring has never seen is a shift."""
    rng = np.random.default_rng(0)
    n = 600
    frame = pd.DataFrame({"income": rng.normal(50, 10, n),
                          "owner": rng.choice(["True", "False"], n),
                          "region": rng.choice(["north", "south", "east"], n)})
    y = (frame["income"] + rng.normal(0, 5, n) > 50).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipeline = TabularClassifier(max_epochs=1, bagging=1).fit(frame, y).pipeline_
    shouted = frame.assign(owner=frame["owner"].str.upper())
    table = drift_table(pipeline, shouted).set_index("column")
    assert table.loc["owner", "psi"] < 0.01  # the same levels, spelt otherwise
    unseen = frame.assign(owner=["maybe"] * 200 + list(frame["owner"].iloc[200:]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scoring's note on the unseen values
        assert drift_table(pipeline, unseen).set_index("column").loc[
            "owner", "flag"] == "major shift"  # a value scoring has never seen still shows


def test_text_dates_are_read_in_the_order_the_model_was_trained_with(
        branch_model, branch_data):
    """The same dates written month first (08/15/2021) do not pass for the training's day
    first: the ones that are no date that way are missing, a major shift; the same dates
    written as in training stay stable."""
    X, _ = branch_data
    pipeline = branch_model.pipeline_
    assert pipeline.schema.day_first == {"app_date": True}
    dates = pd.to_datetime(X["app_date"], format="%d/%m/%Y")
    month_first = X.assign(app_date=dates.dt.strftime("%m/%d/%Y"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scoring warns of the unreadable dates too
        shifted = drift_table(pipeline, month_first).set_index("column")
        same = drift_table(pipeline, X).set_index("column")
    assert shifted.loc["app_date", "flag"] == "major shift"
    assert same.loc["app_date", "flag"] == "stable"


def test_the_surrogate_reads_text_dates_in_the_trained_order(branch_model, branch_data):
    """The surrogate tree's date input is the date the network read: a batch whose days are
    all 12 or less is still read day first (it was re-guessed month first, batch by batch)."""
    from findeep.explain.surrogate import _tree_inputs

    X, _ = branch_data
    pipeline = branch_model.pipeline_
    dates = pd.to_datetime(X["app_date"], format="%d/%m/%Y")
    early = X[dates.dt.day <= 12]
    inputs, features = _tree_inputs(pipeline, early)
    column = next(i for i, f in enumerate(features) if f.column == "app_date")
    expected = pd.to_datetime(early["app_date"], format="%d/%m/%Y")
    read = pd.to_datetime(inputs[:, column], unit="D")
    assert (read.normalize() == expected.to_numpy()).all()


def test_a_category_often_missing_in_training_is_stable_when_it_stays_so():
    """A categorical column missing in 85% of the training rows (missing then is a level of
    its own) and in 85% of new rows, with the same level shares, is stable: its missing rows
    are counted once, in the missing bin (they were also counted as a rarer level: PSI 7.8,
    a false "major shift" on the report and in the model card)."""
    rng = np.random.default_rng(1)
    n = 2_000

    def rows(seed: int) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        joint = rng.choice(["verified", "not verified", "source"], n).astype(object)
        joint[rng.random(n) < 0.85] = None
        return pd.DataFrame({"income": rng.normal(50, 10, n), "joint": joint})

    frame = rows(2)
    y = (frame["income"] + rng.normal(0, 5, n) > 50).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipeline = TabularClassifier(max_epochs=1, bagging=1).fit(frame, y).pipeline_
    state = next(s for s in pipeline.preprocessor.categorical if s.name == "joint")
    assert "<missing>" in state.levels  # the case: missing is a trained level
    table = drift_table(pipeline, rows(3)).set_index("column")
    assert table.loc["joint", "psi"] < 0.01 and table.loc["joint", "flag"] == "stable"
