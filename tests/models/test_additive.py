"""The additive path (``model_options={"additive": True}``): a per-column model beside the
network, weighted by the cross-fitted bag's out-of-fold rows, carried by every consumer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import findeep
from findeep.errors import ConfigError
from findeep.models.additive import (
    BIN_SCALE,
    WEIGHTS,
    AdditiveBlend,
    AdditivePath,
    blend_choice,
    wrap_additive,
)
from findeep.models.inference import inference_forward
from findeep.models.tabm_ple import TabMPLE


def additive_frame(n: int, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """A binary target that is a sum of per-column effects (a step, a wave, a bowl, a level)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"a": rng.uniform(-1, 1, n), "b": rng.uniform(-1, 1, n),
                          "c": rng.normal(size=n),
                          "region": rng.choice(["north", "south", "east", "west"], n)})
    logit = (2.0 * (frame["a"] > 0.3) + np.sin(3 * frame["b"]) - 0.8 * frame["c"] ** 2
             + frame["region"].map({"north": 0.8, "south": -0.8, "east": 0.0, "west": 0.3}))
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return frame, pd.Series(y, name="event")


def share_of(network: np.ndarray, additive: np.ndarray, y: np.ndarray) -> float:
    """The share ``blend_choice`` gives today's one path (bins at ``BIN_SCALE``)."""
    return blend_choice(network, {BIN_SCALE: additive}, y)[1]


@pytest.fixture(scope="module")
def fitted() -> findeep.TabularClassifier:
    X, y = additive_frame(1_000, seed=0)
    return findeep.TabularClassifier(max_epochs=4, model_options={"additive": True}).fit(X, y)


def test_the_path_one_hots_only_narrow_categoricals_and_names_every_slot() -> None:
    x = np.random.default_rng(0).normal(size=(200, 2)).astype(np.float32)
    path = AdditivePath(n_num=2, cardinalities=[5, 40], x_num_train=x)
    basis = path.basis(torch.from_numpy(x[:7]), torch.tensor([[1, 3]] * 7))
    # per numeric: its value, 16 bin fills and its own-scale value; the 40-level column out
    assert basis.shape == (7, 2 * 18 + 5) == (7, path.width)
    slots = path.basis_slots()
    assert len(slots) == path.width and ("cat", 1) not in slots
    assert slots[-2:] == [("num", 0), ("num", 1)]  # the own-scale values come last
    assert basis[:, -7:-2].sum(dim=1).tolist() == [1.0] * 7  # one level on per row


def test_the_path_fits_a_step_the_network_basis_can_express() -> None:
    """Fitted by logistic regression on the spline basis, the path ranks a step effect
    almost perfectly (a linear model on the raw value could not)."""
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, size=(2_000, 1)).astype(np.float32)
    y = ((np.abs(x[:, 0]) > 0.5) ^ (rng.random(2_000) < 0.05)).astype(int)  # a U, 5% flipped
    path = AdditivePath(n_num=1, cardinalities=[], x_num_train=x)
    path.fit(x, np.zeros((2_000, 0), dtype=np.int64), y)
    with torch.no_grad():
        score = path(torch.from_numpy(x), torch.zeros(2_000, 0, dtype=torch.long)).numpy()
    assert roc_auc_score(y, score) > 0.93
    assert roc_auc_score(y, x[:, 0]) < 0.6


