from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from findeep.data.schema import infer_schema
from findeep.features.tabular import TabularPreprocessor


@pytest.fixture()
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 200
    income = rng.lognormal(10, 0.5, n)
    income[:20] = np.nan
    return pd.DataFrame({"income": income, "age": rng.integers(18, 80, n),
                         "home": rng.choice(["rent", "own", "mortgage"], n)})


def test_preprocessing_is_fitted_on_training_rows_only(frame: pd.DataFrame) -> None:
    """Changing the non-training rows does not change the fitted state."""
    schema = infer_schema(frame)
    train = frame.iloc[:150]
    first = TabularPreprocessor().fit(train, schema).to_dict()
    shifted = frame.copy()
    shifted.loc[150:, "income"] *= 100
    shifted.loc[150:, "home"] = "castle"
    second = TabularPreprocessor().fit(shifted.iloc[:150], schema).to_dict()
    assert first == second


def test_missing_numerics_are_imputed_and_flagged_not_dropped(frame: pd.DataFrame) -> None:
    """Every row survives; rows with missing income get the indicator set."""
    pre = TabularPreprocessor().fit(frame, infer_schema(frame))
    x_num, x_cat, _ = pre.transform(frame)
    assert x_num.shape[0] == len(frame) and x_cat.shape[0] == len(frame)
    assert np.isfinite(x_num).all()
    flag = x_num[:, pre.numeric_feature_names.index("income__missing")]
    np.testing.assert_array_equal(flag, frame["income"].isna().to_numpy().astype(np.float32))


def test_quantile_scaling_is_monotone_and_near_normal(frame: pd.DataFrame) -> None:
    """Order is preserved and the training values come out centred with unit spread."""
    pre = TabularPreprocessor().fit(frame, infer_schema(frame))
    x_num, _, _ = pre.transform(frame)
    age = x_num[:, pre.numeric_feature_names.index("age")]
    order = np.argsort(frame["age"].to_numpy(), kind="stable")
    assert np.all(np.diff(age[order]) >= -1e-6)
    assert abs(np.median(age)) < 0.15 and 0.7 < age.std() < 1.3


def test_unseen_categories_map_to_unknown_and_are_counted(frame: pd.DataFrame) -> None:
    """A new category scores as code 0 and is reported, not an error."""
    pre = TabularPreprocessor().fit(frame, infer_schema(frame))
    new = frame.head(3).copy()
    new["home"] = ["castle", "rent", "boat"]
    _, x_cat, report = pre.transform(new)
    assert x_cat[:, 0].tolist()[0] == 0 and x_cat[1, 0] > 0 and x_cat[2, 0] == 0
    assert report.unseen_categories == {"home": 2}


def test_state_round_trips_through_json_identically(frame: pd.DataFrame) -> None:
    """A reloaded preprocessor produces bit-identical features."""
    import json

    pre = TabularPreprocessor(scaling="standard").fit(frame, infer_schema(frame))
    again = TabularPreprocessor.from_dict(json.loads(json.dumps(pre.to_dict())))
    for a, b in zip(pre.transform(frame)[:2], again.transform(frame)[:2], strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("values", [
    pd.Series([1.0, 2.0, np.nan, 3.5]), pd.Series([1, 2, 3]), pd.Series(["a", None, "b"]),
    pd.Series([True, False, None]), pd.Series(["x", 1, 2.0, None], dtype=object),
    pd.Series(pd.array([1, None, 3], dtype="Int64")), pd.Series(["a", "b"], dtype="category"),
    # codes past 2**53 (19-digit account or product codes): exact, as their own levels
    pd.Series([2**53, 2**53 + 1, 2**63 - 1]),
    pd.Series(pd.array([2**53, 2**53 + 1, None], dtype="Int64")),
    pd.Series([2**53 + 1, "x"], dtype=object), pd.Series([1e16, 2.0, np.nan]),
    pd.Series([1e16, "x"], dtype=object),
])
def test_category_text_is_the_same_whatever_the_dtype(values: pd.Series) -> None:
    """Vectorised category text equals the per-value rule (1.0 -> '1', None -> missing)."""
    from findeep.features.tabular import MISSING_LEVEL, _level_text, as_level_text

    expected = values.astype("object").where(values.notna(), MISSING_LEVEL).map(_level_text)
    assert as_level_text(values).tolist() == expected.tolist()
    present = values.dropna()
    assert as_level_text(present).nunique() == present.nunique()  # no two values merged


@pytest.mark.parametrize("dtype", ["string[pyarrow]", "string[python]", object])
def test_category_codes_and_unseen_counts_do_not_depend_on_the_string_storage(dtype) -> None:
    """Arrow-backed strings take a faster lookup; it must give the object path's answer,
    including missing values, rare training values (code 0, not counted) and new ones."""
    train = pd.DataFrame({"home": ["rent"] * 20 + ["own"] * 20 + [None] * 10 + ["boat"],
                          "x": np.arange(51.0) % 7})
    pre = TabularPreprocessor(min_category_count=5).fit(train, infer_schema(train))
    new = pd.DataFrame({"home": pd.Series(["own", None, "boat", "castle", "rent"], dtype=dtype),
                        "x": np.arange(5.0)})
    _, x_cat, report = pre.transform(new)
    levels = pre.categorical[0].levels
    assert x_cat[:, 0].tolist() == [levels.index("own") + 1, levels.index("<missing>") + 1,
                                    0, 0, levels.index("rent") + 1]
    assert report.unseen_categories == {"home": 1}  # "castle"; "boat" was seen, only rare


def test_big_columns_of_repeated_values_scale_to_the_same_numbers() -> None:
    """Columns of few distinct values (ages, counts, date parts) are scaled once per value on
    big frames: the matrix must equal scaling every row, bit for bit, missing values included."""
    import findeep.features.tabular as tabular

    rng = np.random.default_rng(3)
    n = 60_000
    big = pd.DataFrame({
        "age": rng.integers(18, 80, n).astype(float),
        "count": np.where(rng.random(n) < 0.1, np.nan, rng.integers(0, 9, n)),
        "amount": rng.lognormal(8, 1, n),
        "when": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), "D"),
    })
    pre = TabularPreprocessor().fit(big.iloc[:40_000], infer_schema(big))
    fast = pre.transform(big)[0]
    original = tabular.REPEAT_MIN_ROWS
    tabular.REPEAT_MIN_ROWS = n + 1  # every value scaled on its own
    try:
        slow = pre.transform(big)[0]
    finally:
        tabular.REPEAT_MIN_ROWS = original
    assert fast.dtype == slow.dtype == np.float32
    np.testing.assert_array_equal(fast, slow)


