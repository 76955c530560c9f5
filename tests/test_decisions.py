"""Credit decisions: the economics of cut-offs on labelled rows, saved cut-off policies,
approve/decline with reason codes."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import findeep
from cli_helpers import assert_one_line_error, run
from findeep.data.profile import reference_frame
from findeep.data.schema import FindeepWarning
from findeep.decisions import apply_policy, decision_economics, save_policy
from findeep.explain.attributions import column_attributions
from findeep.explain.commands import load_pipeline
from findeep.explain.reasons import explain_frame
from findeep.testing import make_credit_frame


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("decisions")
    frame = make_credit_frame(1_300, seed=12).drop(columns=["applied_on"])
    frame["loan_amount"] = np.random.default_rng(0).integers(1_000, 20_000, len(frame))
    train, new = frame.iloc[:1_000], frame.iloc[1_000:]
    features = train.drop(columns=["default", "loan_amount"])
    bundle = findeep.TabularClassifier(max_epochs=3, bagging=1).fit(
        features, train["default"]).save(root / "bundle")
    other = findeep.TabularClassifier(max_epochs=1, random_state=1, bagging=1).fit(
        features, train["default"]).save(root / "other")
    new.to_csv(root / "new.csv", index=False)
    return {"bundle": bundle, "other": other, "new": root / "new.csv", "root": root}


def test_evaluate_prices_cutoffs_and_saves_the_best_as_a_policy(files) -> None:
    """--lgd/--exposure/--margin add expected loss by band, the profit-maximising cut-off
    and EMP; --policy-out keeps that cut-off tied to the bundle's weights."""
    policy = files["root"] / "policy.json"
    metrics = files["root"] / "metrics.json"
    result = run("evaluate", files["bundle"], files["new"], "--lgd", "0.45", "--exposure",
                 "loan_amount", "--margin", "0.12", "--policy-out", policy, "--out", metrics)
    assert result.exit_code == 0, result.output
    assert "expected loss by score band" in result.stdout and "EMP " in result.stdout
    economics = json.loads(metrics.read_text())["economics"]
    frame = pd.read_csv(files["new"])
    assert sum(b["exposure"] for b in economics["expected_loss"]) == pytest.approx(
        frame["loan_amount"].sum())
    best = economics["profit"]["best_profit"]
    assert best >= max(p["profit"] for p in economics["profit"]["curve"]) - 1e-9
    saved = json.loads(policy.read_text())
    assert saved["decline_at_or_above"] == pytest.approx(
        min(economics["profit"]["best_cutoff"], 1.0))


def _decide_with_a_new_policy(files, name: str) -> tuple[pd.DataFrame, float, Any]:
    """``evaluate --policy-out`` on the new rows, then ``predict --policy`` on them: the
    decisions as written, the policy's cut-off and the predict run."""
    policy = files["root"] / f"{name}.json"
    assert run("evaluate", files["bundle"], files["new"], "--lgd", "0.9", "--margin", "0.1",
               "--policy-out", policy).exit_code == 0
    out = files["root"] / f"{name}.csv"
    result = run("predict", files["bundle"], files["new"], "--policy", policy, "--out", out)
    assert result.exit_code == 0, result.output
    decided = pd.read_csv(out, keep_default_na=False)
    return decided, json.loads(policy.read_text())["decline_at_or_above"], result


def test_predict_with_a_policy_declines_above_the_cutoff_with_reasons(files) -> None:
    """Every row at or above the cut-off is declined and says why; approvals carry none."""
    decided, cutoff, _ = _decide_with_a_new_policy(files, "p2")
    declined = decided["decision"] == "decline"
    assert 0 < declined.sum() < len(decided)
    assert (declined == (decided["probability_1"] >= cutoff)).all()
    assert (decided.loc[declined, "reason_1"].str.contains("raised the risk")).all()
    assert (decided.loc[~declined, "reason_1"] == "").all()