def test_the_path_reaches_the_penalised_optimum_of_its_logistic_regression() -> None:
    """The path is the L2 logistic regression on its basis, fitted to its optimum: its logits
    match a fit run to a tight tolerance (a loose iterative fit stops visibly short on a
    collinear spline basis). A 0/1 flag leaves bin fills that are zero on every row: the
    fit leaves them out, and they get weight 0, as at the optimum."""
    from sklearn.linear_model import LogisticRegression

    X, y = additive_frame(1_500, seed=3)
    flag = (X["c"] > 0.5).astype(np.float32).to_numpy()[:, None]
    x_num = np.hstack([X[["a", "b", "c"]].to_numpy(np.float32), flag])
    x_cat = X["region"].map({"north": 0, "south": 1, "east": 2, "west": 3}).to_numpy()[:, None]
    path = AdditivePath(n_num=4, cardinalities=[4], x_num_train=x_num)
    path.fit(x_num, x_cat, y.to_numpy())
    with torch.no_grad():
        basis = path.basis(torch.from_numpy(x_num), torch.from_numpy(x_cat)).double().numpy()
        logits = path(torch.from_numpy(x_num), torch.from_numpy(x_cat)).numpy()
    unused = np.abs(basis).sum(axis=0) == 0
    assert unused.sum() >= 10 and (path.linear.weight[0, torch.from_numpy(unused)] == 0).all()
    optimum = LogisticRegression(C=1.0, tol=1e-12, max_iter=100_000).fit(basis, y.to_numpy())
    assert np.abs(logits - optimum.decision_function(basis)).max() < 5e-3


def test_the_blend_is_the_same_through_every_route() -> None:
    """``forward``, ``forward_embedded(embed(..))`` (what explanations differentiate) and the
    scoring fast path give the same logits; share 0 gives the inner network's."""
    x = np.random.default_rng(2).normal(size=(128, 3)).astype(np.float32)
    codes = torch.randint(0, 4, (128, 1))
    inner = TabMPLE(n_num=3, cardinalities=[4], n_out=1, k=4, x_num_train=x)
    path = AdditivePath(n_num=3, cardinalities=[4], x_num_train=x)
    path.fit(x, codes.numpy(), (x[:, 0] > 0).astype(int))
    blend = AdditiveBlend(inner, weight=0.5, path=path).eval()
    xt = torch.from_numpy(x)
    with torch.no_grad():
        direct = blend(xt, codes)
        embedded = blend.forward_embedded(blend.embed(xt, codes))
        fast = inference_forward(blend)(xt, codes)
        expected = 0.5 * inner(xt, codes) + 0.5 * path(xt, codes)[:, None, None]
        nothing = AdditiveBlend(inner, weight=0.0, path=path)(xt, codes)
    assert direct.shape == (128, 4, 1)
    torch.testing.assert_close(direct, expected)
    torch.testing.assert_close(embedded, direct)
    torch.testing.assert_close(fast, direct, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(nothing, inner(xt, codes))
    assert len(blend.embedding_slots()) == blend.embed(xt, codes).shape[1]


def test_the_share_is_the_one_that_ranks_the_out_of_fold_rows_best() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 400)
    signal = y + rng.normal(scale=0.8, size=400)
    noise = rng.normal(size=400)
    network = np.stack([noise, noise], axis=1)  # a network that learnt nothing
    assert share_of(network, signal, y) == max(WEIGHTS)
    good_network = np.stack([signal, signal], axis=1)
    assert share_of(good_network, noise, y) == 0.0  # noise never helps: no path
    assert share_of(good_network, signal, y) == 0.0  # a tie keeps the network alone


def test_a_fit_records_its_share_scores_as_it_was_validated_and_round_trips(
        fitted, tmp_path) -> None:
    """On an additive target the out-of-fold rows give the path a share; the saved and
    loaded model scores identically, and its explanations still add up to the score."""
    X, _ = additive_frame(300, seed=9)
    share = fitted.training_["additive"]["weight"]
    assert share in WEIGHTS and share > 0
    network = fitted.pipeline_.network
    assert isinstance(network, AdditiveBlend) and float(network.share) == share
    loaded = findeep.load(fitted.save(tmp_path / "additive"))
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))
    assert isinstance(loaded.pipeline_.network, AdditiveBlend)
    explained = fitted.explain(X.head(40))
    assert explained.filter(like="attribution__").shape[1] == X.shape[1]


