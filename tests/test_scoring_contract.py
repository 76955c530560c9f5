"""Scoring reads new rows the way training read its table, and says what it absorbed,
on the command line (stderr), in Python (a FindeepWarning) and in the scoring report."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import findeep
from findeep.data.schema import FindeepWarning
from findeep.pipeline import pipeline_from_bundle, pipeline_to_bundle
from findeep.testing import make_credit_frame
from tests.cli_helpers import run

QUICK = {"max_epochs": 3, "bagging": 1}


def _day_first_text(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(applied_on=frame["applied_on"].dt.strftime("%d/%m/%Y"))


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> tuple[findeep.TabularClassifier, Path]:
    """A classifier trained on dates written day first (25/06/2021) and with some purposes
    missing, saved as a bundle."""
    frame = _day_first_text(make_credit_frame(600, seed=3))
    frame["purpose"] = frame["purpose"].where(frame.index % 10 != 0, None)
    y = frame.pop("default")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator = findeep.TabularClassifier(**QUICK).fit(frame, y)
    path = tmp_path_factory.mktemp("contract") / "bundle"
    estimator.save(path)
    return findeep.load(path), path


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    """Rows to score, dated day first as in training; the target kept for evaluate."""
    return _day_first_text(make_credit_frame(200, seed=9))


def _scored(estimator, frame: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        probability = estimator.predict_proba(frame.drop(columns="default"))[:, 1]
    return probability, [str(w.message) for w in caught if w.category is FindeepWarning]


def test_a_column_with_no_value_at_all_is_named_in_python(model, rows) -> None:
    """An all-missing income (a broken join) is scored, with a warning naming it."""
    _, messages = _scored(model[0], rows.assign(income=np.nan))
    assert any("'income' have no value in any of the 200 rows" in m for m in messages)
    _, plain = _scored(model[0], rows)
    assert not any("no value in any" in m for m in plain)


def test_a_column_with_no_value_at_all_is_named_by_predict_and_evaluate(model, rows,
                                                                        tmp_path) -> None:
    """predict and evaluate still succeed, and say on stderr which column was empty."""
    path = tmp_path / "empty_income.csv"
    rows.assign(income=np.nan).to_csv(path, index=False)
    for args in (("predict", model[1], path, "--out", tmp_path / "scores.csv"),
                 ("evaluate", model[1], path)):
        result = run(*args)
        assert result.exit_code == 0, result.output
        assert "'income' have no value in any of the 200 rows" in result.stderr


def test_the_bundle_keeps_the_day_first_order_and_an_ambiguous_batch_reads_it(model) -> None:
    """Rows whose days are all 12 or less score as the same rows in ISO dates, with no
    'could be day first or month first' guess."""
    estimator, _ = model
    assert estimator.pipeline_.schema.day_first == {"applied_on": True}
    frame = make_credit_frame(400, seed=11)
    frame = frame[frame["applied_on"].dt.day <= 12]
    iso = frame.assign(applied_on=frame["applied_on"].dt.strftime("%Y-%m-%d"))
    iso_scores, _ = _scored(estimator, iso)
    day_first_scores, messages = _scored(estimator, _day_first_text(frame))
    np.testing.assert_array_equal(day_first_scores, iso_scores)
    assert not any("could be day first" in m for m in messages)


def test_a_bundle_written_before_the_order_was_kept_still_loads(model) -> None:
    """An older bundle.json has no day_first: it loads, and dates are inferred per batch."""
    meta, tensors = pipeline_to_bundle(model[0].pipeline_)
    for column in meta["schema"]["columns"]:
        column.pop("day_first", None)
    pipeline = pipeline_from_bundle(meta, tensors)
    assert pipeline.schema.day_first == {}
    assert pipeline.scoring_rules.day_first == {}


def test_only_a_bundle_holding_a_date_order_is_written_as_format_2(model, tmp_path) -> None:
    """findeep 1 readers failed on the day_first field with a TypeError: a bundle holding it
    says format 2, which they refuse with "upgrade findeep"; one without it stays format 1,
    readable by them. A format newer than this findeep reads is refused in one sentence."""
    import json

    from findeep.bundle import FORMAT_VERSION
    from findeep.errors import BundleError

    _, path = model
    assert json.loads((path / "bundle.json").read_text())["format_version"] == 2
    iso = make_credit_frame(300, seed=4)
    y = iso.pop("default")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = findeep.TabularClassifier(**QUICK).fit(iso, y).save(tmp_path / "iso")
    document = json.loads((plain / "bundle.json").read_text())
    assert document["format_version"] == 1
    assert not any("day_first" in column for column in document["schema"]["columns"])
    assert findeep.load(plain).predict_proba(iso).shape == (300, 2)
    document["format_version"] = FORMAT_VERSION + 1
    (plain / "bundle.json").write_text(json.dumps(document))
    checksums = json.loads((plain / "checksums.json").read_text())
    from findeep.bundle import sha256_file

    checksums["bundle.json"] = sha256_file(plain / "bundle.json")
    (plain / "checksums.json").write_text(json.dumps(checksums))
    with pytest.raises(BundleError, match=r"newer findeep .* upgrade findeep"):
        findeep.load(plain)


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_category_text_scores_as_missing_in_python_and_from_csv(model, rows, blank,
                                                                     tmp_path) -> None:
    """"" or spaces in a categorical column score as a missing value (None, an empty CSV
    cell), whether the rows come as a DataFrame or a CSV file."""
    estimator, bundle = model
    missing, _ = _scored(estimator, rows.head(3).assign(purpose=None))
    blanked, messages = _scored(estimator, rows.head(3).assign(purpose=blank))
    np.testing.assert_array_equal(blanked, missing)
    assert not any("never seen in training" in m for m in messages)
    path = tmp_path / "blank.csv"
    rows.head(3).assign(purpose=blank).to_csv(path, index=False)
    result = run("predict", bundle, path, "--out", tmp_path / "blank_scores.csv")
    assert result.exit_code == 0, result.output
    from_csv = pd.read_csv(tmp_path / "blank_scores.csv").iloc[:, 0].to_numpy()
    np.testing.assert_allclose(from_csv, missing, atol=1e-7)


def test_thousands_read_as_decimal_commas_are_warned_about(model, rows, tmp_path) -> None:
    """A semicolon file with incomes written 34,800 is read with decimal commas (34.8):
    predict warns that income is about 1000x below its training scale. The same file with
    plain incomes does not."""
    frame = rows.drop(columns="default")
    thousands = tmp_path / "thousands.csv"
    frame.assign(income=frame["income"].map(lambda v: f"{v:,.0f}")).to_csv(
        thousands, index=False, sep=";")
    result = run("predict", model[1], thousands, "--out", tmp_path / "t.csv")
    assert result.exit_code == 0, result.output
    assert "'income' about 1,000x smaller" in result.stderr
    plain = tmp_path / "plain.csv"
    frame.to_csv(plain, index=False, sep=";")
    result = run("predict", model[1], plain, "--out", tmp_path / "p.csv")
    assert result.exit_code == 0 and "smaller" not in result.stderr, result.stderr


def test_python_scoring_warns_once_about_unseen_categories(model, rows) -> None:
    """predict_proba and predict each raise one FindeepWarning counting the unseen levels."""
    estimator, _ = model
    frame = rows.drop(columns="default").assign(purpose="crypto")
    for score in (estimator.predict_proba, estimator.predict):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            score(frame)
        counted = [str(w.message) for w in caught if "shared unknown level" in str(w.message)]
        assert len(counted) == 1 and "never seen in training: 'purpose' 200" in counted[0]


def test_a_missing_category_is_not_reported_as_unseen(model, rows, tmp_path) -> None:
    """A missing region (none in training) is not an 'unseen category' on the command line,
    and Python says it was missing."""
    path = tmp_path / "no_region.csv"
    rows.head(1).assign(region=np.nan).to_csv(path, index=False)
    result = run("predict", model[1], path, "--out", tmp_path / "r.csv")
    assert result.exit_code == 0 and "unseen" not in result.output, result.output
    _, messages = _scored(model[0], rows.head(1).assign(region=None))
    assert any("missing, in column(s) with no missing values in training: 'region' 1" in m
               for m in messages)
