"""``--event-class`` (``event_class=``): the user names a binary target's event where the
labels would choose the other. An 'approve' target of 0/1 reads 1 (an approval) as the
event, because 1 usually means default; then the "risk" findeep reports, the PD of
``--lgd`` and the direction of ``--monotone`` would all be an approval's. Naming the event
changes what is reported, never what is learned: the same network, the probabilities
mirrored."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from findeep.data.target import infer_target
from findeep.errors import ConfigError, TargetError
from findeep.estimators import TabularClassifier, TabularRegressor
from findeep.testing import make_credit_frame
from tests.cli_helpers import assert_one_line_error, run


def test_the_named_class_is_the_event_as_written_on_the_command_line():
    approve = pd.Series([0, 1, 1, 1, 0, 1])
    assert infer_target(approve, "approve").event_class == 1  # the label rule: 1 is risk
    assert infer_target(approve, "approve", event_class="0").event_class == 0
    assert infer_target(pd.Series([0.0, 1.0, 1.0]), "y", event_class="0").event_class == 0
    grade = pd.Series(["good", "bad", "good", "good"])
    assert infer_target(grade, "grade").event_class == "bad"
    assert infer_target(grade, "grade", event_class="good").event_class == "good"
    assert infer_target(grade, "grade", event_class="GOOD").event_class == "good"


def test_a_class_the_target_lacks_or_a_target_without_an_event_is_one_sentence():
    with pytest.raises(TargetError, match=r"--event-class 'godo' is not a class of target "
                                          r"'grade'; its classes are 'bad', 'good'\. Did you "
                                          r"mean 'good'\?"):
        infer_target(pd.Series(["good", "bad"]), "grade", event_class="godo")
    with pytest.raises(TargetError, match="'rating' has 3 classes"):
        infer_target(pd.Series([0, 1, 2, 1]), "rating", event_class="1")
    with pytest.raises(ConfigError, match="a regression target has none"):
        infer_target(pd.Series([0, 1, 1]), "y", task="regression", event_class="1")
    with pytest.raises(TargetError, match="read as a regression target"):
        infer_target(pd.Series(np.linspace(0, 1, 50)), "rate", event_class="1")


@pytest.fixture(scope="module")
def approvals(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Credit applications whose target is an approval: 1 = approved (no default)."""
    frame = make_credit_frame(1_500, seed=7)
    frame["approve"] = 1 - frame.pop("default")
    path = tmp_path_factory.mktemp("approvals") / "approvals.csv"
    frame.to_csv(path, index=False)
    return path


def test_train_with_event_class_reports_the_named_event_and_mirrors_the_scores(
        approvals: Path, tmp_path: Path):
    common = ("--target", "approve", "--max-epochs", "3", "--bagging", "1", "--quiet")
    assert run("train", approvals, *common, "--out", tmp_path / "as-labelled").exit_code == 0
    named = run("train", approvals, *common, "--event-class", "0", "--out", tmp_path / "named")
    assert named.exit_code == 0, named.output
    report = json.loads((tmp_path / "named" / "metrics.json").read_text())
    assert report["event_class"] == 0
    assert "event 0 in" in named.stdout
    for name in ("as-labelled", "named"):
        assert run("predict", tmp_path / name, approvals, "--out",
                   tmp_path / f"{name}.csv").exit_code == 0
    labelled = pd.read_csv(tmp_path / "as-labelled.csv")
    declined = pd.read_csv(tmp_path / "named.csv")
    assert "probability_1" in labelled.columns and "probability_0" in declined.columns
    # the same network learned either way: the event's probability is the other's complement
    np.testing.assert_allclose(declined["probability_0"], 1 - labelled["probability_1"],
                               atol=1e-6)
    # and the AUC of the event's probability is the same figure
    first = json.loads((tmp_path / "as-labelled" / "metrics.json").read_text())
    assert report["test"]["roc_auc"] == pytest.approx(first["test"]["roc_auc"], abs=1e-9)


def test_a_bad_event_class_on_the_command_line_is_one_line_before_training(approvals: Path,
                                                                           tmp_path: Path):
    result = run("train", approvals, "--target", "approve", "--event-class", "yes",
                 "--out", tmp_path / "m")
    assert_one_line_error(result, "--event-class 'yes' is not a class of target 'approve'")
    assert not (tmp_path / "m").exists()


def test_the_estimators_take_event_class_and_a_regressor_refuses_it():
    frame = make_credit_frame(600, seed=3)
    y = 1 - frame.pop("default")
    named = TabularClassifier(max_epochs=2, bagging=1, event_class=0).fit(frame, y)
    plain = TabularClassifier(max_epochs=2, bagging=1).fit(frame, y)
    np.testing.assert_array_equal(named.classes_, plain.classes_)
    np.testing.assert_allclose(named.predict_proba(frame), plain.predict_proba(frame),
                               atol=1e-6)  # what is learned does not move
    np.testing.assert_allclose(named.event_probability(frame),
                               named.predict_proba(frame)[:, 0], atol=1e-6)
    with pytest.raises(ConfigError, match="event_class"):
        TabularRegressor(max_epochs=1, event_class=1).fit(frame, frame["income"].fillna(0))


def test_streamed_training_takes_event_class(approvals: Path, tmp_path: Path):
    parquet = tmp_path / "approvals.parquet"
    pd.read_csv(approvals).to_parquet(parquet, row_group_size=500)
    result = run("train", parquet, "--target", "approve", "--event-class", "0", "--stream",
                 "--max-epochs", "2", "--quiet", "--out", tmp_path / "streamed")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "streamed" / "metrics.json").read_text())["event_class"] == 0
