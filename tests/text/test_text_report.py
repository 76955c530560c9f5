"""`findeep report` on a text bundle: the honesty checks, metrics and charts of a tabular
report, the words that move the score, and the texts as the model read them."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cli_helpers import assert_one_line_error, run
from findeep.errors import ConfigError
from findeep.report import write_report
from findeep.report.text_report import word_attributions
from findeep.testing import make_text_credit_frame, make_text_frame
from findeep.text.bundle import load_text_model, save_text_model
from findeep.text.pipeline import fit_text

ROWS = "40"  # words attributed on 40 sampled rows: enough for planted words, a few seconds


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A binary credit bundle with a free-text purpose, a three-class sentiment bundle, the
    rows each was trained on and rows it never saw."""
    root = tmp_path_factory.mktemp("text-report")
    paths: dict[str, Path] = {"root": root}
    for name, make, target in (("loans", make_text_credit_frame, "default"),
                               ("news", make_text_frame, "sentiment")):
        train, new = make(500, seed=0), make(300, seed=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pipeline = fit_text(train.drop(columns=[target]), train[target], verbose=0,
                                max_epochs=8)
        paths[name] = save_text_model(pipeline, root / name)
        for part, frame in (("train", train), ("new", new)):
            paths[f"{name}-{part}"] = root / f"{name}-{part}.csv"
            frame.to_csv(paths[f"{name}-{part}"], index=False)
    return paths


def _report(files, bundle: str, data: str, out: str, *extra: str, rows: str = ROWS) -> str:
    path = files["root"] / out
    result = run("report", files[bundle], files[data], "--out", path, "--max-rows", rows,
                 "--force", *extra)
    assert result.exit_code == 0, result.output
    return path.read_text()


def _section(text: str, title: str) -> str:
    return text.split(f"## {title}")[1].split("\n## ")[0]


def test_a_binary_text_report_has_every_section_and_names_the_planted_words(files):
    text = _report(files, "loans", "loans-new", "loans.md")
    titles = [line[3:] for line in text.splitlines() if line.startswith("## ")]
    assert titles == ["The model", "Is this table an honest test?", "Performance",
                      "What drives the score", "The texts as the model read them",
                      "Stability against the training data (PSI)", "Model card"]
    assert "`text-cnn` on the text column `purpose_text`" in text
    assert re.search(r"\| roc_auc \| 0\.[6-9]\d+ \| 0\.\d+ \.\. 0\.\d+ \|", text)
    words = _section(text, "What drives the score").split("### Words that move")[1].split(
        "Examples:")[0]
    rows = [line.split(" | ")[0].strip("| ") for line in words.splitlines()
            if line.startswith("| ") and not line.startswith("| word")]
    risky, safe = {"gambling", "overdue", "consolidation"}, {"wedding", "renovation", "tuition"}
    assert len(set(rows[:5]) & risky) >= 2  # the risky purposes raise the odds most
    assert len(set(rows[-5:]) & safe) >= 2  # the safe purposes lower the odds most
    assert "Training rows: none beyond chance" in text


def test_the_rows_trained_on_are_named_as_such(files):
    text = _report(files, "loans", "loans-train", "loans-train.md")
    assert "**No: about 100% of the rows match a training row**" in text


def test_a_multiclass_report_gives_each_class_its_words(files):
    """Five verbs a class, so each class's rows are sampled deeper than the tests' 40 (the
    HTML page is opened in tests/test_report_browser.py)."""
    md = _report(files, "news", "news-new", "news.md", rows="200")
    for label, verbs in (("positive", {"rose", "increased", "grew", "jumped", "improved"}),
                         ("negative", {"fell", "decreased", "dropped", "declined", "slumped"})):
        block = md.split(f"### Words behind '{label}'")[1].split("###")[0]
        top = [line.split(" | ")[0].strip("| ") for line in block.splitlines()
               if line.startswith("| ") and not line.startswith("| word")][:5]
        assert len(set(top) & verbs) >= 3, (label, top)


def test_a_class_no_sampled_row_is_predicted_as_says_so(files):
    frame = pd.read_csv(files["news-new"])
    path = files["root"] / "neutral.csv"
    frame[frame["sentiment"] == "neutral"].to_csv(path, index=False)
    result = run("report", files["news"], path, "--out", files["root"] / "neutral.md",
                 "--max-rows", ROWS, "--force")
    assert result.exit_code == 0, result.output
    words = _section((files["root"] / "neutral.md").read_text(), "What drives the score")
    assert "### Words behind 'neutral'" in words
    assert re.search(r"'negative': \d sampled row\(s\) predicted as it, too few", words)


def test_a_leaking_note_in_the_scored_rows_raises_the_honesty_alert(files):
    frame = pd.read_csv(files["loans-new"])
    frame.loc[frame["default"] == 1, "purpose_text"] += " - charged off"
    path = files["root"] / "leaky.csv"
    frame.to_csv(path, index=False)
    result = run("report", files["loans"], path, "--out", files["root"] / "leaky.md",
                 "--max-rows", ROWS, "--force")
    assert result.exit_code == 0, result.output
    honesty = _section((files["root"] / "leaky.md").read_text(),
                       "Is this table an honest test?")
    assert "**Leak: Column(s) 'purpose_text' (AUC 1.000, the word '" in honesty


def test_texts_longer_than_training_are_flagged(files):
    frame = pd.read_csv(files["loans-new"])
    frame["purpose_text"] = frame["purpose_text"] + " because" + " of costs" * 30
    path = files["root"] / "long.csv"
    frame.to_csv(path, index=False)
    result = run("report", files["loans"], path, "--out", files["root"] / "long.md",
                 "--max-rows", ROWS, "--force")
    assert result.exit_code == 0, result.output
    texts = _section((files["root"] / "long.md").read_text(), "The texts as the model read them")
    assert "**More texts truncated here than in training**" in texts
    assert "| 300 (100.0%) | 0 (0.0%) |" in texts


def test_unlabelled_rows_get_words_and_texts_without_metrics(files):
    frame = pd.read_csv(files["loans-new"]).drop(columns=["default"])
    path = files["root"] / "unlabelled.csv"
    frame.to_csv(path, index=False)
    result = run("report", files["loans"], path, "--out", files["root"] / "u.md",
                 "--max-rows", ROWS, "--force")
    assert result.exit_code == 0, result.output
    assert "has no labels" in result.stdout
    text = (files["root"] / "u.md").read_text()
    assert "## Performance" not in text and "## What drives the score" in text


def test_the_model_card_of_a_text_model(files, tmp_path):
    info = tmp_path / "card.yaml"
    info.write_text("owner: retail credit risk\nintended_use: second opinion on stated "
                    "purposes\n")
    out = tmp_path / "card.md"
    result = run("report", files["loans"], files["loans-new"], "--out", out, "--card-only",
                 "--card-info", info)
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert text.startswith("# Model card: loans")
    assert [line[3:] for line in text.splitlines() if line.startswith("## ")] == [
        "The model", "Model card"]
    assert "| Model owner | retail credit risk |" in text
    assert "| inputs | 4 columns: `purpose_text`, `income`, `age`, `home` |" in text
    assert re.search(r"\| data fingerprint \| `[0-9a-f]{64}` \|", text)
    assert "- Reads at most " in text and "text models take no time column" in text
    assert "retrain with --time-column" not in text  # the tabular line does not apply
    assert re.search(r"\| roc_auc \| 0\.\d{4} \(95% interval", text)
    assert "--card-only" in text and "--card-info" in text  # the command reproduces it


def test_group_rates_of_a_text_model_in_the_report_and_the_command(files, tmp_path):
    """A purpose written in free text can stand in for who the applicant is: the groups'
    approval rates are compared as for a tabular model."""
    frame = pd.read_csv(files["loans-new"])
    frame["region"] = np.where(frame["purpose_text"].str.contains("wedding|tuition"),
                               "north", "south")
    data = tmp_path / "grouped.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "grouped.md"
    result = run("report", files["loans"], data, "--out", out, "--max-rows", ROWS,
                 "--protected", "region")
    assert result.exit_code == 0, result.output
    groups = _section(out.read_text(), "Groups of `region` at threshold 0.5")
    rates = dict(re.findall(r"\| (north|south) \| \d+ \| [^|]*?\| ?(0\.\d+|1\.0+) \|",
                            groups))
    assert set(rates) == {"north", "south"}, groups
    command = run("fairness", files["loans"], data, "--protected", "region")
    assert command.exit_code == 0, command.output
    assert "north" in command.stdout and "south" in command.stdout
    assert "disparate impact" in command.stdout.lower()


def test_decision_economics_of_a_text_model(files, tmp_path):
    out = tmp_path / "economics.md"
    result = run("report", files["loans"], files["loans-new"], "--out", out, "--max-rows",
                 ROWS, "--lgd", "0.45", "--margin", "0.2")
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "## Decision economics" in text and "Expected loss (PD x LGD x exposure)" in text
    assert "--lgd 0.45 --margin 0.2" in text  # the card's command reproduces it


def test_options_a_text_model_cannot_take_are_refused_in_one_line(files, tmp_path):
    multiclass = run("report", files["news"], files["news-new"], "--out", tmp_path / "r.html",
                     "--protected", "sentence")
    assert_one_line_error(multiclass, "need a binary model")
    missing = run("report", files["loans"], files["loans-new"], "--out", tmp_path / "r.html",
                  "--protected", "regoin")
    assert_one_line_error(missing, "protected column 'regoin' is not in the data")
    assert not (tmp_path / "r.html").exists()


def test_word_attributions_pool_a_word_once_a_row(files):
    pipeline = load_text_model(files["loans"])
    sample = pd.DataFrame({"purpose_text": ["gambling gambling gambling now", "wedding now"],
                           "income": [30_000.0, 30_000.0], "age": [40, 40],
                           "home": ["rent", "rent"]})
    table, explained = word_attributions(pipeline, sample)
    gambling = table.set_index("word").loc["gambling"]
    assert gambling["rows"] == 1  # three times in one row: one row
    in_row = sum(w["attribution"] for w in explained[0].words
                 if w["word"].lower() == "gambling")
    assert gambling["mean_attribution"] == pytest.approx(in_row)
    assert table.set_index("word").loc["now", "rows"] == 2


def test_the_python_call_matches_the_command(files, tmp_path):
    summary = write_report(files["loans"], files["loans-new"], tmp_path / "r.md", max_rows=40)
    assert summary["labelled"] and summary["figures"] >= 6
    assert summary["sections"][0] == "The model"


def test_drift_of_a_text_model_names_longer_texts_and_a_shifted_column(files, tmp_path):
    frame = pd.read_csv(files["loans-new"])
    same = run("drift", files["loans"], files["loans-new"])
    assert same.exit_code == 0, same.output
    assert "major shift" not in same.stdout and "text length (tokens)" in same.stdout
    frame["purpose_text"] += " because the costs rose"
    frame["income"] *= 3
    shifted = tmp_path / "shifted.csv"
    frame.to_csv(shifted, index=False)
    from findeep.text.drift import TEXT_LENGTH_ROW, text_drift_table

    pipeline = load_text_model(files["loans"])
    table = text_drift_table(pipeline, frame).set_index("column")
    assert table.loc[TEXT_LENGTH_ROW, "flag"] == "major shift"
    assert table.loc["income", "flag"] == "major shift" and table.loc["age", "flag"] == "stable"
    assert table.index[0] == "model score"
    page = _report(files, "loans", "loans-new", "drift.md")
    assert "## Stability against the training data (PSI)" in page
    pipeline.profile = {}  # a bundle saved before text models kept their training bins
    with pytest.raises(ConfigError, match="no training profile"):
        text_drift_table(pipeline, frame)


def test_a_bundle_from_findeep_train_shows_its_held_out_test(tmp_path):
    data = tmp_path / "loans.csv"
    make_text_credit_frame(400, seed=2).to_csv(data, index=False)
    trained = run("train", data, "--target", "default", "--out", tmp_path / "model",
                  "--max-epochs", "2", "-q")
    assert trained.exit_code == 0, trained.output
    out = tmp_path / "r.md"
    result = run("report", tmp_path / "model", data, "--out", out, "--max-rows", "20")
    assert result.exit_code == 0, result.output
    assert re.search(r"\| held-out test at training \| 80 rows: roc_auc 0\.\d{4}, pr_auc",
                     out.read_text())
