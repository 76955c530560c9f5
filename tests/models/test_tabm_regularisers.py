"""`default`'s optional regularisers for small or wide, noisy tables: random column subsets
per member, input noise, a first-layer group lasso, a per-member bootstrap of rows."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from findeep.errors import ConfigError
from findeep.models.inference import _FusedTabM
from findeep.models.tabm_ple import TabMPLE
from findeep.pipeline import fit_tabular, pipeline_from_bundle, pipeline_to_bundle
from findeep.testing import make_credit_frame


def _model(**options) -> TabMPLE:
    torch.manual_seed(0)
    x_train = np.random.default_rng(0).normal(size=(80, 4)).astype(np.float32)
    return TabMPLE(n_num=4, cardinalities=[5, 30], n_out=1, k=4, x_num_train=x_train,
                   **options)


def _inputs() -> tuple[torch.Tensor, torch.Tensor]:
    return torch.randn(6, 4), torch.tensor([[0, 1], [4, 29], [2, 7], [1, 0], [3, 3], [0, 12]])


def test_each_member_sees_only_its_own_columns() -> None:
    """feature_fraction 0.5: each member keeps 3 of the 6 input columns, every slot of a
    column together; changing a column a member does not see leaves that member's logit."""
    model = _model(feature_fraction=0.5).eval()
    slots = model.embedding_slots()[:model.d_in]
    mask = model.member_mask
    for member in range(4):
        kept = {slot for slot, on in zip(slots, mask[member].tolist(), strict=True) if on}
        assert len(kept) == 3
        assert all(mask[member, i] == 1 for i, slot in enumerate(slots) if slot in kept)
    x_num, x_cat = _inputs()
    position = [slots.index(("num", j)) for j in range(4)]
    unseen = [j for j in range(4)  # hidden from member 0, seen by another
              if mask[0, position[j]] == 0 and mask[1:, position[j]].any()]
    assert unseen, "the draw left member 0 no numeric column another member sees"
    moved = x_num.clone()
    moved[:, unseen[0]] += 5.0
    with torch.no_grad():
        before, after = model(x_num, x_cat), model(moved, x_cat)
        torch.testing.assert_close(after[:, 0], before[:, 0])
        assert not torch.allclose(after, before)  # another member does see it
        fused = _FusedTabM.from_network(model)
        assert fused is not None
        torch.testing.assert_close(fused(x_num, x_cat), before, atol=1e-5, rtol=1e-5)


def test_input_noise_is_added_while_training_only() -> None:
    model = _model(input_noise=0.5)
    x_num, x_cat = _inputs()
    with torch.no_grad():
        model.eval()
        torch.testing.assert_close(model(x_num, x_cat), model(x_num, x_cat))
        torch.testing.assert_close(model(x_num, x_cat), _model().eval()(x_num, x_cat))
        model.train()
        assert not torch.allclose(model(x_num, x_cat), model(x_num, x_cat))


def test_the_group_lasso_sums_one_norm_per_input_column() -> None:
    model = _model(group_lasso=0.01)
    weight = model.backbone[0].weight
    slots = model.embedding_slots()[:model.d_in]
    expected = sum(weight[:, [i for i, s in enumerate(slots) if s == column]].norm()
                   for column in dict.fromkeys(slots))
    torch.testing.assert_close(model.penalty(), 0.01 * expected)
    assert _model().penalty() is None


@pytest.mark.parametrize("options", [{"feature_fraction": 0.0}, {"feature_fraction": 1.5},
                                     {"input_noise": -0.1}, {"group_lasso": -1.0}])
def test_out_of_range_regularisers_are_refused(options) -> None:
    with pytest.raises(ConfigError):
        _model(**options)


@pytest.mark.parametrize("options", [
    {"model_options": {"feature_fraction": 0.5, "input_noise": 0.1, "group_lasso": 1e-3}},
    {"member_bootstrap": True},
    {"member_bootstrap": True, "bagging": 2},
])
def test_a_regularised_fit_is_deterministic_and_survives_its_bundle(options) -> None:
    """Same data and seed give the same scores; the bundle keeps each member's columns."""
    frame = make_credit_frame(400, seed=3).drop(columns=["applied_on"])
    X, y = frame.drop(columns=["default"]), frame["default"]
    options = {"bagging": 1, **options}
    first = fit_tabular(X, y, verbose=0, max_epochs=3, **options)
    second = fit_tabular(X, y, verbose=0, max_epochs=3, **options)
    scored = first.predict_raw(X)[0]
    np.testing.assert_array_equal(scored, second.predict_raw(X)[0])
    loaded = pipeline_from_bundle(*pipeline_to_bundle(first))
    np.testing.assert_allclose(loaded.predict_raw(X)[0], scored, atol=1e-6)
    plain = fit_tabular(X, y, verbose=0, max_epochs=3,
                        bagging=options["bagging"]).predict_raw(X)[0]
    assert not np.allclose(plain, scored)  # the option changed the fit