def test_same_data_and_seed_give_the_same_blend() -> None:
    X, y = additive_frame(500, seed=4)
    runs = [findeep.TabularClassifier(max_epochs=3, model_options={"additive": True})
            .fit(X, y) for _ in range(2)]
    assert runs[0].training_["additive"] == runs[1].training_["additive"]
    np.testing.assert_array_equal(runs[0].predict_proba(X), runs[1].predict_proba(X))


def test_the_path_is_refused_where_it_cannot_be_fitted_or_weighed() -> None:
    X, y = additive_frame(300, seed=5)
    with pytest.raises(ConfigError, match="binary classification"):
        findeep.TabularRegressor(max_epochs=2, model_options={"additive": True}).fit(
            X, X["c"] + y)
    with pytest.raises(ConfigError, match="binary classification"):
        findeep.TabularClassifier(max_epochs=2, model_options={"additive": True}).fit(
            X.drop(columns="region"), X["region"])
    with pytest.raises(ConfigError, match="trains one network"):
        findeep.TabularClassifier(max_epochs=2, bagging=1,
                                  model_options={"additive": True}).fit(X, y)
    with pytest.raises(ConfigError, match="not monotone"):
        findeep.TabularClassifier(max_epochs=2, model_options={
            "additive": True, "monotone": {"a": "+"}}).fit(X, y)
    with pytest.raises(ConfigError, match="True or False"):
        findeep.TabularClassifier(max_epochs=2, model_options={"additive": "yes"}).fit(X, y)


@pytest.mark.parametrize(("context", "remedy"), [
    ({}, "use bagging='auto' or >= 2."),
    ({"auto_reason": "bagging 'auto' applies to the default model only"},
     "use bagging >= 2."),
    ({"times": True, "auto_reason": "a time column makes validation out-of-time"},
     "drop the time column or the additive path."),
    ({"streamed": True}, "use bagging='auto'."),
])
def test_a_one_network_refusal_names_a_remedy_that_works_there(context, remedy) -> None:
    """Each refusal's remedy is one the fit can take: a time column never cross-fits, and
    streamed training has no explicit bags, so neither is told to ask for one."""
    from findeep.pipeline import check_additive

    arguments = {"auto_reason": None, **context}
    with pytest.raises(ConfigError) as refused:
        check_additive({"additive": True}, model="default", task="binary", bagging=1,
                       **arguments)
    assert str(refused.value).endswith(remedy)


def test_an_additive_model_exports_to_onnx_with_parity(fitted, tmp_path) -> None:
    """The blend traces like any network: the exported graph agrees with PyTorch."""
    pytest.importorskip("onnxruntime")
    from findeep.export.onnx import export_onnx

    summary = export_onnx(fitted.pipeline_, tmp_path / "additive.onnx")
    assert summary["max_abs_diff"] <= summary["tolerance"]


def test_the_training_summary_says_what_share_the_path_got(fitted) -> None:
    from findeep.views import bagging_line

    share = fitted.training_["additive"]["weight"]
    assert (f"additive path: {share:.0%} of the logit (chosen on the out-of-fold rows)"
            in bagging_line(fitted.training_))
    unused = {**fitted.training_, "additive": {"weight": 0.0}}
    assert "additive path: not used" in bagging_line(unused)
    # streamed training picks the share on its validation rows, and says so
    streamed = {**fitted.training_, "additive": {
        "weight": 0.25, "chosen_on": "the validation rows (streamed)"}}
    assert ("additive path: 25% of the logit (chosen on the validation rows)"
            in bagging_line(streamed))
    plain = {k: v for k, v in fitted.training_.items() if k != "additive"}
    assert "additive" not in bagging_line(plain)


def test_the_path_is_refused_beside_other_architectures() -> None:
    X, y = additive_frame(300, seed=6)
    with pytest.raises(ConfigError, match="default and mlp"):
        findeep.TabularClassifier(model="ft-transformer", max_epochs=1,
                                  model_options={"additive": True}).fit(X, y)


