"""What a walkthrough of the CLI's outputs and options found: a write into a bundle that
would break it, options accepted and ignored, silent divergence, and small samples read
as findings."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import findeep
from cli_helpers import assert_one_line_error, run
from findeep.bundle import CHECKSUMS_FILE
from findeep.data.schema import FindeepWarning
from findeep.errors import BundleError, ConfigError, DataError
from findeep.output_paths import refuse_overwrite


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("walk")
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame({"income": rng.normal(5_000, 1_000, n), "age": rng.integers(18, 80, n),
                          "home": rng.choice(["rent", "own", "other"], n)})
    frame["y"] = ((frame["income"] - 5_000) / 1_000 + rng.normal(size=n) > 0).astype(int)
    frame.to_csv(root / "small.csv", index=False)
    findeep.TabularClassifier(max_epochs=3, bagging=1).fit(
        frame.drop(columns=["y"]), frame["y"]).save(root / "model")
    return {"root": root, "data": root / "small.csv", "bundle": root / "model",
            "frame": frame}


def test_no_output_is_written_inside_a_bundle(files) -> None:
    """evaluate --out MODEL/metrics.json --force replaced the bundle's own file, and every
    later load failed its checksums; a new file in a bundle breaks it the same way."""
    bundle = files["bundle"]
    before = {p.name: p.read_bytes() for p in bundle.iterdir()}
    for args in (("evaluate", bundle, files["data"], "--out", bundle / "metrics.json",
                  "--force"),
                 ("predict", bundle, files["data"], "--out", bundle / "scores.csv"),
                 ("predict", bundle, files["data"], "--out", bundle / "sub" / "scores.csv"),
                 ("train", files["data"], "--target", "y", "--out", bundle / "inner")):
        assert_one_line_error(run(*args), "inside the model bundle", "write it beside")
    assert {p.name: p.read_bytes() for p in bundle.iterdir()} == before
    assert run("predict", bundle, files["data"], "--out", files["root"] / "p.csv").exit_code == 0
    with pytest.raises(BundleError, match="inside the model bundle"):
        refuse_overwrite(bundle / CHECKSUMS_FILE, force=True)


def test_a_bundle_is_still_replaced_whole_with_force(files, tmp_path) -> None:
    """The check is about writing into a bundle, not over one."""
    target = tmp_path / "m"
    args = ("train", files["data"], "--target", "y", "--model", "seed-mlp", "--max-epochs",
            "2", "--out", target)
    assert run(*args).exit_code == 0
    assert run(*args, "--force").exit_code == 0
    assert (target / "bundle.json").exists()


def test_explain_surrogate_writes_its_rules_to_out(files) -> None:
    """--surrogate --out printed the rules and wrote nothing."""
    out = files["root"] / "rules.txt"
    result = run("explain", files["bundle"], files["data"], "--surrogate", "--depth", "2",
                 "--out", out)
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert text.startswith("depth-2 surrogate tree of")
    assert "fidelity on held-out rows:" in text and "agreement:" in text
    rules = text.split("rules:\n", 1)[1].strip().splitlines()
    assert 1 < len(rules) <= 4 and all(rule.startswith("IF ") for rule in rules)
    assert all(rule in result.stdout for rule in rules)
    assert_one_line_error(run("explain", files["bundle"], files["data"], "--surrogate",
                              "--out", out), "already exists")
    assert_one_line_error(run("explain", files["bundle"], files["data"], "--surrogate",
                              "--out", files["root"] / "rules.csv"), ".txt or .md")


def test_importance_repeats_are_bounded(files) -> None:
    assert_one_line_error(run("importance", files["bundle"], files["data"], "--n-repeats",
                              "1000000000"), "from 2 to 1,000")


def test_train_options_that_cannot_apply_are_refused(files, tmp_path) -> None:
    assert_one_line_error(run("train", files["data"], "--target", "y", "--out", tmp_path / "a",
                              "--nproc-per-node", "0"), "--nproc-per-node must be at least 1")
    assert_one_line_error(run("train", files["data"], "--target", "y", "--out", tmp_path / "b",
                              "--resume"), "--checkpoint-dir")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_benchmark_max_epochs_is_checked_and_not_silently_ignored(files) -> None:
    """--max-epochs caps only the text benchmark's networks; on a tabular table it was
    accepted and ignored, and 0 was accepted."""
    assert_one_line_error(run("benchmark", files["data"], "--target", "y", "--max-epochs", "0"),
                          "positive integer")
    assert_one_line_error(run("benchmark", files["data"], "--target", "y", "--max-epochs", "3"),
                          "text networks")


def test_divergent_training_is_warned_about(files) -> None:
    frame = files["frame"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        findeep.TabularClassifier(model="seed-mlp", max_epochs=3, learning_rate=1e300).fit(
            frame.drop(columns=["y"]), frame["y"])
    assert any("training diverged" in str(w.message) for w in caught)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        findeep.TabularClassifier(model="seed-mlp", max_epochs=3).fit(
            frame.drop(columns=["y"]), frame["y"])
    assert not any("training diverged" in str(w.message) for w in caught)


def test_drift_on_a_handful_of_rows_is_flagged_as_noise(files) -> None:
    from findeep.explain.commands import drift_for_bundle

    with pytest.warns(FindeepWarning, match=r"20 new row.*mostly sampling noise"):
        drift_for_bundle(files["bundle"], files["frame"].head(20))


def test_drift_on_enough_rows_has_no_noise_caution(files) -> None:
    from findeep.explain.commands import drift_for_bundle
    from findeep.explain.drift import MIN_DRIFT_ROWS

    many = files["frame"].sample(MIN_DRIFT_ROWS, replace=True, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        drift_for_bundle(files["bundle"], many)
    assert not any("sampling noise" in str(w.message) for w in caught)


def test_profile_lists_an_empty_column_instead_of_refusing(files, tmp_path) -> None:
    frame = files["frame"].assign(empty=np.nan)
    frame.to_csv(tmp_path / "e.csv", index=False)
    result = run("profile", tmp_path / "e.csv")
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if " empty " in line)
    assert "100.0%" in line
    assert "no values at all" in result.stderr and "training refuses them" in result.stderr


def test_recommend_refuses_infinite_customer_values() -> None:
    from findeep.recommend.panel import Columns, build_panel

    customers = pd.DataFrame({"id": [1, 2, 3], "income": [1.0, np.inf, 3.0]})
    events = pd.DataFrame({"id": [1, 2], "product": ["card", "loan"],
                           "month": ["2024-01", "2024-01"]})
    with pytest.raises(DataError, match=r"customer column.*income.*infinite"):
        build_panel(customers, events, Columns(customer_id="id", product="product",
                                               date="month"))


def test_forecast_names_the_date_column_given_as_the_price() -> None:
    from findeep.forecast.series import read_series

    table = pd.DataFrame({"Date": pd.date_range("2024-01-01", periods=5).astype(str),
                          "Close": [1.0, 2, 3, 4, 5]})
    series = read_series(table, date_column="Date")
    with pytest.raises(DataError, match=r"'Date' is the date column.*Close"):
        series.column("Date")


def test_surrogate_out_from_python_checks_before_fitting(files) -> None:
    from findeep.explain.commands import surrogate_for_bundle

    with pytest.raises(ConfigError, match=r"\.txt or \.md"):
        surrogate_for_bundle(files["bundle"], files["frame"], out=files["root"] / "r.json")
    assert not (files["root"] / "r.json").exists()


@pytest.fixture(scope="module")
def loans_parquet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from findeep.testing import make_credit_frame

    path = tmp_path_factory.mktemp("stream") / "loans.parquet"
    make_credit_frame(1_200, seed=2).drop(columns=["applied_on"]).to_parquet(
        path, row_group_size=300)
    return path


def test_a_checkpoint_folder_of_another_run_is_not_overwritten_without_force(
        loans_parquet: Path, tmp_path: Path) -> None:
    """A second run naming the same --checkpoint-dir without --resume would replace the
    first run's checkpoints: refused in one line; --resume or --force say which was meant."""
    checkpoints = tmp_path / "ckpt"
    common = ["train", str(loans_parquet), "--target", "default", "--max-epochs", "1",
              "--checkpoint-dir", str(checkpoints), "-q"]
    assert run(*common, "--out", str(tmp_path / "first")).exit_code == 0
    latest = (checkpoints / "latest.json").read_text()
    refused = run(*common, "--out", str(tmp_path / "second"))
    assert_one_line_error(refused, "holds another run's checkpoints; --resume goes on")
    assert (checkpoints / "latest.json").read_text() == latest
    assert not (tmp_path / "second").exists()
    assert run(*common, "--out", str(tmp_path / "second"), "--force").exit_code == 0
    assert run(*common, "--out", str(tmp_path / "third"), "--resume").exit_code == 0


