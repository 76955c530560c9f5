"""findeep report: the document a model reviewer reads, as Markdown or as an HTML page."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import findeep
from cli_helpers import assert_one_line_error, run
from findeep.report import markdown_table, write_report
from findeep.testing import make_credit_frame


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A binary bundle, the rows it was trained on, and rows it never saw (with a
    protected column that is not a model input)."""
    root = tmp_path_factory.mktemp("report")
    frame = make_credit_frame(1_400, seed=31).drop(columns=["applied_on"])
    frame["group"] = np.random.default_rng(0).choice(["a", "b"], len(frame))
    train, new = frame.iloc[:1_000], frame.iloc[1_000:]
    # one network: bags are served, saved, explained and exported in tests/train/test_bagging.py
    clf = findeep.TabularClassifier(max_epochs=3, bagging=1)
    clf.fit(train.drop(columns=["default", "group"]), train["default"])
    paths = {"bundle": clf.save(root / "bundle"), "train": root / "train.csv",
             "new": root / "new.csv", "unlabelled": root / "unlabelled.csv", "root": root}
    train.to_csv(paths["train"], index=False)
    new.to_csv(paths["new"], index=False)
    new.drop(columns=["default"]).to_csv(paths["unlabelled"], index=False)
    return paths


def _sections(text: str) -> list[str]:
    return [line.removeprefix("## ") for line in text.splitlines() if line.startswith("## ")]


def test_report_on_new_rows_has_every_section(files) -> None:
    out = files["root"] / "new.md"
    result = run("report", files["bundle"], files["new"], "--out", out, "--protected", "group",
                 "--max-rows", "300")
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert _sections(text) == [
        "The model", "Is this table an honest test?", "Performance", "What drives the score",
        "Stability against the training data (PSI)", "Groups of `group` at threshold 0.5",
        "Model card"]
    assert "Training rows: none beyond chance" in text
    assert "| roc_auc |" in text and "### Gains table" in text
    gains = text.split("### Gains table")[1].split("\n## ")[0]
    assert sum(line.startswith("| ") and line[2].isdigit() for line in gains.splitlines()) == 10
    drivers = text.split("## What drives the score")[1].split("\n## ")[0].splitlines()
    assert drivers[6].startswith("| debt_to_income |")  # the table's strongest risk driver
    assert "On 300 rows" in text
    # the examples' reason codes say what they were measured against, and that a policy's
    # decline reasons use another reference
    examples = text.split("Example applicants: ")[1].split("\n")[0]
    assert "measured against the training rows scored as low risk" in examples
    assert "'predict --policy'" in examples


def test_report_on_training_rows_says_the_test_is_not_honest(files) -> None:
    out = files["root"] / "train.md"
    result = run("report", files["bundle"], files["train"], "--out", out, "--max-rows", "200")
    assert result.exit_code == 0, result.output
    assert "**No: about 100% of the rows match a training row**" in out.read_text()


def test_report_without_labels_skips_metrics(files) -> None:
    out = files["root"] / "unlabelled.md"
    result = run("report", files["bundle"], files["unlabelled"], "--out", out,
                 "--max-rows", "200")
    assert result.exit_code == 0, result.output
    assert "no labels" in result.stdout
    assert _sections(out.read_text()) == [
        "The model", "What drives the score", "Stability against the training data (PSI)",
        "Model card"]
    assert "metrics on this data | not computed: the data has no labels" in out.read_text()


def test_report_refuses_to_overwrite_or_to_write_an_unknown_format(files) -> None:
    existing = files["root"] / "kept.md"
    existing.write_text("keep me")
    assert_one_line_error(run("report", files["bundle"], files["new"], "--out", existing),
                          "already exists", "--force")
    assert existing.read_text() == "keep me"
    assert_one_line_error(run("report", files["bundle"], files["new"], "--out",
                              files["root"] / "r.txt"), ".html", ".md")
    assert_one_line_error(run("report", files["bundle"], files["new"], "--out",
                              files["root"] / "r.md", "--protected", "gruop"),
                          "Did you mean 'group'")
    assert_one_line_error(run("report", files["bundle"], files["new"], "--out",
                              files["root"] / "r.md", "--protected", "group", "--threshold", "2"),
                          "threshold must be between 0 and 1")
    assert not (files["root"] / "r.md").exists()