def test_quantile_scaling_has_no_jump_beside_a_repeated_value() -> None:
    """Ages (whole numbers) and a debt column 70% zeros: a value an ulp off a repeated
    training value, or just below the repeated least value, scales next to it. Under the
    old rule (bundles written before, which keep it) 30 and 30.000000000000004 landed at the
    middle and the edge of 30's ranks: up to 0.09 of probability apart in a trained model."""
    rng = np.random.default_rng(4)
    n = 2_000
    train = pd.DataFrame({"age": rng.integers(18, 80, n).astype(float),
                          "debt": np.where(rng.random(n) < 0.7, 0.0, rng.lognormal(7, 1, n))})
    schema = infer_schema(train)
    new = TabularPreprocessor().fit(train, schema)
    old = TabularPreprocessor.from_dict({k: v for k, v in new.to_dict().items()
                                         if k != "tie_rule"})
    assert new.tie_rule == "continuous" and old.tie_rule == "mid"
    ages = np.arange(18.0, 80.0)
    probe = pd.DataFrame({"age": np.r_[ages, np.nextafter(ages, np.inf)],
                          "debt": np.r_[np.zeros(ages.size), np.full(ages.size, -0.01)]})
    for pre, most in ((new, 1e-6), (old, None)):
        scaled = pre.transform(probe)[0]
        age_jump = np.abs(scaled[:ages.size, 0] - scaled[ages.size:, 0]).max()
        debt_jump = np.abs(scaled[:ages.size, 1] - scaled[ages.size:, 1]).max()
        if most is not None:
            assert age_jump < most and debt_jump < most
        else:
            assert age_jump > 0.01 and debt_jump > 1.0  # why the rule changed
    # values on the training values themselves scale as before
    on_ties = pd.DataFrame({"age": ages, "debt": np.zeros(ages.size)})
    np.testing.assert_allclose(new.transform(on_ties)[0][:, :2], old.transform(on_ties)[0][:, :2],
                               atol=1e-6)


def test_unscaled_gives_the_values_before_scaling_imputed_as_transform_imputes() -> None:
    """The additive path's own-scale columns: each value as given, a gap or a special code
    at the training median (the value transform scales in its place), indicators as is."""
    income = np.linspace(10.5, 40.5, 60)
    income[[2, 7]] = np.nan, 98.0
    frame = pd.DataFrame({"income": income, "region": ["n", "s"] * 30})
    schema = infer_schema(frame, warn=False)
    pre = TabularPreprocessor(special_values={"income": [98.0]}).fit(frame, schema)
    x_num, _, _ = pre.transform(frame)
    raw = pre.unscaled(frame, x_num)
    median = pre.numeric[0].median
    assert median == np.median(np.delete(income, [2, 7]))  # the gap and the code left out
    expected = income.copy()
    expected[[2, 7]] = median
    np.testing.assert_array_equal(raw[:, 0], expected)
    np.testing.assert_array_equal(raw[:, 1:], x_num[:, 1:])  # missing and code indicators
    assert raw.shape == x_num.shape and raw.dtype == np.float64
