"""`default`'s optional wide (linear) path and its unencoded low-cardinality numerics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from findeep.explain import column_attributions
from findeep.models.inference import _FusedTabM
from findeep.models.tabm_ple import TabMPLE
from findeep.pipeline import fit_tabular, pipeline_from_bundle, pipeline_to_bundle
from findeep.testing import make_credit_frame


def _wide_model(n_out: int = 1) -> TabMPLE:
    torch.manual_seed(0)
    x_train = np.random.default_rng(0).normal(size=(80, 3)).astype(np.float32)
    return TabMPLE(n_num=3, cardinalities=[4, 6], n_out=n_out, k=2, wide=True,
                   x_num_train=x_train).eval()


@pytest.mark.parametrize("n_out", [1, 3])
def test_the_wide_path_adds_a_linear_model_to_every_members_logit(n_out: int) -> None:
    """Zero at the start (the deep part unchanged); once set, each member's logit gains
    w . x_num + the weights of the row's categorical levels, on both forward passes."""
    model = _wide_model(n_out)
    x_num = torch.randn(5, 3)
    x_cat = torch.tensor([[0, 1], [3, 5], [2, 0], [1, 4], [0, 0]])
    with torch.no_grad():
        before = model(x_num, x_cat)
        plain = TabMPLE(**{**model.config, "wide": False})
        plain.load_state_dict({k: v for k, v in model.state_dict().items()
                               if not k.startswith("wide")}, strict=False)
        torch.testing.assert_close(before, plain.eval()(x_num, x_cat))
        model.wide_num.normal_()
        for table in model.wide_cat:
            table.weight.normal_()
        linear = (x_num @ model.wide_num + model.wide_cat[0](x_cat[:, 0])
                  + model.wide_cat[1](x_cat[:, 1])).view(5, 2, n_out)
        torch.testing.assert_close(model(x_num, x_cat), before + linear)
        fused = _FusedTabM.from_network(model)
        assert fused is not None
        torch.testing.assert_close(fused(x_num, x_cat), model(x_num, x_cat), atol=1e-5,
                                   rtol=1e-5)
    assert len(model.embedding_slots()) == model.embed(x_num, x_cat).shape[1]


def test_the_additive_path_is_linear_in_the_whole_embedding() -> None:
    """wide="additive": the logit gains a linear function of every embedded slot, so the
    fused scoring pass and the attributions' slot map still cover it."""
    torch.manual_seed(0)
    x_train = np.random.default_rng(0).normal(size=(80, 3)).astype(np.float32)
    model = TabMPLE(n_num=3, cardinalities=[4], n_out=1, k=2, wide="additive",
                    x_num_train=x_train).eval()
    x_num, x_cat = torch.randn(5, 3), torch.tensor([[0], [3], [2], [1], [0]])
    with torch.no_grad():
        before = model(x_num, x_cat)
        model.wide_num.normal_()
        embedded = model.embed(x_num, x_cat)
        added = (embedded[:, :model.d_in] @ model.wide_num).view(5, 2, 1)
        torch.testing.assert_close(model(x_num, x_cat), before + added)
        torch.testing.assert_close(_FusedTabM.from_network(model)(x_num, x_cat),
                                   model(x_num, x_cat), atol=1e-5, rtol=1e-5)
    assert len(model.embedding_slots()) == embedded.shape[1]


def test_numerics_with_few_values_skip_the_piecewise_linear_encoding() -> None:
    """With plain_max_values=5, a 4-valued code column's bin encoding is all zeros while a
    continuous column is encoded; without the option both are encoded."""
    rng = np.random.default_rng(0)
    x_train = np.column_stack([rng.integers(0, 4, 200), rng.normal(size=200)]).astype(np.float32)
    x = torch.from_numpy(x_train[:20])
    plain = TabMPLE(n_num=2, cardinalities=[], n_out=1, plain_max_values=5, x_num_train=x_train)
    encoded = plain.encoding(x)  # (B, F, T)
    assert encoded[:, 0].abs().sum() == 0 and encoded[:, 1].abs().sum() > 0
    usual = TabMPLE(n_num=2, cardinalities=[], n_out=1, x_num_train=x_train)
    assert usual.encoding(x)[:, 0].abs().sum() > 0


@pytest.fixture(scope="module")
def wide_fit() -> tuple[pd.DataFrame, object]:
    frame = make_credit_frame(600, seed=3).drop(columns=["applied_on"])
    X, y = frame.drop(columns=["default"]), frame["default"]
    options = {"wide": True, "plain_max_values": 12}  # one network: its wide path is read
    first = fit_tabular(X, y, seed=0, verbose=0, max_epochs=6, model_options=options, bagging=1)
    second = fit_tabular(X, y, seed=0, verbose=0, max_epochs=6, model_options=options,
                         bagging=1)
    return X, first, second


def test_a_wide_model_is_deterministic_and_survives_its_bundle(wide_fit) -> None:
    """Same data and seed give the same scores; the bundle round trip keeps them exactly."""
    X, first, second = wide_fit
    scores = first.predict_raw(X)[0]
    np.testing.assert_array_equal(scores, second.predict_raw(X)[0])
    assert first.network.wide_num.abs().sum() > 0  # the linear path was trained
    meta, tensors = pipeline_to_bundle(first)
    loaded = pipeline_from_bundle(meta, tensors)
    np.testing.assert_array_equal(loaded.predict_raw(X)[0], scores)


def test_a_wide_models_attributions_stay_complete(wide_fit) -> None:
    """Integrated gradients still sum to the change in log-odds, the linear path included."""
    X, first, _ = wide_fit
    result = column_attributions(first, X.head(60))
    moved = result.output - result.baseline_output
    assert np.abs(result.values.sum(axis=1) - moved).max() < 0.02


def test_numerics_with_few_values_are_also_offered_one_hot() -> None:
    """level_one_hot_max=5: a 4-valued code column gains 4 indicators (a value unseen in
    training sets none), a binary or continuous one gains none; the config rebuilds the same
    layout for a bundle and the slots map the indicators back to their column."""
    rng = np.random.default_rng(0)
    x_train = np.column_stack([rng.integers(0, 4, 200), rng.integers(0, 2, 200),
                               rng.normal(size=200)]).astype(np.float32)
    model = TabMPLE(n_num=3, cardinalities=[], n_out=1, k=2, level_one_hot_max=5,
                    x_num_train=x_train)
    assert model.config["level_counts"] == [4, 0, 0]
    x_num = torch.tensor([[2.0, 1.0, 0.3], [7.0, 0.0, -1.0]])
    no_cat = torch.zeros(2, 0, dtype=torch.long)
    embedded = model.embed(x_num, no_cat)
    torch.testing.assert_close(embedded[:, -4:], torch.tensor([[0, 0, 1.0, 0], [0, 0, 0, 0]]))
    assert model.embedding_slots()[-4:] == [("num", 0)] * 4
    rebuilt = TabMPLE(**model.config)
    rebuilt.load_state_dict(model.state_dict(), strict=True)
    torch.testing.assert_close(rebuilt.embed(x_num, no_cat), embedded)