def test_markdown_table_aligns_numbers_right() -> None:
    table = markdown_table(["name", "rate", "count"], [("a|b", "84.5%", 1_317), ("c", "-", 2)])
    lines = table.splitlines()
    assert lines[1] == "|---|---|---:|"  # '-' is not a number, so 'rate' stays left
    assert lines[2] == "| a\\|b | 84.5% | 1317 |"
    assert markdown_table(["x"], [("1,317",), ("84.5%",)]).splitlines()[1] == "|---:|"


def test_report_on_rows_of_one_class_skips_what_needs_both(files) -> None:
    """A month without a single default still gets a report: no gains table and no
    permutation importance (nothing to rank against), said in the drivers section."""
    frame = pd.read_csv(files["new"])
    path = files["root"] / "no_defaults.csv"
    frame[frame["default"] == 0].to_csv(path, index=False)
    out = files["root"] / "no_defaults.md"
    result = run("report", files["bundle"], path, "--out", out, "--max-rows", "200")
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "## Performance" in text and "### Gains table" not in text
    assert "the labels hold one class, so no permutation importance" in text
    # said first, on the page and on the console; no calibration "limitation" from one class
    assert "Too few rows to judge the model" in text and "all with default = 0 (one class" in text
    assert "anecdote, not evidence" in result.output
    assert "Calibration error" not in text


def test_training_row_warning_comes_first_when_it_fires(files) -> None:
    """A failed honesty check is the first section a reader meets, in both formats."""
    out = files["root"] / "train-first.md"
    assert run("report", files["bundle"], files["train"], "--out", out,
               "--max-rows", "200").exit_code == 0
    assert _sections(out.read_text())[0] == "Is this table an honest test?"


def test_metrics_carry_bootstrap_intervals(files) -> None:
    """AUC, KS and Brier come with a 95% interval around the value on the table."""
    out = files["root"] / "intervals.md"
    assert run("report", files["bundle"], files["new"], "--out", out,
               "--max-rows", "200").exit_code == 0
    rows = {line.split("|")[1].strip(): line.split("|")[2:4] for line in
            out.read_text().split("## Performance")[1].split("\n## ")[0].splitlines()
            if line.startswith("| ")}
    for metric in ("roc_auc", "ks", "brier"):
        value, interval = float(rows[metric][0]), rows[metric][1].strip()
        low, high = (float(v) for v in interval.split(" .. "))
        assert low < value < high, (metric, value, interval)
    assert rows["pr_auc"][1].strip() == ""  # no interval claimed where none was computed


def test_card_only_uses_supplied_fields_and_marks_the_rest(files) -> None:
    """The model card takes owner and intended use from the user's file, never invents the
    missing ones, and lists every dependency's version and the reproducing command."""
    info = files["root"] / "card.json"
    info.write_text('{"owner": "Retail credit risk", "intended_use": "Pre-screening of '
                    'personal-loan applications"}')
    out = files["root"] / "card.md"
    result = run("report", files["bundle"], files["new"], "--out", out, "--card-only",
                 "--card-info", info, "--max-rows", "200")
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert _sections(text) == ["The model", "Model card"]
    assert "| Model owner | Retail credit risk |" in text
    assert "| Out-of-scope use | not provided (add it with --card-info FILE) |" in text
    assert "| torch | " in text and "findeep report " in text
    bad = files["root"] / "bad-card.json"
    bad.write_text('{"ownr": "x"}')
    assert_one_line_error(run("report", files["bundle"], files["new"], "--out",
                              files["root"] / "c2.md", "--card-info", bad), "ownr", "owner")
    assert not (files["root"] / "c2.md").exists()


