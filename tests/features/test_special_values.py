"""Special values: codes in a numeric column (96/98, -999) are tokens of their own, off the
numeric scale and apart from missing, the same at training, scoring, serving, explaining
and drift; the usual patterns are suggested, never applied silently."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import findeep
from cli_helpers import assert_one_line_error, run
from findeep.data.schema import FindeepWarning, infer_schema
from findeep.data.sentinels import parse_special_values, suggest_special_values
from findeep.errors import ConfigError
from findeep.evaluate.baselines import prepare_baseline_inputs, with_special_values
from findeep.explain.drift import drift_table
from findeep.features.records import RecordEncoder
from findeep.features.tabular import TabularPreprocessor


def coded_frame(n: int = 1_500, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """A count column whose code 96 means low risk and 98 high risk, unlike big counts."""
    rng = np.random.default_rng(seed)
    late = rng.poisson(0.8, n).astype(float)
    code = rng.random(n)
    late[code < 0.08] = 96.0
    late[(code >= 0.08) & (code < 0.14)] = 98.0
    income = rng.lognormal(10, 0.4, n)
    income[rng.random(n) < 0.05] = np.nan
    logit = 0.8 * np.minimum(late, 5) - 0.8 * (np.log(np.nan_to_num(income, nan=2e4)) - 10)
    logit = np.where(late == 96, -3.0, np.where(late == 98, 2.0, logit)) - 0.8
    y = pd.Series((rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int), name="bad")
    return pd.DataFrame({"late": late, "income": income,
                         "region": rng.choice(["n", "s"], n)}), y


@pytest.fixture(scope="module")
def coded() -> tuple[pd.DataFrame, pd.Series]:
    return coded_frame()


@pytest.fixture(scope="module")
def model(coded) -> findeep.TabularClassifier:
    frame, y = coded
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return findeep.TabularClassifier(max_epochs=8, special_values={"late": [96, 98]}).fit(
            frame, y)


def test_codes_leave_the_numeric_scale_and_get_their_own_inputs(coded) -> None:
    """The scaler never sees the codes (its top quantile is a real count), a coded row's
    value input is the median's, and each code has its own 0/1 input, apart from missing."""
    frame, _ = coded
    pre = TabularPreprocessor(special_values={"late": [96, 98]}).fit(frame, infer_schema(frame))
    late = pre.numeric[0]
    assert late.quantiles[-1] < 20 and late.median < 2
    assert pre.numeric_feature_names[-2:] == ["late__special=96", "late__special=98"]
    x_num, _, _ = pre.transform(frame)
    is_96 = frame["late"].to_numpy() == 96
    np.testing.assert_array_equal(x_num[:, -2], is_96)
    median_row = pre.transform(frame.assign(late=late.median))[0][0, 0]
    assert np.all(x_num[is_96, 0] == median_row)
    assert "income__missing" in pre.numeric_feature_names  # missing stays its own input
    # the serving encoder applies the same rule, and the state survives JSON
    records = frame.head(200).to_dict("records")
    np.testing.assert_array_equal(RecordEncoder(pre).encode(records)[0], x_num[:200])
    again = TabularPreprocessor.from_dict(pre.to_dict())
    np.testing.assert_array_equal(again.transform(frame)[0], x_num)


def test_baselines_name_each_code_as_the_network_does() -> None:
    """A code's 0/1 column has one name in the network's inputs and in the baselines' table
    (whole codes as integers, others as decimals), so a comparison names the same input."""
    frame = pd.DataFrame({"late": [0.0, 1.0, 98.0, -1.5, 2.0, 3.0] * 10, "region": ["n", "s"] * 30})
    codes = {"late": [98.0, -1.5]}
    schema = infer_schema(frame)
    network = TabularPreprocessor(special_values=codes).fit(frame, schema).numeric_feature_names
    baseline = with_special_values(prepare_baseline_inputs(frame, schema), codes).numeric
    assert network[-2:] == baseline[-2:] == ["late__special=98", "late__special=-1.5"]