def test_the_benchmark_compares_default_with_and_without_the_path_on_the_same_folds() -> None:
    """`findeep benchmark --models default,default-no-additive,...` fits both on the same
    folds: on a binary target `default` carries the path (its score differs where the path
    got a share), `default-additive` is the same model as `default`, and the verdict treats
    the variants as networks."""
    from findeep.benchmark import run_benchmark

    X, y = additive_frame(600, seed=7)
    frame = X.assign(event=y)
    models = ["default", "default-no-additive", "default-additive", "logreg"]
    result = run_benchmark(frame, "event", models=models, n_folds=2, verbose=0)
    assert result.models == models
    folds = {(f["model"], f["fold"]) for f in result.folds}
    assert folds == {(m, k) for m in result.models for k in (0, 1)}
    with_path, without = result.predictions["default"], result.predictions["default-no-additive"]
    assert any(not np.allclose(a, b) for a, b in zip(with_path, without, strict=True))
    for a, b in zip(with_path, result.predictions["default-additive"], strict=True):
        np.testing.assert_allclose(a, b, atol=1e-7)
    from findeep.evaluate.verdicts import verdict_lines

    summary = result.summary()
    best = max(models[:3], key=lambda m: summary[m]["roc_auc_mean"])
    assert any(line.startswith(f"{best} (best network) vs logreg")
               for line in verdict_lines(result.to_dict()))


def test_the_default_carries_the_path_only_where_it_is_the_default(tmp_path) -> None:
    """Left at its options, a binary `default` fit with bagging="auto" takes the path (and
    says so in its record); `{"additive": False}`, an explicit bagging, a regression or a
    monotone constraint leave it off without a word; a saved default scores the same."""
    X, y = additive_frame(500, seed=11)
    fitted = findeep.TabularClassifier(max_epochs=3).fit(X, y)
    assert "additive" in fitted.training_
    assert fitted.training_["model_options"] == {"additive": True}
    loaded = findeep.load(fitted.save(tmp_path / "default"))
    np.testing.assert_allclose(loaded.predict_proba(X), fitted.predict_proba(X), atol=1e-6)
    off = findeep.TabularClassifier(max_epochs=3, model_options={"additive": False}).fit(X, y)
    assert "additive" not in off.training_ and off.training_["model_options"] == {}
    assert "additive" not in findeep.TabularClassifier(max_epochs=3, bagging=3).fit(
        X, y).training_
    assert "additive" not in findeep.TabularClassifier(
        max_epochs=3, model_options={"monotone": {"a": "+"}}).fit(X, y).training_
    assert "additive" not in findeep.TabularRegressor(max_epochs=3).fit(
        X, X["a"] + y).training_


def test_the_benchmark_variant_says_in_one_line_where_the_path_does_not_apply() -> None:
    from findeep.benchmark import run_benchmark

    X, _ = additive_frame(200, seed=8)
    with pytest.raises(ConfigError, match="binary classification"):
        run_benchmark(X, "c", models=["default-additive"], n_folds=2, verbose=0)


def test_a_basis_too_wide_for_the_closed_form_fit_leaves_the_network_alone(monkeypatch) -> None:
    """Past ``MAX_BASIS_COLUMNS`` the path is not fitted (its Newton fit's memory grows with
    the square of the width: 34,000 columns asked for 8.6 GiB), and the summary says why."""
    import findeep.models.additive as additive
    from findeep.views import bagging_line

    X, y = additive_frame(400, seed=3)
    width = additive.basis_width(3, [5])  # four regions and the unseen level
    assert width == 3 * 18 + 5
    monkeypatch.setattr(additive, "MAX_BASIS_COLUMNS", width - 1)
    model = findeep.TabularClassifier(max_epochs=2, bagging=2,
                                      model_options={"additive": True}).fit(X, y)
    training = model.training_
    assert training["additive"] == {"weight": 0.0,
                                    "skipped": f"{width} basis columns, over {width - 1}"}
    assert not isinstance(model.pipeline_.network, AdditiveBlend)
    assert f"additive path: not fitted ({width} basis columns" in bagging_line(training)
    monkeypatch.setattr(additive, "MAX_BASIS_COLUMNS", width)  # at the cap: fitted
    again = findeep.TabularClassifier(max_epochs=2, bagging=2,
                                      model_options={"additive": True}).fit(X, y)
    assert "skipped" not in again.training_["additive"]