def test_predict_with_a_policy_gives_as_many_reasons_as_asked(files) -> None:
    """--reasons 4 (adverse-action notices usually give up to four) writes four reason
    columns; 0 or --reasons without --policy is one line."""
    policy = files["root"] / "p4r.json"
    assert run("evaluate", files["bundle"], files["new"], "--lgd", "0.9", "--margin", "0.1",
               "--policy-out", policy).exit_code == 0
    out = files["root"] / "four.csv"
    assert run("predict", files["bundle"], files["new"], "--policy", policy, "--reasons", "4",
               "--out", out).exit_code == 0
    decided = pd.read_csv(out, keep_default_na=False)
    assert [c for c in decided if c.startswith("reason_")] == [f"reason_{i}" for i in range(1, 5)]
    assert_one_line_error(run("predict", files["bundle"], files["new"], "--policy", policy,
                              "--reasons", "0", "--out", files["root"] / "z.csv"),
                          "--reasons must be a whole number of at least 1")
    for count in ("4", "3"):  # the default's value, given, is no less a mistake
        assert_one_line_error(run("predict", files["bundle"], files["new"], "--reasons", count,
                                  "--out", files["root"] / "z.csv"), "add --policy")


def test_decision_inputs_that_do_not_fit_are_one_line(files) -> None:
    """A policy made for another model, a misspelt LGD column, --policy-out without --lgd."""
    policy = files["root"] / "p3.json"
    assert run("evaluate", files["bundle"], files["new"], "--lgd", "0.5",
               "--policy-out", policy).exit_code == 0
    out = files["root"] / "x.csv"
    assert_one_line_error(run("predict", files["other"], files["new"], "--policy", policy,
                              "--out", out), "another model")
    assert not out.exists()
    assert_one_line_error(run("evaluate", files["bundle"], files["new"], "--lgd", "0.5",
                              "--exposure", "loan_amont"), "Did you mean 'loan_amount'")
    assert_one_line_error(run("evaluate", files["bundle"], files["new"], "--policy-out",
                              files["root"] / "p4.json"), "--lgd")
    assert_one_line_error(run("evaluate", files["bundle"], files["new"], "--lgd", "1.4"),
                          "lgd must be at most 1")


def test_exposure_or_margin_without_lgd_is_refused_not_ignored(files) -> None:
    """--exposure and --margin price cut-offs only with --lgd: given alone they used to be
    dropped in silence (exit 0, no economics); evaluate and report now say so in one line."""
    assert_one_line_error(run("evaluate", files["bundle"], files["new"], "--exposure",
                              "loan_amount"), "--exposure", "--lgd")
    out = files["root"] / "r.html"
    assert_one_line_error(run("report", files["bundle"], files["new"], "--margin", "0.1",
                              "--out", out), "--margin", "--lgd")
    assert not out.exists()


def test_a_target_read_as_float_prices_the_same_defaults(files) -> None:
    """A label column read as 1.0/0.0 (any CSV with a blank label) counts the same defaults
    as 1/0: the same best cut-off, profit and EMP, and a policy that declines someone."""
    frame = pd.read_csv(files["new"])
    blank = frame.copy()
    blank.loc[blank.index[:5], "default"] = np.nan  # pandas now reads the column as float
    blank.to_csv(files["root"] / "new_blank.csv", index=False)
    assert pd.read_csv(files["root"] / "new_blank.csv")["default"].dtype == float
    policy, metrics = files["root"] / "blank.json", files["root"] / "blank_metrics.json"
    result = run("evaluate", files["bundle"], files["root"] / "new_blank.csv", "--lgd", "0.45",
                 "--exposure", "loan_amount", "--margin", "0.12", "--policy-out", policy,
                 "--out", metrics)
    assert result.exit_code == 0, result.output
    as_float = json.loads(metrics.read_text())["economics"]
    as_int = decision_economics(load_pipeline(files["bundle"]), frame.iloc[5:], lgd=0.45,
                                exposure="loan_amount", margin=0.12)
    assert as_float["profit"]["best_cutoff"] == as_int["profit"]["best_cutoff"] < 1.0
    assert as_float["profit"]["best_profit"] == pytest.approx(as_int["profit"]["best_profit"])
    assert as_float["approve_all_profit"] == pytest.approx(as_int["approve_all_profit"])
    assert as_float["emp"]["emp"] == pytest.approx(as_int["emp"]["emp"])
    assert json.loads(policy.read_text())["decline_at_or_above"] < 1.0