def test_data_without_the_model_columns_is_refused_before_any_work(files) -> None:
    """A bundle and a table whose columns disagree: one line naming the missing columns."""
    path = files["root"] / "other.csv"
    pd.read_csv(files["new"]).drop(columns=["income", "utilization"]).to_csv(path, index=False)
    target = files["root"] / "other.html"
    assert_one_line_error(run("report", files["bundle"], path, "--out", target), "income")
    assert not target.exists()


def test_read_only_folder_is_refused_before_any_work(files, tmp_path, monkeypatch) -> None:
    """An output folder that cannot be written: one line, exit 2, nothing half-written.
    (The suite runs as root, which writes through permission bits, so the folder refuses
    new entries the way a read-only mount does: creating one there fails.)"""
    import tempfile

    locked = tmp_path / "locked"
    locked.mkdir()
    real_mkdtemp = tempfile.mkdtemp

    def mkdtemp(*args, dir=None, **kwargs):
        if dir is not None and Path(dir) == locked:
            raise PermissionError(13, "Permission denied")
        return real_mkdtemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    assert_one_line_error(run("report", files["bundle"], files["new"], "--out",
                              locked / "r.html"), "does not take new files")
    assert list(locked.iterdir()) == []


def test_markdown_and_html_show_the_same_numbers(files) -> None:
    """Both formats render one document: every table cell of the Markdown is in the HTML."""
    md, html = files["root"] / "same.md", files["root"] / "same.html"
    for out in (md, html):
        assert run("report", files["bundle"], files["new"], "--out", out, "--max-rows", "200",
                   "--protected", "group").exit_code == 0
    import html as html_text

    page = html_text.unescape(html.read_text())
    cells = {c.strip() for line in md.read_text().splitlines() if line.startswith("| ")
             for c in line.strip("|").split(" | ") if c.strip() and "`" not in c}
    cells = {c for c in cells if not set(c) <= set("-:") and "same.md" not in c}
    missing = [c for c in cells if f">{c}<" not in page]
    assert len(cells) > 150 and not missing, missing[:10]


def test_report_prices_cutoffs_when_given_lgd(files) -> None:
    """--lgd adds the decision-economics section (expected loss by band, the profit of every
    cut-off with the best one, EMP) to both formats; a misspelt exposure column is refused
    before any work."""
    for out in (files["root"] / "econ.md", files["root"] / "econ.html"):
        result = run("report", files["bundle"], files["new"], "--out", out, "--lgd", "0.6",
                     "--margin", "0.1", "--max-rows", "200")
        assert result.exit_code == 0, result.output
    text = (files["root"] / "econ.md").read_text()
    assert "## Decision economics" in text and "Profit-maximising cut-off" in text
    assert "### Expected loss (PD x LGD x exposure) by score band" in text and "EMP " in text
    assert 'data-figure="profit-curve"' in (files["root"] / "econ.html").read_text()
    target = files["root"] / "econ2.md"
    assert_one_line_error(run("report", files["bundle"], files["new"], "--out", target,
                              "--lgd", "0.5", "--exposure", "amout"), "amout")
    assert not target.exists()


def test_card_shows_every_supplied_field_and_how_a_bag_used_its_rows(files) -> None:
    """contact and ethical_considerations reach the card; a YAML list reads as a list."""
    info = files["root"] / "card.json"
    info.write_text(json.dumps({"contact": "credit@example.com", "users": ["underwriters",
                                "policy"], "ethical_considerations": "Age is an input"}))
    out = files["root"] / "card-fields.md"
    assert run("report", files["bundle"], files["new"], "--out", out, "--card-only",
               "--card-info", info).exit_code == 0
    text = out.read_text()
    assert "| Contact | credit@example.com |" in text
    assert "| Ethical considerations | Age is an input |" in text
    assert "| Intended users | underwriters, policy |" in text
    assert "early-stopping" in text  # one network: its fit rows and its early-stopping rows