def test_options_streamed_training_lacks_are_refused_before_ranks_launch(
        loans_parquet: Path, tmp_path: Path) -> None:
    """With --nproc-per-node the refusal names that option (not --stream, which the user did
    not pass), and --no-stream, which the ranks cannot honour, is refused too."""
    base = ["train", str(loans_parquet), "--target", "default", "--out", str(tmp_path / "m"),
            "--nproc-per-node", "2"]
    bagged = run(*base, "--bagging", "3")
    assert_one_line_error(bagged, "drop --nproc-per-node")
    assert_one_line_error(run(*base, "--no-stream"), "drop --no-stream")
    assert not (tmp_path / "m").exists()


def test_a_chart_naming_columns_in_a_script_the_font_lacks_draws_without_warnings() -> None:
    """The SVG keeps 收入 as text for the browser to draw; matplotlib's per-glyph warnings
    about its own font (six per report for one such column) are not the user's concern."""
    from findeep.report.figures import horizontal_bars_svg

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        svg = horizontal_bars_svg(["收入", "年龄"], [0.3, 0.2], "importance")
    assert "收入" in svg and "年龄" in svg


def test_export_names_its_onnx_file_by_its_extension(files: dict[str, Path],
                                                     tmp_path: Path) -> None:
    result = run("export", str(files["bundle"]), "--out", str(tmp_path / "model.txt"))
    assert_one_line_error(result, "would hold an ONNX graph; name it .onnx (e.g. model.onnx)")
    assert not (tmp_path / "model.txt").exists()


def test_dependence_on_the_target_says_it_is_the_target(files: dict[str, Path]) -> None:
    result = run("dependence", str(files["bundle"]), str(files["data"]), "--column", "y")
    assert_one_line_error(result, "'y' is the model's target, which it predicts: sweep one "
                                  "of its inputs (")
    assert "time column" not in result.stderr


def test_an_out_that_force_cannot_replace_is_said_without_the_force_hint(
        files: dict[str, Path], tmp_path: Path) -> None:
    """A plain file, or a folder of other things, at --out: the first answer says --force
    will not do (it said 'pass --force', and --force then refused)."""
    plain = tmp_path / "afile"
    plain.write_text("keep me")
    result = run("train", str(files["data"]), "--target", "y", "--out", str(plain))
    assert_one_line_error(result, "exists and is not a folder; choose another --out")
    other = tmp_path / "photos"
    other.mkdir()
    (other / "cat.jpg").write_text("")
    result = run("train", str(files["data"]), "--target", "y", "--out", str(other))
    assert_one_line_error(result, "--force replaces only")
    assert plain.read_text() == "keep me" and (other / "cat.jpg").exists()
