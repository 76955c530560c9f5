"""The default's automatic bag honours every option a user may set, never failing on its own.

``bagging="auto"`` is the default, so a user who sets a model option on a small table gets a
bag without asking for one: each option must either bag or quietly train one network.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import findeep
from findeep.models.additive import AdditiveBlend
from findeep.models.bagged import BaggedNetwork
from findeep.models.inference import inference_forward
from findeep.models.registry import build_model, shared_architecture_options
from findeep.testing import make_credit_frame

LEVELS = {"level_one_hot_max": 10}


@pytest.fixture(scope="module")
def table() -> tuple[pd.DataFrame, pd.Series]:
    """300 credit rows plus coded numerics whose rarest value sits in one row only, so
    one member of a 5-fold bag never sees it among its fit rows."""
    frame = make_credit_frame(300, seed=0)
    y = frame.pop("default")
    rng = np.random.default_rng(0)
    frame["n_products"] = rng.integers(0, 8, len(frame))  # 8 counts: numeric, not categorical
    frame.loc[5, "n_products"] = 12
    frame["grade"] = rng.integers(0, 4, len(frame)) + 0.5
    frame.loc[7, "grade"] = 9.5
    frame["bureau_score"] = rng.normal(600, 50, len(frame)).round()
    frame.loc[:9, "bureau_score"] = 999  # a special code
    return frame, y


def three_classes(frame: pd.DataFrame, y: pd.Series) -> pd.Series:
    rich = frame["income"] > frame["income"].median()
    return pd.Series(np.where(y == 1, "bad", np.where(rich, "good", "fair")))


def test_a_level_absent_from_a_members_rows_still_bags(table, tmp_path):
    """The reported case: level one-hot options under the default bagging train 5 members
    that score the same after a save and load, and in small and large batches alike."""
    X, y = table
    model = findeep.TabularClassifier(max_epochs=2, model_options=LEVELS).fit(X, y)
    network = model.pipeline_.network  # the bag, inside the additive path where one was kept
    network = network.inner if isinstance(network, AdditiveBlend) else network
    assert isinstance(network, BaggedNetwork) and network.n_members == 5
    assert model.training_["bagging"]["members"] == 5
    loaded = findeep.load(model.save(tmp_path / "levels"))
    np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X), atol=1e-6)
    x_num, x_cat, _ = model.pipeline_.transform(X.head(40))
    x_num, x_cat = torch.from_numpy(x_num), torch.from_numpy(x_cat)
    with torch.inference_mode():  # 40 rows: the stacked pass over all members
        torch.testing.assert_close(inference_forward(network)(x_num, x_cat),
                                   network(x_num, x_cat), atol=1e-5, rtol=0)


def test_a_member_ignores_a_level_it_never_trained_on(table):
    """Row 5's count (12) is absent from exactly one member's fit rows: that member's score
    does not move when the indicator is switched off, every other member's does."""
    X, y = table
    model = findeep.TabularClassifier(max_epochs=2, bagging=5, model_options=LEVELS).fit(X, y)
    x_num, x_cat, _ = model.pipeline_.transform(X.iloc[[5]])
    x_num, x_cat = torch.from_numpy(x_num), torch.from_numpy(x_cat)
    column = model.pipeline_.preprocessor.numeric_feature_names.index("n_products")
    indifferent = []
    for member in model.pipeline_.network.members:
        slots = member.embedding_slots()
        indicator = [i for i, slot in enumerate(slots) if slot == ("num", column)][-1]
        with torch.no_grad():
            z = member.embed(x_num, x_cat)
            assert z[0, indicator] == 1.0  # the last level of the column is 12
            off = z.clone()
            off[0, indicator] = 0.0
            moved = (member.forward_embedded(z) - member.forward_embedded(off)).abs().max()
        indifferent.append(bool(moved < 1e-7))
    assert sum(indifferent) == 1