def test_a_bag_says_each_member_fits_on_all_folds_but_one() -> None:
    from findeep.report.card import training_rows_text

    text = training_rows_text({"rows": 1600, "fit_rows": 1280, "validation_rows": 640,
                               "validation_split": "5-fold cross-fitting (stratified)"})
    assert text.startswith("1,600 rows") and "2 member(s), each fitting on 1,280 rows" in text
    one = training_rows_text({"rows": 3563, "fit_rows": 2850, "validation_rows": 713,
                              "validation_split": "5-fold cross-fitting (stratified)"})
    assert one == ("3,563 rows: one network fitting on 2,850 rows and stopping early on the "
                   "other 713 (one fold of a 5-fold cross-fitting (stratified))")


def test_a_report_on_one_row_or_an_empty_column_is_written_not_refused(files) -> None:
    """A column with no value here is left out of the sweep (and said); one row is one
    example, not three copies of it."""
    new = pd.read_csv(files["new"])
    empty = files["root"] / "empty-column.csv"
    new.assign(utilization=np.nan).to_csv(empty, index=False)
    one = files["root"] / "one-row.csv"
    new.head(1).to_csv(one, index=False)
    for data, name in ((empty, "empty.md"), (one, "one.md")):
        result = run("report", files["bundle"], data, "--out", files["root"] / name)
        assert result.exit_code == 0, result.output
    assert "Not swept (no values in the rows scored here): `utilization`" in (
        files["root"] / "empty.md").read_text()


def test_a_report_on_a_handful_of_rows_says_its_figures_are_no_evidence(files) -> None:
    """Eight labelled rows give AUC 1.0 with an interval of 1.0 .. 1.0 and drift on every
    column: the page says first that the rows are too few, the card repeats it, and the
    console warns; 400 rows with both classes well filled say nothing of the kind."""
    new = pd.read_csv(files["new"])
    few = files["root"] / "few.csv"
    pd.concat([new[new["default"] == 1].head(2), new[new["default"] == 0].head(6)]).to_csv(
        few, index=False)
    out = files["root"] / "few.md"
    result = run("report", files["bundle"], few, "--out", out)
    assert result.exit_code == 0, result.output
    text = out.read_text()
    honesty = _section(text, "Is this table an honest test?")
    assert ("Too few rows to judge the model: 8 labelled rows, 2 with default = 1 and 6 "
            "with default = 0") in honesty
    assert "no figure here is evidence" in _section(text, "Model card")
    assert "anecdote, not evidence" in result.output
    enough = files["root"] / "enough.md"
    assert run("report", files["bundle"], files["new"], "--out", enough).exit_code == 0
    assert "Too few rows" not in enough.read_text()


def _section(text: str, title: str) -> str:
    return text.split(f"\n## {title}")[1].split("\n## ")[0]


def test_labels_read_as_numbers_give_the_same_performance_section(files) -> None:
    """A blank label makes pandas read 0/1 as 0.0/1.0: the events are the same events, so
    the Performance section (histogram, confusion matrix, ROC/PR, intervals) is the one the
    same rows give with 0/1 labels."""
    frame = pd.read_csv(files["new"])
    floats = frame.assign(default=frame["default"].astype(float))
    floats.loc[floats.index[0], "default"] = np.nan
    pages = {}
    for name, table in (("float-labels", floats), ("int-labels", frame.iloc[1:])):
        table.to_csv(files["root"] / f"{name}.csv", index=False)
        out = files["root"] / f"{name}.md"
        result = run("report", files["bundle"], files["root"] / f"{name}.csv", "--out", out,
                     "--max-rows", "100")
        assert result.exit_code == 0, result.output
        pages[name] = _section(out.read_text(), "Performance")
    assert pages["float-labels"] == pages["int-labels"]
    assert "### ROC curve" in pages["float-labels"] and " .. " in pages["float-labels"]


