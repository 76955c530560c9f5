"""Monotone constraints by construction: the score never moves the wrong way in a
constrained column, for any value of the other columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import findeep
from cli_helpers import assert_one_line_error, run
from findeep.data.schema import FindeepWarning
from findeep.errors import ConfigError
from findeep.testing import make_credit_frame

CONSTRAINTS = {"debt_to_income": "+", "income": "-", "utilization": "+"}


def random_rows(frame: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """Rows whose every column is drawn independently from the training values: mixes no
    applicant had, which is where a penalty-based constraint would break."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({c: frame[c].to_numpy()[rng.integers(0, len(frame), n)]
                         for c in frame.columns})


def wrong_way_moves(score, frame: pd.DataFrame, rows: pd.DataFrame, column: str,
                    sign: int, codes: tuple[float, ...] = ()) -> int:
    """Count sweeps of ``column`` over its training range (special codes left out: they
    are tokens, off the scale) where the score moved against ``sign`` by more than 1e-7."""
    values = frame[column].dropna()
    values = values[~values.isin(codes)]
    grid = np.linspace(values.min(), values.max(), 12)
    scores = []
    for value in grid:
        swept = rows.copy()
        swept[column] = value
        scores.append(score(swept))
    steps = np.diff(np.asarray(scores), axis=0) * sign
    return int((steps < -1e-7).sum())


@pytest.fixture(scope="module")
def credit() -> tuple[pd.DataFrame, pd.Series]:
    frame = make_credit_frame(2_500, seed=21).drop(columns=["applied_on"])
    return frame, frame.pop("default")


SPECIAL = {"income": [-1.0], "debt_to_income": [9.0]}