def test_tokens_beat_numbers_when_codes_mean_something_else(coded, model) -> None:
    """On held-out rows, the codes as tokens rank risk better than the codes as counts for
    the network (0.744 vs 0.643 here), and never worse with the default's additive path,
    which since its second form (each column also on its own scale) carves 96 and 98 out
    of the counts nearly as well by itself (0.743; 0.721 with the first form)."""
    from sklearn.metrics import roc_auc_score

    frame, y = coded
    held_out, y_held = coded_frame(1_000, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        numbers = findeep.TabularClassifier(max_epochs=8).fit(frame, y)
        network_numbers = findeep.TabularClassifier(
            max_epochs=8, model_options={"additive": False}).fit(frame, y)
    auc_tokens = roc_auc_score(y_held, model.predict_proba(held_out)[:, 1])
    auc_numbers = roc_auc_score(y_held, numbers.predict_proba(held_out)[:, 1])
    auc_network = roc_auc_score(y_held, network_numbers.predict_proba(held_out)[:, 1])
    assert auc_tokens > auc_network + 0.05, (auc_tokens, auc_network)
    assert auc_tokens >= auc_numbers - 0.002, (auc_tokens, auc_numbers)


def test_saved_model_explanations_and_drift_name_the_code(coded, model, tmp_path) -> None:
    """Save/load scores identically; a reason names 'late = 98 (special)'; drift reports
    each code's share on a row of its own, and flags a code whose share jumped; the
    scorecard gives each code its own line."""
    frame, _ = coded
    loaded = findeep.load(model.save(tmp_path / "m"))
    np.testing.assert_array_equal(loaded.predict_proba(frame), model.predict_proba(frame))
    assert model.pipeline_.training["special_values"]["late"] == {
        "96": int((frame["late"] == 96).sum()), "98": int((frame["late"] == 98).sum())}
    late = model.pipeline_.profile["columns"]["late"]  # fit rows: codes apart from the rest
    assert late["missing"] == 0 and late["reference"]["missing"] == 0
    assert late["special"]["98"] == pytest.approx((frame["late"] == 98).mean(), abs=0.01)
    coded_rows = frame[frame["late"] == 98].head(20)
    reasons = loaded.explain(coded_rows, top=3).filter(like="reason_").to_numpy().ravel()
    assert any(str(r).startswith("late = 98 (special) raised the risk") for r in reasons)
    shifted = frame.copy()
    shifted.loc[shifted.index[:400], "late"] = 98.0
    table = drift_table(loaded.pipeline_, shifted).set_index("column")
    assert table.loc["late = 98 (special)", "kind"] == "special"
    assert table.loc["late = 98 (special)", "psi"] > 0.25
    assert table.loc["late = 96 (special)", "psi"] < table.loc["late = 98 (special)", "psi"]
    # the scorecard layout lists each code on a line of its own, apart from the ranges
    from findeep.explain.scorecard import scorecard_points, scorecard_table

    sample = frame.head(300)
    card = scorecard_table(loaded.pipeline_, sample, scorecard_points(loaded.pipeline_, sample))
    late = card[card["column"] == "late"].set_index("attribute")
    assert late.loc["98 (special)", "rows"] == int((sample["late"] == 98).sum())


def test_bad_special_values_are_refused_or_warned(coded) -> None:
    """An unknown column gets a did-you-mean, a categorical one is refused, and a code that
    never occurs is a warning that gives its count."""
    frame, y = coded
    with pytest.raises(ConfigError, match="Did you mean 'late'"):
        findeep.TabularClassifier(max_epochs=1, special_values={"lates": [98]}).fit(frame, y)
    with pytest.raises(ConfigError, match="numeric columns; 'region' is categorical"):
        findeep.TabularClassifier(max_epochs=1, special_values={"region": [1]}).fit(frame, y)
    with pytest.warns(FindeepWarning, match=r"special value 97 of 'late' never occurs in the "
                                            r"1,500 training rows \(count 0\)"):
        findeep.TabularClassifier(max_epochs=1, special_values="late:97,98").fit(frame, y)
    with pytest.raises(ConfigError, match="COLUMN:CODE"):
        parse_special_values("late=98")


def test_usual_sentinels_are_suggested_and_ordinary_values_are_not() -> None:
    """96/98 over small counts, -999 in a positive column and a far, frequent spike are
    suggested; ages reaching 99 and -1 among signed returns are not."""
    rng = np.random.default_rng(3)
    n = 2_000
    frame = pd.DataFrame({
        "late": np.where(rng.random(n) < 0.05, 98.0, rng.poisson(1, n)),
        "months_employed": np.where(rng.random(n) < 0.03, -999.0, rng.integers(0, 400, n)),
        "balance": np.where(rng.random(n) < 0.02, 99999999.0, rng.lognormal(8, 1, n).round()),
        "score": np.where(rng.random(n) < 0.03, 5000.0, rng.normal(600, 40, n).round()),
        "age": rng.integers(18, 100, n).astype(float),
        "return": np.round(rng.normal(0, 0.5, n), 1),
    })
    found = {s.column: s for s in suggest_special_values(frame, infer_schema(frame))}
    assert found.pop("late").codes == (98.0,)
    assert found.pop("months_employed").codes == (-999.0,)
    assert found.pop("balance").codes == (99999999.0,)
    assert found.pop("score").codes == (5000.0,)
    assert found == {}


def test_cli_profile_suggests_and_train_advises_and_refuses(coded, tmp_path) -> None:
    """`findeep profile` and `findeep train` print the suggestion (one line each) without
    applying it; a malformed or unknown --special-values exits 2 with one line."""
    frame, y = coded
    data = tmp_path / "coded.csv"
    frame.assign(bad=y).to_csv(data, index=False)
    profile = run("profile", data, "--target", "bad")
    assert profile.exit_code == 0, profile.output
    assert '--special-values "late:96,98"' in profile.stdout
    trained = run("train", data, "--target", "bad", "--out", tmp_path / "m", "--max-epochs",
                  "1", "--quiet")
    assert trained.exit_code == 0, trained.output
    assert '--special-values "late:96,98"' in trained.stdout
    assert_one_line_error(run("train", data, "--target", "bad", "--special-values", "late"),
                          "COLUMN:CODE")
    assert_one_line_error(run("train", data, "--target", "bad", "--out", tmp_path / "n",
                              "--special-values", "lat:98"), "Did you mean 'late'")


def test_streamed_training_keeps_special_values_off_the_scale_as_in_memory(tmp_path) -> None:
    """`--special-values` on a streamed Parquet run (it was refused): the same token columns
    as in memory, the quantiles and standard-scaling sums leave the codes out, the training
    record counts each code over the training rows exactly, and scoring reads the codes as
    the in-memory model does."""
    import json

    from findeep.loading import load

    frame, y = coded_frame(3_000, seed=4)
    data = frame.assign(bad=y)
    parquet = tmp_path / "coded.parquet"
    data.to_parquet(parquet, row_group_size=500)
    for scaling in ("quantile", "standard"):
        out = tmp_path / f"streamed-{scaling}"
        result = run("train", parquet, "--target", "bad", "--stream", "--special-values",
                     "late:96,98", "--scaling", scaling, "--max-epochs", "2", "-q",
                     "--out", out)
        assert result.exit_code == 0, result.output
        pre = load(out).pipeline_.preprocessor
        assert pre.numeric_feature_names[-2:] == ["late__special=96", "late__special=98"]
        late = next(state for state in pre.numeric if state.name == "late")
        if scaling == "quantile":
            assert max(late.quantiles) < 96  # the codes are not on the scale
        else:
            plain = data["late"][~data["late"].isin([96, 98])]
            assert late.mean < plain.max() < 96 and late.mean == pytest.approx(plain.mean(),
                                                                                rel=0.1)
        record = json.loads((out / "metrics.json").read_text())["training"]
        counts = record["special_values"]["late"]
        # the training rows are the fit and validation rows: counted exactly among them
        rows = record["rows"]
        assert sum(counts.values()) < rows and set(counts) == {"96", "98"}
        share = (data["late"] == 98).mean()
        assert counts["98"] == pytest.approx(share * rows, rel=0.15)
    # scoring reads a 98 as its token, imputed off the scale, as the in-memory model does
    pre = load(tmp_path / "streamed-quantile").pipeline_.preprocessor
    probe = frame.head(300)
    x_num, _, _ = pre.transform(probe)
    names = pre.numeric_feature_names
    coded = probe["late"].to_numpy() == 98
    assert coded.any()
    np.testing.assert_array_equal(x_num[:, names.index("late__special=98")], coded)
    late_scaled = x_num[:, names.index("late")]
    assert np.ptp(late_scaled[coded]) == 0  # every 98 at the same imputed point
    memory = TabularPreprocessor(special_values={"late": [96, 98]}).fit(frame,
                                                                       infer_schema(frame))
    assert memory.numeric_feature_names == names


def test_streamed_special_values_warn_of_an_absent_code_and_name_a_misspelt_column(
        tmp_path) -> None:
    frame, y = coded_frame(1_500, seed=5)
    parquet = tmp_path / "coded.parquet"
    frame.assign(bad=y).to_parquet(parquet, row_group_size=500)
    absent = run("train", parquet, "--target", "bad", "--stream", "--special-values",
                 "late:97", "--max-epochs", "1", "-q", "--out", tmp_path / "m")
    assert absent.exit_code == 0, absent.output
    assert "special value 97 of 'late' never occurs in the" in " ".join(absent.stderr.split())
    misspelt = run("train", parquet, "--target", "bad", "--nproc-per-node", "2",
                   "--special-values", "lates:98", "--out", tmp_path / "n")
    assert_one_line_error(misspelt, "cannot give special values to 'lates'",
                          "Did you mean 'late'")
    assert not (tmp_path / "n").exists()