def test_a_multiclass_report_reads_number_labels_with_a_blank(tmp_path) -> None:
    """Classes 0/1/2 read back as 0.0/1.0/2.0 still match their classes: the per-class ROC
    table and the confusion matrix equal those of the same rows with integer labels."""
    frame = make_credit_frame(600, seed=4).drop(columns=["applied_on", "default"])
    frame["grade"] = np.digitize(frame["debt_to_income"], [15, 30])
    model = findeep.TabularClassifier(max_epochs=2, bagging=1).fit(
        frame.drop(columns=["grade", "debt_to_income"]), frame["grade"])
    bundle = model.save(tmp_path / "multi")
    floats = frame.assign(grade=frame["grade"].astype(float))
    floats.loc[floats.index[0], "grade"] = np.nan
    pages = {}
    for name, table in (("floats", floats), ("ints", frame.iloc[1:])):
        table.to_csv(tmp_path / f"{name}.csv", index=False)
        out = tmp_path / f"{name}.md"
        result = run("report", bundle, tmp_path / f"{name}.csv", "--out", out,
                     "--max-rows", "100")
        assert result.exit_code == 0, result.output
        pages[name] = _section(out.read_text(), "Performance")
    assert pages["floats"] == pages["ints"]
    assert "### ROC curve of each class" in pages["floats"]


def test_card_lists_the_columns_the_stability_table_flags_as_major(files) -> None:
    """Every entry the stability table flags as a major shift is named among the card's
    limitations (the flag text comes from the drift code, so the two cannot disagree)."""
    from findeep.explain.drift import PSI_MAJOR, drift_flag

    frame = pd.read_csv(files["new"])
    drifted = files["root"] / "drifted.csv"
    frame.assign(debt_to_income=frame["debt_to_income"] * 3).to_csv(drifted, index=False)
    out = files["root"] / "drifted.md"
    result = run("report", files["bundle"], drifted, "--out", out, "--max-rows", "100")
    assert result.exit_code == 0, result.output
    text = out.read_text()
    rows = [line.strip("|").split(" | ") for line in
            _section(text, "Stability against the training data (PSI)").split("\n### ")[0]
            .splitlines() if line.startswith("| ")]
    major = [cells[0].strip() for cells in rows
             if len(cells) == 4 and cells[3].strip() == drift_flag(PSI_MAJOR)]
    assert "debt_to_income" in major
    assert f"- Columns with major drift (PSI >= {PSI_MAJOR}): {', '.join(major)}." in text


def test_the_reproduce_command_rebuilds_the_same_report(files) -> None:
    """The card's "this report" command carries every option that shapes the report: run
    again, it writes the same sections with the same numbers."""
    import shlex

    info = files["root"] / "card-repro.json"
    info.write_text('{"owner": "Retail credit risk"}')
    out = files["root"] / "repro.md"
    result = run("report", files["bundle"], files["new"], "--out", out, "--protected", "group",
                 "--threshold", "0.3", "--max-rows", "100", "--random-state", "3",
                 "--lgd", "0.6", "--exposure", "5000", "--margin", "0.1", "--card-info", info)
    assert result.exit_code == 0, result.output
    first = out.read_text()
    line = next(line for line in first.splitlines() if line.startswith("| this report | "))
    command = shlex.split(line.removeprefix("| this report | ").removesuffix(" |"))
    assert command[:2] == ["findeep", "report"]
    for option in ("--protected", "--threshold", "--max-rows", "--random-state", "--lgd",
                   "--exposure", "--margin", "--card-info"):
        assert option in command, (option, command)
    assert command[-1] == "--force"  # it writes over the report it is printed in
    again = run(*command[1:])
    assert again.exit_code == 0, again.output
    second = out.read_text()
    assert _sections(second) == _sections(first)
    assert "Decision economics" in _sections(second)

    def body(text: str) -> list[str]:  # the page less its timestamped subtitle
        return [line for line in text.splitlines() if " UTC by findeep " not in line]

    assert body(second) == body(first)


def test_partial_dependence_averages_over_the_rows_max_rows_samples(files) -> None:
    """--max-rows sets the rows partial dependence averages over, past 1,000 too."""
    data = files["root"] / "all-rows.csv"
    pd.concat([pd.read_csv(files["train"]), pd.read_csv(files["new"])]).to_csv(data,
                                                                                index=False)
    out = files["root"] / "dependence-rows.md"
    result = run("report", files["bundle"], data, "--out", out, "--max-rows", "1100")
    assert result.exit_code == 0, result.output
    assert "average event probability over 1,100 rows" in out.read_text()