def test_members_built_on_different_rows_share_one_architecture():
    """With the shape read from all rows once, members fitted on row subsets that see
    different code values join one bag (building each from its own rows alone would not)."""
    rng = np.random.default_rng(0)
    x_all = np.column_stack([rng.integers(0, 4, 100), rng.normal(size=100)]).astype(np.float32)
    x_all[0, 0] = 9.0  # a value only the first row holds
    options = shared_architecture_options("default", x_all, {**LEVELS, "plain_max_values": 4})
    members = [build_model("default", n_num=2, cardinalities=[], n_out=1,
                           x_num_train=x_all[rows], options=options)
               for rows in (np.arange(100), np.arange(1, 100))]
    bag = BaggedNetwork(members)
    assert bag.config["level_counts"] == [5, 0]
    # 5 values in all: both members bin the column (the second holds 4, plain on its own)
    assert all(bool((member.encoding.left[0] < 1e3).any()) for member in members)
    alone = [build_model("default", n_num=2, cardinalities=[], n_out=1, x_num_train=x_all[rows],
                         options=LEVELS).config["level_counts"]
             for rows in (np.arange(100), np.arange(1, 100))]
    assert alone == [[5, 0], [4, 0]]


# every option of `default` a user may set, and the fit arguments that change the network
SWEEP = {
    "k": {"model_options": {"k": 2}},
    "n_bins": {"model_options": {"n_bins": 4}},
    "no bins": {"model_options": {"n_bins": 0}},
    "d_embedding": {"model_options": {"d_embedding": 4}},
    "d_block": {"model_options": {"d_block": 32}},
    "n_blocks": {"model_options": {"n_blocks": 1}},
    "dropout": {"model_options": {"dropout": 0.1}},
    "one_hot_max": {"model_options": {"one_hot_max": 8}},
    "wide": {"model_options": {"wide": True}},
    "wide additive + levels": {"model_options": {"wide": "additive", **LEVELS}},
    "plain_max_values + levels": {"model_options": {"plain_max_values": 10, **LEVELS}},
    "monotone + levels": {"model_options": {"monotone": {"income": "-"}, **LEVELS}},
    "feature_fraction + input_noise + group_lasso": {"model_options": {
        "feature_fraction": 0.5, "input_noise": 0.1, "group_lasso": 1e-3}},
    "special_values": {"special_values": {"bureau_score": [999]}},
    "class_weight": {"class_weight": "balanced"},
    "multiclass + levels": {"target": "multiclass", "model_options": LEVELS},
    "multiclass + class_weight": {"target": "multiclass", "class_weight": "balanced"},
    "regression + levels": {"target": "regression", "model_options": LEVELS},
}


@pytest.mark.parametrize("case", list(SWEEP))
def test_every_option_bags_or_quietly_trains_one_network(table, case, tmp_path):
    """The default bagging bags a classifier (5 members) and quietly trains one network for
    a regression; the fit scores, and scores the same after a save and load."""
    X, y = table
    options = dict(SWEEP[case])
    kind = options.pop("target", "binary")
    if kind == "multiclass":
        y = three_classes(X, y)
    if kind == "regression":
        X, y = X.drop(columns="utilization"), X["utilization"]
        model = findeep.TabularRegressor(max_epochs=1, **options).fit(X, y)
        scored = model.predict(X)
        assert model.training_["bagging"]["members"] == 1
    else:
        model = findeep.TabularClassifier(max_epochs=1, **options).fit(X, y)
        scored = model.predict_proba(X)
        assert model.training_["bagging"]["members"] == 5
        np.testing.assert_allclose(scored.sum(axis=1), 1.0, atol=1e-5)
    assert np.isfinite(scored).all()
    loaded = findeep.load(model.save(tmp_path / "model"))
    again = loaded.predict(X) if kind == "regression" else loaded.predict_proba(X)
    np.testing.assert_allclose(again, scored, atol=1e-5)
