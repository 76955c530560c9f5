"""findeep explain / drift / fairness as a user meets them, bad input included."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cli_helpers import assert_one_line_error, run


@pytest.fixture(scope="module")
def files(tmp_path_factory, driver_model, driver_data) -> dict[str, Path]:
    """A saved bundle, labelled data with an id and a protected column, and a shifted copy."""
    root = tmp_path_factory.mktemp("explain-cli")
    X, y = driver_data
    data = X.head(200).assign(default=y.head(200).to_numpy(), applicant=np.arange(200),
                              group=np.where(X["debt_to_income"].head(200) > 30, "a", "b"))
    shifted = data.assign(utilization=data["utilization"] + 0.5)
    data.to_csv(root / "data.csv", index=False)
    shifted.to_csv(root / "shifted.csv", index=False)
    driver_model.save(root / "model")
    return {"root": root, "bundle": root / "model", "data": root / "data.csv",
            "shifted": root / "shifted.csv"}


def test_explain_writes_reasons_and_refuses_to_overwrite(files):
    """One output row per input row with reasons; a second run needs --force."""
    out = files["root"] / "reasons.csv"
    result = run("explain", files["bundle"], files["data"], "--out", out, "--top", "2",
                 "--id-column", "applicant")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert len(table) == 200 and list(table.columns[:4]) == ["applicant", "probability",
                                                             "reason_1", "reason_2"]
    assert table["reason_1"].dropna().str.contains("raised the risk most").all()
    assert_one_line_error(run("explain", files["bundle"], files["data"], "--out", out),
                          "already exists", "--force")
    assert run("explain", files["bundle"], files["data"], "--out", out, "--force").exit_code == 0


def test_explain_against_an_explicit_reference(files):
    """--reference sets the population the attributions are measured from."""
    out = files["root"] / "against-itself.csv"
    result = run("explain", files["bundle"], files["data"], "--out", out, "--reference",
                 files["data"])
    assert result.exit_code == 0, result.output
    default = pd.read_csv(files["root"] / "reasons.csv").filter(like="attribution__")
    explicit = pd.read_csv(out).filter(like="attribution__")
    assert not np.allclose(default.to_numpy(), explicit.to_numpy(), atol=0.05)


def test_explain_scorecard_adds_points(files):
    """--scorecard adds the score, the base points and points per column."""
    out = files["root"] / "points.csv"
    result = run("explain", files["bundle"], files["data"], "--out", out, "--scorecard",
                 "--pdo", "40")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert {"score", "base_points", "points__debt_to_income"} <= set(table.columns)


def test_explain_surrogate_prints_fidelity_and_rules(files):
    """--surrogate prints the fidelity table and IF/THEN rules."""
    result = run("explain", files["bundle"], files["data"], "--surrogate", "--depth", "2")
    assert result.exit_code == 0, result.output
    assert "agreement" in result.stdout and "auc_surrogate" in result.stdout
    assert result.stdout.count("IF ") == 4


def test_drift_flags_the_shifted_column(files):
    """drift lists the score and every column, flagging the moved one."""
    stable = run("drift", files["bundle"], files["data"])
    assert stable.exit_code == 0, stable.output
    assert "major shift" not in stable.stdout
    moved = run("drift", files["bundle"], files["shifted"])
    line = next(row for row in moved.stdout.splitlines() if "utilization" in row)
    assert "major shift" in line


def test_fairness_reports_groups_and_gaps(files):
    """fairness prints one line per group and the disparate-impact summary."""
    result = run("fairness", files["bundle"], files["data"], "--protected", "group",
                 "--threshold", "0.4")
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())
    assert "Disparate impact" in said and "the least approved group" in said
    assert "Largest gap in the false positive rate (non-events declined)" in said


@pytest.mark.parametrize("args, fragments", [
    (["explain", "{bundle}", "{data}"], ["--out is required"]),
    (["explain", "{bundle}", "{data}", "--out", "{root}/r.csv", "--top", "0"],
     ["top must be a positive integer"]),
    (["explain", "{root}/nope", "{data}", "--out", "{root}/r.csv"], ["not a findeep bundle"]),
    (["explain", "{bundle}", "{root}/missing.csv", "--out", "{root}/r.csv"], ["does not exist"]),
    (["explain", "{bundle}", "{data}", "--surrogate", "--depth", "40"], ["depth"]),
    (["drift", "{bundle}", "{root}/missing.csv"], ["does not exist"]),
    (["fairness", "{bundle}", "{data}", "--protected", "gruop"], ["Did you mean 'group'"]),
    (["fairness", "{bundle}", "{data}", "--protected", "group", "--threshold", "2"],
     ["threshold"]),
])
def test_bad_input_gets_one_line_and_exit_2(files, args, fragments):
    """Every new command turns bad input into one stderr line and exit code 2."""
    filled = [a.format(**{k: str(v) for k, v in files.items()}) for a in args]
    assert_one_line_error(run(*filled), *fragments)
    assert not (files["root"] / "r.csv").exists()


def test_importance_ranks_the_driving_columns_first_and_writes_the_table(files):
    """With labels: permutation drop and attributions; the three drivers lead; --out written."""
    out = files["root"] / "importance.csv"
    result = run("importance", files["bundle"], files["data"], "--n-repeats", "3", "--out", out)
    assert result.exit_code == 0, result.output
    assert "shuffled" in result.output and "debt_to_income" in result.output
    table = pd.read_csv(out)
    assert set(table["column"].head(3)) == {"debt_to_income", "utilization", "late_payments"}
    assert {"permutation_ci_low", "permutation_ci_high", "mean_abs_attribution"} <= set(
        table.columns)
    assert_one_line_error(run("importance", files["bundle"], files["data"], "--out", out),
                          "already exists", "--force")


def test_importance_without_labels_shows_attributions_and_says_why(files):
    """Unlabelled data still gets attribution importance, with a note on what is missing."""
    unlabelled = files["root"] / "unlabelled.csv"
    pd.read_csv(files["data"]).drop(columns=["default"]).to_csv(unlabelled, index=False)
    result = run("importance", files["bundle"], unlabelled, "--max-rows", "50")
    assert result.exit_code == 0, result.output
    assert "permutation importance needs labels" in " ".join(result.output.split())
    assert "drop when shuffled" not in result.output


def test_dependence_prints_and_writes_the_sweep(files):
    """One table per --column; the file holds the same long table."""
    out = files["root"] / "dependence.parquet"
    result = run("dependence", files["bundle"], files["data"], "--column", "debt_to_income",
                 "--column", "utilization", "--grid-resolution", "4", "--out", out)
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out)
    assert table.groupby("column").size().to_dict() == {"debt_to_income": 4, "utilization": 4}
    words = result.output.split()
    assert words.count("dependence") == 2 and "utilization" in words


def test_dependence_refuses_bad_columns_and_outputs_before_any_work(files):
    """A misspelt column gets a suggestion; an unknown output format is refused."""
    assert_one_line_error(run("dependence", files["bundle"], files["data"], "--column",
                              "utilisation"), "Did you mean 'utilization'")
    assert_one_line_error(run("dependence", files["bundle"], files["data"], "--column",
                              "utilization", "--out", files["root"] / "pd.xlsx"),
                          "output format")


@pytest.fixture(scope="module")
def multiclass_files(tmp_path_factory) -> dict[str, Path]:
    """A saved multiclass bundle (loan purpose) and labelled data for it."""
    from findeep import TabularClassifier
    from findeep.testing import make_credit_frame

    root = tmp_path_factory.mktemp("explain-multiclass")
    frame = make_credit_frame(600, seed=4).drop(columns=["applied_on", "default"])
    TabularClassifier(max_epochs=2, bagging=1).fit(frame.drop(columns=["purpose"]),
                                        frame["purpose"]).save(root / "model")
    frame.head(40).to_csv(root / "data.csv", index=False)
    return {"root": root, "bundle": root / "model", "data": root / "data.csv"}


def test_explain_a_multiclass_model_per_predicted_or_named_class(multiclass_files):
    """Reason codes explain each row's predicted class, or the --class given for every row."""
    files = multiclass_files
    out = files["root"] / "reasons.csv"
    result = run("explain", files["bundle"], files["data"], "--out", out)
    assert result.exit_code == 0, result.output
    assert "average training row" in " ".join(result.output.split())
    table = pd.read_csv(out)
    assert table["explained_class"].notna().all() and len(table) == 40
    named = files["root"] / "car.csv"
    assert run("explain", files["bundle"], files["data"], "--out", named, "--class",
               "car").exit_code == 0
    assert set(pd.read_csv(named)["explained_class"]) == {"car"}
    assert_one_line_error(run("explain", files["bundle"], files["data"], "--out",
                              files["root"] / "x.csv", "--class", "yacht"),
                          "not one of the model's classes")