def test_each_slow_step_is_announced_in_order(files) -> None:
    """The progress display is told every slow step as it starts (the attributions' rows
    counted besides), so a long report never sits silent after its attributions."""
    from findeep.report import write_report

    stages: list[str] = []
    rows: list[tuple[int, int]] = []
    write_report(files["bundle"], files["new"], files["root"] / "staged.md", max_rows=200,
                 protected="group", on_stage=stages.append,
                 on_rows=lambda done, total: rows.append((done, total)))
    assert stages == ["scoring and metrics", "bootstrap intervals (200 resamples)",
                      "attributions", "permutation importance (5 repeats)",
                      "partial dependence", "drift", "group rates", "writing MARKDOWN"]
    assert rows and rows[-1] == (200, 200)
    # a card alone reads no attribution: it skips them, the slowest part
    stages.clear()
    write_report(files["bundle"], files["new"], files["root"] / "card-staged.md", max_rows=200,
                 card_only=True, on_stage=stages.append)
    assert stages == ["scoring and metrics", "bootstrap intervals (200 resamples)", "drift",
                      "writing MARKDOWN"]


def test_the_stage_display_draws_nothing_off_a_terminal() -> None:
    """Piped or logged output gets no bar remnants: both hooks are None."""
    from findeep.console import stage_progress

    with stage_progress() as hooks:
        assert hooks == (None, None)