def test_a_risk_linear_in_the_amount_itself_is_one_weight_on_the_own_scale_column() -> None:
    """The second form reads each numeric column on its own scale beside the quantile-scaled
    one: where the log-odds are a line in the amount (ISLR Default's balance), the fitted
    path ranks as logistic regression on the raw column does, and its bends stay small."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    from findeep.data.schema import infer_schema
    from findeep.features.tabular import TabularPreprocessor

    rng = np.random.default_rng(4)
    amount = rng.gamma(2.0, 500.0, size=6_000)  # skewed, as balances are
    y = (rng.random(6_000) < 1 / (1 + np.exp(-(amount - 2_500) / 300))).astype(int)
    frame = pd.DataFrame({"amount": amount})
    pre = TabularPreprocessor().fit(frame, infer_schema(frame, warn=False))
    x_num, x_cat, _ = pre.transform(frame)
    raw = pre.unscaled(frame, x_num)
    np.testing.assert_allclose(raw[:, 0], amount)
    fit, test = slice(0, 3_000), slice(3_000, None)
    path = AdditivePath(n_num=1, cardinalities=[], x_num_train=x_num[fit],
                        x_raw_train=raw[fit]).fit(x_num[fit], x_cat[fit], y[fit])
    own_scale = path.raw(torch.from_numpy(x_num[test]))[:, 0].numpy()
    # the 32-piece map gives back the amount, robust-standardised: 99% of rows to within 3%
    # of its IQR, the sparse tail's worst to within 10%
    q1, median, q3 = np.quantile(amount[fit], [0.25, 0.5, 0.75])
    inside = (amount[test] >= amount[fit].min()) & (amount[test] <= amount[fit].max())
    error = np.abs(own_scale - (amount[test] - median) / (q3 - q1))[inside]
    assert np.quantile(error, 0.99) < 0.03 and error.max() < 0.1
    with torch.no_grad():
        scores = path(torch.from_numpy(x_num[test]), torch.from_numpy(x_cat[test])).numpy()
    logistic = LogisticRegression().fit(amount[fit, None], y[fit])
    reference = roc_auc_score(y[test], logistic.decision_function(amount[test, None]))
    assert roc_auc_score(y[test], scores) >= reference - 0.001
    weights = path.linear.weight[0].detach().numpy()
    assert abs(weights[-1]) > np.abs(weights[1:-1]).max()  # the line carries it, not bins


def test_a_path_saved_in_the_first_form_scores_as_it_was_trained(tmp_path) -> None:
    """Bundles written before the second form hold ``{"weight": w}`` and 17 basis columns
    per numeric: they rebuild as the first form and score exactly as before."""
    import json

    from findeep.models.additive import AdditiveBlend, AdditivePath
    from findeep.models.registry import build_model

    x = np.random.default_rng(5).normal(size=(300, 3)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(int)
    inner = build_model("default", n_num=3, cardinalities=[], n_out=1, x_num_train=x)
    old = AdditiveBlend(inner, weight=0.5, path=AdditivePath(
        n_num=3, cardinalities=[], x_num_train=x, form=1).fit(x, np.zeros((300, 0), int), y))
    assert old.config["additive"] == {"weight": 0.5}  # the document as older findeep wrote it
    config = json.loads(json.dumps(old.config))
    rebuilt = build_model("default", n_num=config.pop("n_num"),
                          cardinalities=config.pop("cardinalities"), n_out=config.pop("n_out"),
                          options=config)
    rebuilt.load_state_dict(old.state_dict(), strict=True)
    rebuilt.eval(), old.eval()
    with torch.no_grad():
        a = old(torch.from_numpy(x), torch.zeros(300, 0, dtype=torch.long))
        b = rebuilt(torch.from_numpy(x), torch.zeros(300, 0, dtype=torch.long))
    assert torch.equal(a, b)
    assert rebuilt.additive.form == 1 and rebuilt.additive.raw is None


def test_a_new_path_records_its_form_and_an_unknown_form_is_refused(fitted, tmp_path) -> None:
    from findeep.models.additive import wrap_additive
    from findeep.models.registry import build_model

    assert fitted.training_["additive"]["weight"] > 0  # the path is kept on this table
    network = fitted.pipeline_.network
    assert network.config["additive"]["form"] == 2 and network.additive.raw is not None
    loaded = findeep.load(fitted.save(tmp_path / "m"))
    assert loaded.pipeline_.network.additive.form == 2
    X, _ = additive_frame(200, seed=9)
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))
    inner = build_model("default", n_num=2, cardinalities=[], n_out=1)
    with pytest.raises(ConfigError, match="form is 1 or 2"):
        wrap_additive(inner, {"weight": 0.5, "form": 3})


def test_an_outlier_far_past_float32_leaves_the_path_finite() -> None:
    """A column with an IQR of about 1 and values of 1e40 (a sentinel, a unit slip): its own
    scale is clipped at RAW_CLIP, so the path trains and scores finite numbers (unclipped,
    float32 infinities made the basis NaN and training raised scikit-learn's ValueError)."""
    rng = np.random.default_rng(7)
    n = 2_000
    x = rng.normal(size=n)
    x[:3] = [1e40, -1e39, 5e38]
    z = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(z + 0.5 * np.clip(x, -3, 3))))).astype(int)
    X = pd.DataFrame({"x": x, "z": z})
    model = findeep.TabularClassifier(max_epochs=3, model_options={"additive": True}).fit(X, y)
    assert np.isfinite(model.predict_proba(X)).all()
    scaled = np.array([[-1.0], [-0.5], [0.0], [0.5], [1.0]], dtype=np.float32)
    path = AdditivePath(n_num=1, cardinalities=[], x_num_train=scaled,
                        x_raw_train=np.array([[0.0], [1.0], [2.0], [3.0], [1e300]]))
    assert torch.isfinite(path.raw.values).all()
    assert float(path.raw.values.max()) == pytest.approx(1e6)  # RAW_CLIP


