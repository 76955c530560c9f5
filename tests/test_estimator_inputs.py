"""What scikit-learn users pass the estimators beyond the estimator checks: numpy seeds, a
DataFrame after an array, duplicated names, durations, periods, Arrow dictionaries, a
`times` of the wrong length — each works as sklearn users expect or is one FindeepError."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import findeep
from cli_helpers import assert_one_line_error, run
from findeep import TabularClassifier, TabularRegressor
from findeep.errors import ConfigError, DataError

FAST = {"max_epochs": 2, "bagging": 1}


@pytest.fixture(scope="module")
def table() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=400), "b": rng.normal(size=400)})
    y = pd.Series((X["a"] + rng.normal(size=400) > 0).astype(int), name="bad")
    return X, y


def test_a_numpy_integer_seed_trains_as_the_same_python_integer(table) -> None:
    """GridSearchCV over np.arange seeds hands the estimator np.int64: it is that seed."""
    X, y = table
    numpy_seed = TabularClassifier(**FAST, random_state=np.int64(3)).fit(X, y)
    python_seed = TabularClassifier(**FAST, random_state=3).fit(X, y)
    np.testing.assert_array_equal(numpy_seed.predict_proba(X), python_seed.predict_proba(X))


def test_probabilities_are_float64_and_event_probability_is_binary_only(table) -> None:
    X, y = table
    binary = TabularClassifier(**FAST).fit(X, y)
    assert binary.predict_proba(X).dtype == np.float64
    np.testing.assert_allclose(binary.event_probability(X), binary.predict_proba(X)[:, 1])
    three = TabularClassifier(**FAST).fit(X, np.digitize(X["a"], [-0.5, 0.5]))
    with pytest.raises(ConfigError, match="binary models; this one has 3 classes"):
        three.event_probability(X)


def test_a_model_fitted_on_an_array_scores_a_named_frame_by_position(table) -> None:
    """As scikit-learn does: a warning, then the columns in their order."""
    X, y = table
    model = TabularClassifier(**FAST).fit(X.to_numpy(), y)
    with pytest.warns(UserWarning, match="fitted without feature names"):
        named = model.predict_proba(X)
    np.testing.assert_array_equal(named, model.predict_proba(X.to_numpy()))


def test_positional_names_survive_saving_when_they_were_real_names(table, tmp_path) -> None:
    """A frame whose columns are really called x0, x1 stays read by name after loading."""
    X, y = table
    model = TabularClassifier(**FAST).fit(X.set_axis(["x0", "x1"], axis=1), y)
    model.save(tmp_path / "model")
    loaded = findeep.load(tmp_path / "model")
    assert list(loaded.feature_names_in_) == ["x0", "x1"]
    unnamed = TabularClassifier(**FAST).fit(X.to_numpy(), y)
    unnamed.save(tmp_path / "unnamed")
    assert not hasattr(findeep.load(tmp_path / "unnamed"), "feature_names_in_")


def test_a_column_name_given_twice_is_one_data_error(table) -> None:
    X, y = table
    doubled = pd.concat([X, X[["a"]]], axis=1)
    with pytest.raises(DataError, match="'a' appear more than once"):
        TabularClassifier(**FAST).fit(doubled, y)
    with pytest.raises(DataError, match="'a' appear more than once"):
        TabularClassifier(**FAST).fit(X, y).predict_proba(doubled)


def test_durations_are_refused_with_the_conversion(table, tmp_path) -> None:
    """A timedelta column is one sentence with the conversion, from Python and the CLI."""
    X, y = table
    spans = X.assign(since=pd.to_timedelta(np.arange(len(X)) % 90, unit="D"))
    with pytest.raises(DataError, match=r"'since' holds durations.*total_seconds"):
        TabularClassifier(**FAST).fit(spans, y)
    spans.assign(bad=y).to_parquet(tmp_path / "spans.parquet")
    result = run("train", tmp_path / "spans.parquet", "--target", "bad", "--out",
                 tmp_path / "model", "--max-epochs", "1")
    assert_one_line_error(result, "'since' holds durations")
    model = TabularClassifier(**FAST).fit(X.assign(since=np.arange(len(X)) % 90 * 1.0), y)
    with pytest.raises(DataError, match="'since' holds durations"):
        model.predict_proba(spans)


def test_arrow_durations_are_refused_as_numpy_durations_are(table) -> None:
    """An Arrow duration column was read as hundreds of categories, or dropped as an id."""
    X, y = table
    since = pd.Series(pd.to_timedelta(np.arange(len(X)) % 90, unit="D"))
    arrow = X.assign(since=since.astype(pd.ArrowDtype(pa.duration("s"))))
    with pytest.raises(DataError, match=r"'since' holds durations.*total_seconds"):
        TabularClassifier(**FAST).fit(arrow, y)


def test_arrow_backed_strings_train_and_score_as_plain_strings(table) -> None:
    """read_csv(dtype_backend="pyarrow") strings (Arrow large_string) ended in pandas'
    AttributeError from the free-text check; they are the categories and text they hold."""
    X, y = table
    region = pd.Series(["north", "south", "east"] * (len(X) // 3 + 1))[:len(X)]
    note = pd.Series([f"loan number {i} for a small car" for i in range(len(X))])
    plain = X.assign(region=region, note=note)
    arrow = plain.assign(region=region.astype(pd.ArrowDtype(pa.large_string())),
                         note=note.astype(pd.ArrowDtype(pa.string())))
    model = TabularClassifier(**FAST).fit(arrow, y)
    same = TabularClassifier(**FAST).fit(plain, y)
    np.testing.assert_array_equal(model.predict_proba(arrow), same.predict_proba(plain))
    np.testing.assert_array_equal(same.predict_proba(arrow), same.predict_proba(plain))


def test_periods_are_dates_and_arrow_dictionaries_are_categories(table) -> None:
    """A period column trains as the dates it starts on; an Arrow dictionary column as the
    categories it codes, scoring as its plain-text spelling does."""
    X, y = table
    months = X.assign(month=pd.period_range("2020-01", periods=len(X), freq="D"))
    model = TabularClassifier(**FAST).fit(months, y)
    as_dates = months.assign(month=months["month"].dt.to_timestamp())
    np.testing.assert_array_equal(model.predict_proba(months), model.predict_proba(as_dates))
    assert model.pipeline_.schema.names_of("datetime") == ["month"]
    region = pd.Series(["north", "south"] * (len(X) // 2))
    coded = X.assign(region=region.astype(pd.ArrowDtype(pa.dictionary(pa.int32(), pa.string()))))
    model = TabularClassifier(**FAST).fit(coded, y)
    np.testing.assert_array_equal(model.predict_proba(coded),
                                  model.predict_proba(X.assign(region=region)))


def test_times_and_evaluation_labels_of_the_wrong_length_are_data_errors(table) -> None:
    X, y = table
    with pytest.raises(DataError, match="times has 100 value"):
        TabularClassifier(**FAST).fit(X, y, times=pd.date_range("2020", periods=100))
    with pytest.raises(DataError, match=r"times=X.pop\('d'\)"):
        TabularClassifier(**FAST).fit(X.assign(d=pd.date_range("2020", periods=len(X))), y,
                                      times="d")
    model = TabularClassifier(**FAST).fit(X, y)
    with pytest.raises(DataError, match="X has 400 rows but y has shape"):
        model.evaluate(X, y[:100])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the training rows' overlap warning
        assert "roc_auc" in model.evaluate(X, y.to_numpy().reshape(-1, 1))


def test_times_written_as_text_dates_are_read_as_dates(table) -> None:
    """times=['03/15/2021', …] were sorted as text: the early-stopping rows were not the
    latest, and training recorded 12/31/2020 as its last date."""
    X, y = table
    dates = pd.Series(pd.date_range("2019-06-01", periods=len(X), freq="2D"))
    model = TabularClassifier(**FAST).fit(X, y, times=dates.dt.strftime("%m/%d/%Y").to_numpy())
    assert model.pipeline_.training["last_time"] == dates.max().date().isoformat()
    assert model.pipeline_.training["validation_split"] == "out-of-time"
    with pytest.raises(DataError, match=r"times has 1 value\(s\) that are not dates"):
        TabularClassifier(**FAST).fit(X, y, times=[*dates.astype(str)[:-1], "soon"])


def test_nullable_integer_labels_with_gaps_stay_integers(table, tmp_path) -> None:
    """Int64 labels with a few <NA> came back as classes_ [0.0, 1.0] and float predictions;
    they are integers, as gap-free labels are, after saving too."""
    X, y = table
    gappy = y.astype("Int64")
    gappy.iloc[:5] = pd.NA
    model = TabularClassifier(**FAST).fit(X, gappy)
    assert model.classes_.dtype == np.int64 and model.predict(X).dtype == np.int64
    assert findeep.load(model.save(tmp_path / "m")).classes_.dtype == np.int64


def test_a_loaded_models_parameters_are_what_was_passed(table, tmp_path) -> None:
    """class_weight={0: 1.0, 1: 3.0} came back from a bundle as {'0': 1.0, '1': 3.0}, and a
    missing key of model_options raised the bundle reader's 'damaged bundle' error."""
    X, y = table
    model = TabularClassifier(**FAST, class_weight={0: 1.0, 1: 3.0},
                              model_options={"k": 2}).fit(X, y)
    params = findeep.load(model.save(tmp_path / "m")).get_params()
    assert params["class_weight"] == {0: 1.0, 1: 3.0}
    assert type(params["model_options"]) is dict and params["model_options"] == {"k": 2}
    with pytest.raises(KeyError):
        params["model_options"]["absent"]