def with_codes(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with 5% of income at -1 and 4% of debt_to_income at 9 (codes, not amounts)."""
    rng = np.random.default_rng(5)
    frame = frame.copy()
    frame.loc[rng.random(len(frame)) < 0.05, "income"] = -1.0
    frame.loc[rng.random(len(frame)) < 0.04, "debt_to_income"] = 9.0
    return frame


@pytest.mark.parametrize("special", [False, True], ids=["plain", "special-values"])
@pytest.mark.parametrize("task", ["binary", "regression"])
def test_no_wrong_way_move_for_10000_random_rows(credit, task, special, tmp_path) -> None:
    """Sweeping each constrained column over its training range never moves the score the
    wrong way (0 violations beyond 1e-7) for 10,000 random rows of a saved and loaded
    model, with special codes in the constrained columns or without."""
    frame, y = credit
    frame = with_codes(frame) if special else frame
    options = {"special_values": SPECIAL} if special else {}
    if task == "binary":  # one network (a bag is swept below), which keeps the suite's time
        model = findeep.TabularClassifier(max_epochs=4, model_options={"monotone": CONSTRAINTS},
                                          bagging=1, **options)
        model = findeep.load(model.fit(frame, y).save(tmp_path / "m"))
        score = lambda rows: model.predict_proba(rows)[:, 1]  # noqa: E731
    else:
        features = frame.drop(columns=["utilization"])
        model = findeep.TabularRegressor(max_epochs=4, model_options={
            "monotone": {"debt_to_income": "+", "income": "-"}}, **options)
        model = findeep.load(model.fit(features, frame["utilization"]).save(tmp_path / "m"))
        score = model.predict
        frame = features
    rows = random_rows(frame, 10_000, seed=1)
    signs = {"+": 1, "-": -1}
    constraints = {c: s for c, s in CONSTRAINTS.items() if c in frame.columns}
    for column, direction in constraints.items():
        codes = tuple(SPECIAL.get(column, [])) if special else ()
        assert wrong_way_moves(score, frame, rows, column, signs[direction], codes) == 0, column


def test_a_bag_of_monotone_members_never_moves_the_wrong_way(credit, tmp_path) -> None:
    """The default bags small tables: a saved and loaded bag of cross-fitted monotone
    members, swept over 1,000 random rows, never moves its score the wrong way either."""
    frame, y = credit
    model = findeep.TabularClassifier(max_epochs=4, model_options={"monotone": CONSTRAINTS})
    model = findeep.load(model.fit(frame, y).save(tmp_path / "bag"))
    assert model.training_["bagging"]["members"] >= 2
    rows = random_rows(frame, 1_000, seed=3)
    for column, direction in CONSTRAINTS.items():
        assert wrong_way_moves(lambda r: model.predict_proba(r)[:, 1], frame, rows, column,
                               1 if direction == "+" else -1) == 0, column


def test_a_blend_with_catboost_is_monotone_too(credit, tmp_path) -> None:
    """``default+catboost --monotone``: CatBoost gets the same directions (turned where the
    event is the first class, as here: 'bad' before 'good'), with its category statistics
    one column at a time, so that its constraints hold beside categorical columns (with
    combinations on, this table's utilization moved the wrong way on ~1% of steps); the
    saved and loaded blend, swept over 2,000 random rows with special codes planted in two
    constrained columns, never moves its risk the wrong way."""
    pytest.importorskip("catboost")
    frame, y = credit
    frame = with_codes(frame)
    labels = pd.Series(np.where(y == 1, "bad", "good"))
    model = findeep.TabularClassifier(model="default+catboost", max_epochs=4, bagging=1,
                                      special_values=SPECIAL,
                                      model_options={"monotone": CONSTRAINTS})
    model = findeep.load(model.fit(frame, labels).save(tmp_path / "blend"))
    partner = model.pipeline_.partner
    assert partner.monotone == {"debt_to_income": -1, "income": 1, "utilization": -1}
    bad = list(model.classes_).index("bad")
    schema = model.pipeline_.schema
    rows = random_rows(frame, 2_000, seed=4)
    for column, direction in CONSTRAINTS.items():
        codes = tuple(SPECIAL.get(column, []))
        sign = 1 if direction == "+" else -1
        assert wrong_way_moves(lambda r: model.predict_proba(r)[:, bad], frame, rows, column,
                               sign, codes) == 0, column
        # and CatBoost's half on its own (P('good') here), whose moves the network's could hide
        assert wrong_way_moves(lambda r: partner.raw_prediction(r, schema), frame, rows,
                               column, partner.monotone[column], codes) == 0, column


def test_constrained_model_still_learns_and_round_trips(credit, tmp_path) -> None:
    """The constrained network ranks about as well as the unconstrained one on these
    drivers (which are monotone in truth), scores identically after load, and its reason
    codes move each constrained column's attribution only the allowed way."""
    from sklearn.metrics import roc_auc_score

    frame, y = credit
    held_out, y_held_out = frame.iloc[2_000:], y.iloc[2_000:]
    auc = {}
    truly_monotone = {"debt_to_income": "+", "income": "-"}  # utilization is U-shaped here
    for name, options in (("free", None), ("monotone", {"monotone": truly_monotone})):
        # one network: the checks below read its monotone slots (a bag is swept above)
        fitted = findeep.TabularClassifier(max_epochs=6, model_options=options, bagging=1)
        fitted.fit(frame.iloc[:2_000], y.iloc[:2_000])
        auc[name] = roc_auc_score(y_held_out, fitted.predict_proba(held_out)[:, 1])
    model = fitted
    assert auc["monotone"] > 0.65 and auc["monotone"] > auc["free"] - 0.03, auc
    loaded = findeep.load(model.save(tmp_path / "mono"))
    np.testing.assert_array_equal(loaded.predict_proba(held_out), model.predict_proba(held_out))
    # reason codes still add up: attributions explain the score's change from the reference
    explained = model.explain(held_out.head(200))
    assert explained.filter(like="attribution__").shape[1] == frame.shape[1]
    # and they respect the direction: a constrained column (here debt_to_income, which has
    # no gaps) above the reference never lowers the risk for '+' (nor raises it for '-'),
    # interactions included
    from findeep.explain.attributions import embed_frame, reference_embedding

    network = model.pipeline_.network
    values = embed_frame(model.pipeline_, held_out.head(200))[:, -2:].numpy()
    reference = reference_embedding(model.pipeline_)[0, -2:].numpy()
    names = model.pipeline_.preprocessor.numeric_feature_names
    for slot, position in enumerate(network.columns.tolist()):
        column = names[position]
        if frame[column].isna().any():
            continue  # its missing indicator is a free input, counted in the same column
        sign = 1 if truly_monotone[column] == "+" else -1
        pushed = explained[f"attribution__{column}"].to_numpy() * sign
        above = np.sign(values[:, slot] - reference[slot])
        assert np.all(pushed * above >= -1e-6), column


def test_constraints_that_cannot_hold_are_refused(credit) -> None:
    frame, y = credit
    with pytest.raises(ConfigError, match="numeric columns; 'purpose' is categorical"):
        findeep.TabularClassifier(max_epochs=1, model_options={
            "monotone": {"purpose": "+"}}).fit(frame, y)
    with pytest.raises(ConfigError, match="Did you mean 'income'"):
        findeep.TabularClassifier(max_epochs=1, model_options={
            "monotone": {"incme": "-"}}).fit(frame, y)
    bands = pd.Series(np.digitize(frame["debt_to_income"], [15, 30])).astype(str)
    with pytest.raises(ConfigError, match="multiclass"):
        findeep.TabularClassifier(max_epochs=1, model_options={
            "monotone": {"income": "-"}}).fit(frame, bands)


def test_cli_monotone_option(credit, tmp_path) -> None:
    """findeep train --monotone parses COLUMN:+/- and refuses a bad one in one line."""
    frame, y = credit
    data = tmp_path / "credit.csv"
    frame.assign(default=y).to_csv(data, index=False)
    result = run("train", data, "--target", "default", "--out", tmp_path / "m",
                 "--max-epochs", "2", "--monotone", "debt_to_income:+,income:-", "--bagging", "1",
                 "--quiet")
    assert result.exit_code == 0, result.output
    assert_one_line_error(run("train", data, "--target", "default", "--out", tmp_path / "n",
                              "--monotone", "income:up"), "COLUMN:+")


def test_benchmark_constrains_every_family_alike(credit, tmp_path) -> None:
    """findeep benchmark --monotone runs the network and LightGBM with the same constraints
    (recorded in the results), and refuses a constraint on a categorical column."""
    frame, y = credit
    data = tmp_path / "bench.csv"
    frame.head(800).assign(default=y.head(800)).to_csv(data, index=False)
    out = tmp_path / "bench.json"
    result = run("benchmark", data, "--target", "default", "--folds", "2", "--models",
                 "default,lightgbm", "--monotone", "debt_to_income:+", "--out", out, "--quiet")
    assert result.exit_code == 0, result.output
    import json

    assert json.loads(out.read_text())["monotone"] == {"debt_to_income": 1}
    assert_one_line_error(run("benchmark", data, "--target", "default", "--monotone",
                              "purpose:+"), "numeric columns")


def test_bundles_saved_before_the_interaction_network_still_load() -> None:
    """A config without ``interactions`` (saved by the additive-only construction) rebuilds
    the additive network, whose weights then fit; a new one has the interaction network."""
    from findeep.models.registry import build_model

    x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    new = build_model("default", n_num=3, cardinalities=[], n_out=1, x_num_train=x,
                      options={"monotone": {0: 1}})
    assert new.config["interactions"] and new.interaction is not None
    old = build_model("default", n_num=3, cardinalities=[], n_out=1, x_num_train=x,
                      options={"monotone": {0: 1}, "interactions": False})
    assert old.interaction is None and "interactions" not in old.config
    assert not any(k.startswith("interaction.") for k in old.state_dict())


def _first_class_event(credit) -> tuple[pd.DataFrame, pd.Series]:
    """The credit rows with labels 'bad' (the event) and 'good': sorted, the event is the
    first class, as in sample:credit."""
    frame, y = credit
    labels = y.map({1: "bad", 0: "good"})
    return frame, labels


def test_directions_are_the_events_where_the_event_is_the_first_class(credit, tmp_path):
    """'debt_to_income:+' means the risk of 'bad' never falls as debt grows, also where
    'bad' sorts first (the network scores the second class): swept on a saved and loaded
    bag, the event probability moves only the stated way, and the bundle records it."""
    frame, labels = _first_class_event(credit)
    model = findeep.TabularClassifier(max_epochs=4, model_options={"monotone": CONSTRAINTS})
    model = findeep.load(model.fit(frame, labels).save(tmp_path / "bad-first"))
    assert list(model.classes_) == ["bad", "good"]
    assert model.training_["monotone_of"] == "event_probability"
    rows = random_rows(frame, 1_000, seed=4)
    for column, direction in CONSTRAINTS.items():
        assert wrong_way_moves(model.event_probability, frame, rows, column,
                               1 if direction == "+" else -1) == 0, column


def test_a_bundle_trained_before_the_fix_warns_that_its_directions_are_turned(credit, tmp_path):
    """An earlier findeep read the directions for the second class: loading such a bundle
    (event first, constraints, no 'monotone_of' mark) warns to train it again."""
    import json

    from cli_helpers import rewrite_bundle_document

    frame, labels = _first_class_event(credit)
    path = findeep.TabularClassifier(max_epochs=2, bagging=1, model_options={
        "monotone": {"income": "-"}}).fit(frame, labels).save(tmp_path / "old")
    document = json.loads((path / "bundle.json").read_text())
    del document["training"]["monotone_of"]
    rewrite_bundle_document(path, document)
    with pytest.warns(FindeepWarning, match="each runs the other way; train it again"):
        findeep.load(path)


def test_benchmark_constrains_the_baselines_in_the_events_direction(credit) -> None:
    """LightGBM fits the class codes: where the event sorts first, its constraint must turn
    with them. Risk rises with debt_to_income here, so 'debt_to_income:+' on that column
    alone keeps LightGBM's AUC (turned, it would fall to about 0.5)."""
    pytest.importorskip("lightgbm")
    from findeep.benchmark import run_benchmark

    frame, labels = _first_class_event(credit)
    table = frame[["debt_to_income"]].assign(status=labels.to_numpy())
    free = run_benchmark(table, "status", models=["lightgbm"], n_folds=3, verbose=0)
    held = run_benchmark(table, "status", models=["lightgbm"], n_folds=3, verbose=0,
                         monotone={"debt_to_income": 1})
    auc = {name: pd.DataFrame(result.folds)["roc_auc"].mean() for name, result in
           (("free", free), ("held", held))}
    assert auc["free"] > 0.6 and auc["held"] > auc["free"] - 0.02, auc


def test_a_dates_parts_can_be_constrained_and_the_date_itself_is_pointed_at_them() -> None:
    """'applied_on__days:+' was 'not a column of the data. Did you mean applied_on?', and
    'applied_on' then 'not numeric': a date's parts are the numbers the model reads."""
    frame = make_credit_frame(800, seed=3)
    y = frame.pop("default")
    with pytest.raises(ConfigError, match=r"'applied_on' is a date.*'applied_on__days:\+'"):
        findeep.TabularClassifier(max_epochs=1, bagging=1, model_options={
            "monotone": {"applied_on": "+"}}).fit(frame, y)
    model = findeep.TabularClassifier(max_epochs=2, bagging=1, model_options={
        "monotone": {"applied_on__days": "+", "income": "-"}}).fit(frame, y)
    # two weeks later in the same month: only days since 1970 moves (year, month and day of
    # week stay), so the constrained score may not fall
    stamps = pd.to_datetime(frame["applied_on"])
    rows = frame[stamps.dt.day <= 10]
    later = rows.assign(applied_on=pd.to_datetime(rows["applied_on"]) + pd.Timedelta(days=14))
    assert len(rows) > 100
    assert (model.predict_proba(later)[:, 1] >= model.predict_proba(rows)[:, 1] - 1e-6).all()


def test_constraining_the_time_column_says_it_is_the_splits_clock(tmp_path) -> None:
    """--monotone on the --time-column (or one of its parts) said "not a column of the data"
    of a column plainly in the file: the split's clock is no input of the model."""
    frame = make_credit_frame(300, seed=4)
    frame.to_csv(tmp_path / "loans.csv", index=False)
    for constrained in ("applied_on:+", "applied_on__days:+"):
        result = run("train", tmp_path / "loans.csv", "--target", "default", "--time-column",
                     "applied_on", "--monotone", constrained, "--out", tmp_path / "m")
        assert_one_line_error(result, "--time-column")
        assert "not an input of the model" in result.output
        assert not (tmp_path / "m").exists()