def test_a_wrong_policy_extension_is_refused_before_any_evaluation(files) -> None:
    """--policy-out p.txt fails in one line before a metric is printed, like an existing
    file does."""
    result = run("evaluate", files["bundle"], files["new"], "--lgd", "0.45",
                 "--policy-out", files["root"] / "p.txt")
    assert_one_line_error(result, "name it with .json")
    assert result.stdout == ""
    assert not (files["root"] / "p.txt").exists()


def test_decisions_recomputed_from_the_written_file_match(files) -> None:
    """A policy made on the data it is applied to has its cut-off at some row's score; the
    decisions recomputed from the written probability and the written cut-off are exactly
    the ones findeep printed and wrote, boundary row included."""
    decided, cutoff, result = _decide_with_a_new_policy(files, "exact")
    declined = decided["decision"] == "decline"
    assert (declined == (decided["probability_1"] >= cutoff)).all()
    assert f"{declined.sum():,} declined" in result.stdout
    boundary = decided["probability_1"] == cutoff  # the best cut-off is a written score
    assert boundary.any() and declined[boundary].all()


def test_a_cutoff_equal_to_a_raw_score_decides_on_the_written_score(files, tmp_path) -> None:
    """A cut-off set to a score at full precision (0.20103903114795685) decides each row on
    its probability as written (0.20103903), so a reader of the file agrees with findeep."""
    frame = pd.read_csv(files["new"])
    pipeline = load_pipeline(files["bundle"])
    scores = pipeline.event_probability(pipeline.predict_raw(frame)[0])
    as_text = scores.astype(str).astype(float)
    below = np.flatnonzero(as_text < scores.astype(float))  # text reads below the score
    assert below.size
    cutoff = float(scores[below[len(below) // 2]])
    policy = save_policy(files["bundle"], tmp_path / "raw.json", cutoff=cutoff)
    done = apply_policy(files["bundle"], files["new"], policy, tmp_path / "raw.csv")
    decided = pd.read_csv(tmp_path / "raw.csv", keep_default_na=False)
    written_cutoff = json.loads(policy.read_text())["decline_at_or_above"]
    declined = decided["decision"] == "decline"
    assert (declined == (decided["probability_1"] >= written_cutoff)).all()
    assert done["declined"] == declined.sum()


def test_every_decline_under_a_low_cutoff_gets_reasons_against_approved_applicants(
        files, tmp_path) -> None:
    """A cut-off far below the training reference's score still gives each decline a reason:
    reasons are measured against the applicants the policy approves, which the policy
    keeps (as marginals, never rows)."""
    frame = pd.read_csv(files["new"])
    pipeline = load_pipeline(files["bundle"])
    scores = pipeline.event_probability(pipeline.predict_raw(frame)[0])
    cutoff = float(np.quantile(scores.astype(float), 0.2))  # declines 80%
    training_reference = column_attributions(pipeline, frame.head(1)).baseline_output
    assert cutoff < 1 / (1 + np.exp(-training_reference))  # declines below the old reference
    policy = save_policy(files["bundle"], tmp_path / "low.json", cutoff=cutoff,
                         reference=frame)
    saved = json.loads(policy.read_text())
    assert saved["reference"]["rows"] == int((scores.astype(str).astype(float)
                                              < saved["decline_at_or_above"]).sum())
    approved = reference_frame(saved["reference"])
    approved_logit = column_attributions(pipeline, frame.head(1),
                                         reference=approved).baseline_output
    assert 1 / (1 + np.exp(-approved_logit)) < saved["decline_at_or_above"]
    done = apply_policy(files["bundle"], files["new"], policy, tmp_path / "low.csv")
    decided = pd.read_csv(tmp_path / "low.csv", keep_default_na=False)
    declined = decided["decision"] == "decline"
    assert declined.mean() > 0.7
    assert decided.loc[declined, "reason_1"].str.contains("raised the risk most").all()
    expected = explain_frame(pipeline, frame[declined.to_numpy()].reset_index(drop=True),
                             top=3, reference=approved)
    assert (decided.loc[declined, "reason_1"].to_numpy() == expected["reason_1"]).all()
    assert "approves" in done["reference"]


def test_a_decline_with_fewer_reasons_than_asked_says_so(files, tmp_path) -> None:
    """Where fewer columns raised a decline's risk than reasons were asked for, the empty
    places say so (a text no reason looks like) and the summary counts those declines."""
    frame = pd.read_csv(files["new"])
    pipeline = load_pipeline(files["bundle"])
    scores = pipeline.event_probability(pipeline.predict_raw(frame)[0])
    policy = save_policy(files["bundle"], tmp_path / "mid.json",
                         cutoff=float(np.median(scores)), reference=frame)
    n_columns = len(pipeline.schema.used_names)
    done = apply_policy(files["bundle"], files["new"], policy, tmp_path / "all.csv",
                        top=n_columns)
    decided = pd.read_csv(tmp_path / "all.csv", keep_default_na=False)
    declined = decided["decision"] == "decline"
    reasons = decided.loc[declined, [f"reason_{r + 1}" for r in range(n_columns)]]
    shortfall = f"(fewer than {n_columns} columns raised this applicant's risk)"
    assert (reasons != "").all().all()
    assert reasons.apply(lambda c: c.str.contains("raised the risk") | (c == shortfall)
                         ).all().all()
    short = (reasons == shortfall).any(axis=1)
    assert 0 < done["declines_with_fewer_reasons"] == short.sum()
    assert (decided.loc[~declined, "reason_1"] == "").all()


def test_a_two_column_model_says_each_decline_has_fewer_than_three_reasons(
        tmp_path) -> None:
    """A model of two columns cannot give three reasons: reason_3 says so for every
    decline, and predict's summary counts them."""
    frame = make_credit_frame(600, seed=5)[["debt_to_income", "utilization", "default"]]
    bundle = findeep.TabularClassifier(max_epochs=2, bagging=1).fit(
        frame[["debt_to_income", "utilization"]], frame["default"]).save(tmp_path / "two")
    frame.to_csv(tmp_path / "two.csv", index=False)
    policy = tmp_path / "two.json"
    assert run("evaluate", bundle, tmp_path / "two.csv", "--lgd", "0.9", "--margin", "0.1",
               "--policy-out", policy).exit_code == 0
    out = tmp_path / "two_decisions.csv"
    result = run("predict", bundle, tmp_path / "two.csv", "--policy", policy, "--out", out)
    assert result.exit_code == 0, result.output
    decided = pd.read_csv(out, keep_default_na=False)
    declined = decided["decision"] == "decline"
    assert declined.any()
    assert (decided.loc[declined, "reason_3"]
            == "(fewer than 3 columns raised this applicant's risk)").all()
    assert f"{declined.sum():,} decline(s) have fewer than 3 reasons" in result.stdout


def test_a_policy_without_its_own_reference_uses_the_bundles_and_says_so(
        files, tmp_path) -> None:
    """A policy made before policies kept their approved applicants (or approving none of
    its data) measures reasons against the bundle's explain reference, and says so; a
    damaged reference is refused in one line."""
    frame = pd.read_csv(files["new"])
    with pytest.warns(FindeepWarning, match="approves no row"):
        policy = save_policy(files["bundle"], tmp_path / "none.json", cutoff=1e-9,
                             reference=frame)
    assert "reference" not in json.loads(policy.read_text())
    done = apply_policy(files["bundle"], files["new"], policy, tmp_path / "none.csv")
    assert done["declined"] == len(frame) and "explain reference" in done["reference"]
    damaged = json.loads(policy.read_text())
    damaged["reference"] = {"rows": 3, "columns": {"income": {"kind": "numeric"}}}
    (tmp_path / "damaged.json").write_text(json.dumps(damaged))
    assert_one_line_error(run("predict", files["bundle"], files["new"], "--policy",
                              tmp_path / "damaged.json", "--out", tmp_path / "d.csv"),
                          "damaged 'reference'")


def _edited(path: Path, change: Any) -> Path:
    policy = json.loads(path.read_text())
    change(policy)
    edited = path.with_name(f"edited-{path.name}")
    edited.write_text(json.dumps(policy))
    return edited


def test_a_policy_is_bound_to_the_whole_model_not_only_its_weights(files, tmp_path) -> None:
    """The same weights calibrated otherwise give other probabilities: a copy of the bundle
    with another temperature (checksums recomputed) refuses the policy. A policy from before
    the document was bound still works, with a warning; an edited event class is refused."""
    import shutil

    from findeep.bundle import sha256_file

    policy = tmp_path / "policy.json"
    assert run("evaluate", files["bundle"], files["new"], "--lgd", "0.5",
               "--policy-out", policy).exit_code == 0
    recalibrated = Path(shutil.copytree(files["bundle"], tmp_path / "recalibrated"))
    meta = json.loads((recalibrated / "bundle.json").read_text())
    meta["calibration"]["temperature"] = 1.7
    (recalibrated / "bundle.json").write_text(json.dumps(meta))
    checksums = json.loads((recalibrated / "checksums.json").read_text())
    checksums["bundle.json"] = sha256_file(recalibrated / "bundle.json")
    (recalibrated / "checksums.json").write_text(json.dumps(checksums))
    out = tmp_path / "d.csv"
    assert_one_line_error(run("predict", recalibrated, files["new"], "--policy", policy,
                              "--out", out), "another model")
    older = _edited(policy, lambda p: p.pop("bundle_document_sha256"))
    with pytest.warns(FindeepWarning, match="checked only the model's weights"):
        apply_policy(files["bundle"], files["new"], older, tmp_path / "older.csv")
    other_event = _edited(policy, lambda p: p.update(event_class=0))
    assert_one_line_error(run("predict", files["bundle"], files["new"], "--policy",
                              other_event, "--out", out), "declines on event 0")
    unnamed = _edited(policy, lambda p: p.pop("bundle_weights_sha256"))
    assert_one_line_error(run("predict", files["bundle"], files["new"], "--policy",
                              unnamed, "--out", out), "names no model")
    assert not out.exists()


def test_metrics_and_policy_are_two_json_files(files, tmp_path) -> None:
    same = tmp_path / "same.json"
    assert_one_line_error(run("evaluate", files["bundle"], files["new"], "--lgd", "0.5",
                              "--out", same, "--policy-out", same), "name two")
    assert_one_line_error(run("evaluate", files["bundle"], files["new"], "--out",
                              tmp_path / "m.csv"), "name it with .json")
    assert not same.exists()


def test_degenerate_economics_approve_everyone_and_say_why(files) -> None:
    """Exposure 0 earns nothing anywhere: the best cut-off approves everyone (it declined
    everyone), with a warning; a margin typed as a percentage is warned about; a margin
    column says why EMP is missing."""
    pipeline = load_pipeline(files["bundle"])
    frame = pd.read_csv(files["new"])
    with pytest.warns(FindeepWarning, match="every cut-off earns the same"):
        flat = decision_economics(pipeline, frame, lgd=0.45, exposure=0)
    assert flat["profit"]["best_approval_rate"] == 1.0
    with pytest.warns(FindeepWarning, match="if you meant 12%, pass 0.12"):
        decision_economics(pipeline, frame, lgd=0.45, margin=12)
    by_loan = decision_economics(pipeline, frame.assign(m=0.1), lgd=0.45, margin="m")
    assert "emp" not in by_loan and "--margin is the column 'm'" in by_loan["emp_not_computed"]
    result = run("evaluate", files["bundle"], files["new"], "--lgd", "0.45", "--exposure",
                 "loan_amount", "--margin", "loan_amount")
    assert "EMP not computed" in result.stdout


def test_an_lgd_column_out_of_range_names_the_column(files, tmp_path) -> None:
    frame = pd.read_csv(files["new"])
    for values, fragment in ((-0.2, "1 negative value(s)"), (45.0, "0.45 for 45%")):
        bad = frame.assign(lgd_col=0.4)
        bad.loc[bad.index[0], "lgd_col"] = values
        path = tmp_path / "lgd.csv"
        bad.to_csv(path, index=False)
        assert_one_line_error(run("evaluate", files["bundle"], path, "--lgd", "lgd_col"),
                              "--lgd column 'lgd_col'", fragment)
    assert_one_line_error(run("evaluate", files["bundle"], files["new"], "--exposure",
                              "loan_amount"), "--exposure prices cut-offs together with --lgd")


def test_fairness_and_the_report_compare_groups_at_a_policys_cutoff(files, tmp_path) -> None:
    """--policy: the groups are compared at the cut-off the bank applies, not a retyped
    rounding of it; with --threshold too, or for another model, one line."""
    policy = tmp_path / "policy.json"
    assert run("evaluate", files["bundle"], files["new"], "--lgd", "0.5",
               "--policy-out", policy).exit_code == 0
    cutoff = json.loads(policy.read_text())["decline_at_or_above"]
    result = run("fairness", files["bundle"], files["new"], "--protected", "region",
                 "--policy", policy)
    assert result.exit_code == 0, result.output
    assert f"at threshold {cutoff}" in " ".join(result.stdout.split())
    assert_one_line_error(run("fairness", files["bundle"], files["new"], "--protected",
                              "region", "--policy", policy, "--threshold", "0.3"),
                          "drop --threshold")
    assert_one_line_error(run("report", files["other"], files["new"], "--policy", policy,
                              "--out", tmp_path / "r.md"), "another model")
    # the report names the policy beside its cut-off, and rebuilds from it
    report = tmp_path / "with-policy.md"
    assert run("report", files["bundle"], files["new"], "--policy", policy, "--out", report,
               "--max-rows", "200").exit_code == 0
    text = report.read_text()
    assert f"| cut-off | {cutoff:.8g} (decline at or above), from the policy `policy.json`" in text
    assert f"--policy {policy}" in text and "--threshold" not in text


def test_a_policy_names_blank_rows_and_a_tiny_table_says_why_no_held_out_profit(
        files, tmp_path) -> None:
    """Blank lines below the table were decided silently by a policy (plain predict named
    them); with under 5 defaulters the held-out profit was left out without a word."""
    policy = save_policy(files["bundle"], tmp_path / "p.json", cutoff=0.5)
    blank = tmp_path / "blank.csv"
    blank.write_text(files["new"].read_text().rstrip("\n") + "\n" + "," * 13 + "\n")
    with pytest.warns(UserWarning, match="1 row\\(s\\) of .* have no value in any column"):
        apply_policy(files["bundle"], blank, policy, tmp_path / "decided.csv")
    frame = pd.read_csv(files["new"])
    tiny = pd.concat([frame[frame["default"] == 1].head(3), frame[frame["default"] == 0].head(30)])
    tiny.to_csv(tmp_path / "tiny.csv", index=False)
    result = run("evaluate", files["bundle"], tmp_path / "tiny.csv", "--lgd", "0.45")
    assert result.exit_code == 0, result.output
    assert "too few defaulters or payers (under 5)" in result.stdout


def test_economics_of_a_class_weighted_model_warn_that_its_scores_are_no_default_rates(
        files) -> None:
    """class_weight='balanced' lifts every probability toward the rarer class (a mean PD far
    above the default rate); expected loss priced on them said nothing."""
    frame = make_credit_frame(1_300, seed=12).drop(columns=["applied_on"])
    train = frame.iloc[:1_000]
    weighted = findeep.TabularClassifier(max_epochs=3, bagging=1, class_weight="balanced").fit(
        train.drop(columns=["default"]), train["default"])
    with pytest.warns(FindeepWarning, match=r"class weights.*retrain without --class-weight"):
        decision_economics(weighted.pipeline_, frame.iloc[1_000:], lgd=0.45)
    plain = load_pipeline(files["bundle"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", FindeepWarning)
        decision_economics(plain, frame.iloc[1_000:], lgd=0.45)