def test_a_path_nearly_straight_is_chosen_where_the_truth_is_a_line_and_rebuilt_as_saved():
    """Where the signal is a line in each column, the near-linear path ranks the rows better
    than the bent one and ``blend_choice`` picks it when offered both (the default offers
    one: ``SMOOTHINGS``); its bin size travels in the saved record (and only when it is not
    ``BIN_SCALE``), so a rebuilt blend scores as the fitted one."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4_300, 3)).astype("float32")
    y = (rng.random(4_300) < 1 / (1 + np.exp(-(1.5 * x[:, 0] - x[:, 1])))).astype(int)
    cat = np.zeros((4_300, 0), dtype=np.int64)
    fit, held = slice(0, 300), slice(300, None)  # few fitting rows: the bends fit noise
    logits = {}
    for scale in (BIN_SCALE, 0.01):
        path = AdditivePath(n_num=3, cardinalities=[], x_num_train=x[fit], x_raw_train=x[fit],
                            bin_scale=scale).fit(x[fit], cat[fit], y[fit])
        with torch.no_grad():
            logits[scale] = path(torch.as_tensor(x[held]), torch.as_tensor(cat[held])).numpy()
    useless_network = rng.normal(size=(4_000, 2))
    shares = (*WEIGHTS, 1.0)
    assert blend_choice(useless_network, logits, y[held], shares) == (0.01, 1.0)
    assert blend_choice(useless_network, {BIN_SCALE: logits[BIN_SCALE], 0.01: logits[BIN_SCALE]},
                        y[held], shares)[0] == BIN_SCALE  # a tie keeps today's smoothing

    inner = TabMPLE(n_num=3, cardinalities=[], n_out=1, k=2, x_num_train=x[fit])
    straight = AdditivePath(n_num=3, cardinalities=[], x_num_train=x[fit],
                            x_raw_train=x[fit], bin_scale=0.01).fit(x[fit], cat[fit], y[fit])
    blend = AdditiveBlend(inner, weight=0.75, path=straight)
    assert blend.config["additive"] == {"weight": 0.75, "form": 2, "bin_scale": 0.01}
    bent = AdditiveBlend(inner, weight=0.75, x_num_train=x[fit])
    assert "bin_scale" not in bent.config["additive"]
    rebuilt = wrap_additive(TabMPLE(n_num=3, cardinalities=[], n_out=1, k=2,
                                    x_num_train=x[fit]), blend.config["additive"], x[fit])
    rebuilt.load_state_dict(blend.state_dict())
    with torch.no_grad():
        inputs = torch.as_tensor(x[held][:50]), torch.as_tensor(cat[held][:50])
        torch.testing.assert_close(rebuilt(*inputs), blend(*inputs))


def test_a_saved_bin_scale_outside_its_range_is_refused() -> None:
    with pytest.raises(ConfigError, match="bin_scale"):
        AdditivePath(n_num=2, cardinalities=[], bin_scale=0.0)
    with pytest.raises(ConfigError, match="bin_scale"):
        AdditivePath(n_num=2, cardinalities=[], bin_scale=0.5, form=1)


def test_on_more_rows_than_it_reads_the_path_fits_a_weighted_draw_close_to_every_row(
        monkeypatch) -> None:
    """Past ``FIT_ROWS`` rows the Newton fit reads a seeded draw of that many, each weighted
    by rows / FIT_ROWS: the same loss-to-penalty balance, so the same path up to sampling
    noise, and the same path every time; at or under it, every row as before."""
    import findeep.models.additive as additive_module

    rng = np.random.default_rng(3)
    x = rng.normal(size=(8_000, 2)).astype(np.float32)
    y = (rng.random(8_000) < 1 / (1 + np.exp(-(1.5 * x[:, 0] - x[:, 1] ** 2)))).astype(int)
    empty = np.zeros((8_000, 0), dtype=np.int64)
    grid = torch.from_numpy(np.linspace(-2, 2, 41, dtype=np.float32)[:, None].repeat(2, 1))

    def fitted_path(rows: int) -> tuple[np.ndarray, np.ndarray]:
        """The path's weights and its logits along a grid, fitted with ``FIT_ROWS = rows``."""
        monkeypatch.setattr(additive_module, "FIT_ROWS", rows)
        path = AdditivePath(n_num=2, cardinalities=[], x_num_train=x).fit(x, empty, y)
        with torch.no_grad():
            weights = torch.cat([path.linear.weight[0], path.linear.bias]).numpy()
            return weights, path(grid, torch.zeros((41, 0), dtype=torch.long)).numpy()

    every, every_logits = fitted_path(10 ** 9)
    assert np.array_equal(fitted_path(8_000)[0], every)  # a table within the cap: unchanged
    drawn, drawn_logits = fitted_path(4_000)
    assert np.array_equal(fitted_path(4_000)[0], drawn)  # seeded: the same draw each time
    assert not np.array_equal(drawn, every)
    # the draw is the seeded one, each row weighing rows / FIT_ROWS = 2
    rows = np.sort(np.random.default_rng(0).choice(8_000, 4_000, replace=False))
    monkeypatch.setattr(additive_module, "FIT_ROWS", 10 ** 9)
    by_hand = AdditivePath(n_num=2, cardinalities=[], x_num_train=x).fit(
        x[rows], empty[rows], y[rows], np.full(4_000, 2.0))
    assert np.array_equal(
        torch.cat([by_hand.linear.weight[0], by_hand.linear.bias]).detach().numpy(), drawn)
    # weighted up, the draw keeps the penalty's balance: its path is every row's within
    # sampling noise
    assert np.abs(drawn_logits - every_logits).max() < 0.25
    assert np.corrcoef(drawn_logits, every_logits)[0, 1] > 0.98