def test_class_weight_on_a_regression_is_refused(table) -> None:
    X, _ = table
    for weights in ("balanced", {0: 1.0}):
        with pytest.raises(ConfigError, match="class_weight weights the classes"):
            TabularRegressor(**FAST, class_weight=weights).fit(X, X["a"] * 2)


def test_sample_weight_weighs_each_rows_training_loss(table) -> None:
    """Weights all equal fit to the bit as none; events weighted 5x raise the scores as
    class_weight {1: 5} does; rows weighted 0 with flipped labels are not learned from;
    bad weights are one DataError."""
    X, y = table
    plain = TabularClassifier(**FAST).fit(X, y).predict_proba(X)
    ones = TabularClassifier(**FAST).fit(X, y, sample_weight=np.full(len(X), 3.0))
    np.testing.assert_array_equal(ones.predict_proba(X), plain)
    events = np.where(y == 1, 5.0, 1.0)
    heavy = TabularClassifier(**FAST, calibrate=False).fit(X, y, sample_weight=events)
    light = TabularClassifier(**FAST, calibrate=False).fit(X, y)
    assert heavy.predict_proba(X)[:, 1].mean() > light.predict_proba(X)[:, 1].mean() + 0.05
    rng = np.random.default_rng(1)
    noisy = rng.random(len(y)) < 0.4
    flipped = np.where(noisy, 1 - y, y)
    ignored = TabularClassifier(max_epochs=8, bagging=1).fit(X, flipped,
                                                            sample_weight=(~noisy) * 1.0)
    learned = TabularClassifier(max_epochs=8, bagging=1).fit(X, flipped)
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(y, ignored.predict_proba(X)[:, 1]) > \
        roc_auc_score(y, learned.predict_proba(X)[:, 1])
    assert ignored.training_["sample_weight"] is True
    for bad, fragment in (([1.0] * 3, "one weight per row"), (-np.ones(len(X)), "0 or more"),
                          (np.zeros(len(X)), "zero in every row")):
        with pytest.raises(DataError, match=fragment):
            TabularClassifier(**FAST).fit(X, y, sample_weight=bad)


def test_sample_weight_reaches_every_member_of_a_bag(table) -> None:
    X, y = table
    events = np.where(y == 1, 5.0, 1.0)
    bag = TabularClassifier(max_epochs=2, bagging=3, calibrate=False)
    heavy = bag.fit(X, y, sample_weight=events).predict_proba(X)[:, 1].mean()
    light = TabularClassifier(max_epochs=2, bagging=3, calibrate=False).fit(X, y)
    assert heavy > light.predict_proba(X)[:, 1].mean() + 0.05