def test_scoring_warnings_are_given_once_with_the_rows_own_counts(files, tmp_path) -> None:
    """One bad age was warned five times, three of them as 20 (the sections rescore samples
    and sweeps of the rows); unseen categories were not warned at all. Each is said once,
    counted over the rows as given."""
    import warnings

    from findeep.report import write_report

    rows = pd.read_csv(files["new"]).astype({"age": object, "purpose": object})
    rows.loc[0, "age"] = "4O"
    rows.loc[:9, "purpose"] = "spaceship"
    path = tmp_path / "odd.csv"
    rows.to_csv(path, index=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        write_report(files["bundle"], path, tmp_path / "odd.md", max_rows=200)
    said = [str(w.message) for w in caught]
    bad = [m for m in said if "not numbers" in m]
    assert len(bad) == 1 and "'age' 1 (e.g. '4O')" in bad[0]
    unseen = [m for m in said if "never seen in training" in m]
    assert len(unseen) == 1 and "'purpose' 10" in unseen[0]


def test_markdown_shows_html_in_the_data_as_text_and_html_lists_its_lead_ins() -> None:
    """A category value that is HTML is written so a Markdown viewer shows it, never runs
    it ("< 30 rows" and code spans as written); a paragraph with a lead-in line and dashes
    is a list in HTML, as in Markdown."""
    from findeep.report.render import _paragraph, markdown_table, markdown_text

    assert markdown_text("region <img src=x onerror=alert(1)> and < 30 rows") == (
        "region &lt;img src=x onerror=alert(1)> and < 30 rows")
    assert markdown_text("level `<missing>`") == "level `<missing>`"
    # a link or an image in the data is shown as text, never followed or fetched
    assert markdown_text("![x](http://evil.example/t.png)") == "!\\[x](http://evil.example/t.png)"
    assert markdown_text("band [0.1, 0.2]") == "band [0.1, 0.2]"
    # a group named with asterisks is not turned italic; the report's own bold stays
    assert markdown_text("group C_*x* against **A**") == "group C_\\*x\\* against **A**"
    assert "&lt;script>" in markdown_table(["level"], [["<script>x</script>"]])
    html = str(_paragraph("Limitations and known failure modes:\n- one\n- two"))
    assert html == "<p>Limitations and known failure modes:</p><ul><li>one</li><li>two</li></ul>"


def test_thinned_lines_keep_every_extreme_the_tables_state() -> None:
    """A 7,500-date drawdown thinned for drawing keeps its trough and its peak where the
    table beside the chart says they are (thinning by even steps drew -0.52 for -0.57)."""
    from findeep.report.figures import SERIES_POINTS, thinned_positions

    rng = np.random.default_rng(0)
    equity = np.cumprod(1 + rng.normal(0, 0.02, 7_500))
    drawdown = equity / np.maximum.accumulate(equity) - 1
    other = np.sin(np.arange(7_500) / 50)
    keep = thinned_positions([drawdown, other])
    assert len(keep) <= SERIES_POINTS + 2 and keep[0] == 0 and keep[-1] == 7_499
    for line in (drawdown, other):
        assert line[keep].min() == line.min() and line[keep].max() == line.max()


def test_a_report_into_a_folder_not_yet_made_makes_it_as_every_output_does(files,
                                                                            tmp_path) -> None:
    """predict, explain and the rest make a missing --out folder; the report refused it."""
    out = tmp_path / "reports" / "2026" / "r.md"
    result = run("report", files["bundle"], files["new"], "--out", out)
    assert result.exit_code == 0, result.output
    assert out.is_file() and out.read_text().startswith("#")


def test_the_report_scores_its_rows_once_and_reuses_them_for_metrics_and_drift(
        files, monkeypatch) -> None:
    """The labelled rows go through the network once (they went three times: metrics,
    intervals, drift); the metrics and the drift table are those of the separate calls,
    and a score of the wrong length is refused."""
    from findeep.errors import ConfigError
    from findeep.explain.drift import drift_table
    from findeep.pipeline import TabularPipeline
    from findeep.report import write_report

    frame = pd.read_csv(files["new"])
    pipeline = findeep.load(files["bundle"]).pipeline_
    prediction, seen = pipeline.predict_raw(frame)
    X, y = frame.drop(columns=["default"]), frame["default"]
    assert pipeline.evaluate(X, y, prediction=prediction) == pipeline.evaluate(X, y)
    pd.testing.assert_frame_equal(drift_table(pipeline, frame, scored=(prediction, seen)),
                                  drift_table(pipeline, frame))
    with pytest.raises(ConfigError, match="labelled row"):
        pipeline.evaluate(X, y, prediction=prediction[:-1])
    with pytest.raises(ConfigError, match="scores hold"):
        drift_table(pipeline, frame, scored=(prediction[:-1], seen))

    passes = []
    network_logits = TabularPipeline._network_logits

    def counting(self, x_num, x_cat):
        passes.append(len(x_num))
        return network_logits(self, x_num, x_cat)

    monkeypatch.setattr(TabularPipeline, "_network_logits", counting)
    write_report(files["bundle"], files["new"], files["root"] / "once.md", max_rows=150)
    assert passes.count(len(frame)) == 1, passes


def test_the_report_screens_each_column_alone_and_names_a_leak(files, tmp_path) -> None:
    """Every input scored alone beside the drivers; a column that tells the target by itself
    is said in the honesty section, as an alert."""
    out = files["root"] / "alone.md"
    write_report(files["bundle"], files["new"], out, max_rows=150)
    text = out.read_text()
    honesty = _section(text, "Is this table an honest test?")
    assert "Leaks: no input column predicts the target almost alone" in honesty
    alone = text.split("### Each column alone")[1].split("\n## ")[0]
    assert "| column | AUC alone (out of fold) | information value |" in alone
    assert "| debt_to_income |" in alone
    frame = make_credit_frame(900, seed=4).drop(columns=["applied_on"])
    frame["recovered"] = np.where(frame["default"] == 1, 500.0 + frame.index, 0.0)
    clf = findeep.TabularClassifier(max_epochs=1, bagging=1)
    clf.fit(frame.drop(columns=["default"]), frame["default"])
    bundle = clf.save(tmp_path / "leaky")
    frame.to_csv(tmp_path / "leaky.csv", index=False)
    write_report(bundle, tmp_path / "leaky.csv", tmp_path / "leaky.md", max_rows=100)
    honesty = _section((tmp_path / "leaky.md").read_text(), "Is this table an honest test?")
    assert "**Leak: Column(s) 'recovered' (AUC 1.000)" in honesty