def test_importance_and_dependence_of_a_multiclass_model(multiclass_files):
    """Permutation importance is the rise in log-loss; partial dependence has a column of
    probabilities per class."""
    files = multiclass_files
    result = run("importance", files["bundle"], files["data"], "--repeats", "2")
    assert result.exit_code == 0, result.output
    assert "log_loss rise" in " ".join(result.output.split())
    out = files["root"] / "pd.csv"
    result = run("dependence", files["bundle"], files["data"], "--column", "income", "--grid",
                 "3", "--out", out)
    assert result.exit_code == 0, result.output
    assert "average_car" in pd.read_csv(out).columns


def test_explain_says_which_category_values_were_never_seen(tmp_path):
    """predict said '... never seen in training'; explain on the same rows said nothing."""
    import findeep
    from findeep.testing import make_credit_frame

    frame = make_credit_frame(400, seed=2).drop(columns=["applied_on"])
    y = frame.pop("default")
    bundle = findeep.TabularClassifier(max_epochs=1, bagging=1).fit(frame, y).save(
        tmp_path / "m")
    rows = frame.head(30).astype({"purpose": object})
    rows.loc[:4, "purpose"] = "spaceship"
    odd = tmp_path / "odd.csv"
    rows.to_csv(odd, index=False)
    result = run("explain", bundle, odd, "--out", tmp_path / "r.csv")
    assert result.exit_code == 0, result.output
    assert "never seen in training: 'purpose' 5" in " ".join(result.stderr.split())
