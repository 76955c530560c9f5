"""One name per setting: the CLI's options are the estimators' parameters (docs/vocabulary.md)."""

from __future__ import annotations

import functools
from pathlib import Path

import typer.main

from findeep import TabularClassifier, TabularRegressor
from findeep.cli import app

DOCS = Path(__file__).resolve().parents[1] / "docs" / "vocabulary.md"
# estimator parameters with no option of the same name, each with its reason
NOT_OPTIONS = {"verbose": "the CLI says --quiet"}


@functools.cache
def _command() -> object:
    return typer.main.get_command(app)


def _options(*path: str) -> set[str]:
    command = _command()
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    return {opt for param in command.params for opt in getattr(param, "opts", [])}


def test_every_estimator_parameter_is_a_train_option_of_the_same_name() -> None:
    """random_state is --random-state, weight_decay is --weight-decay, and so on."""
    options = _options("train")
    for estimator in (TabularClassifier(), TabularRegressor()):
        for name in estimator.get_params():
            if name in NOT_OPTIONS:
                continue
            assert f"--{name.replace('_', '-')}" in options, name


def test_shared_settings_use_the_library_names_and_keep_the_old_spellings() -> None:
    """--n-folds/--folds, --n-repeats/--repeats, --grid-resolution/--grid, --random-state/--seed."""
    for command, new, old in [(("benchmark",), "--n-folds", "--folds"),
                              (("importance",), "--n-repeats", "--repeats"),
                              (("dependence",), "--grid-resolution", "--grid"),
                              (("train",), "--random-state", "--seed"),
                              (("demo",), "--random-state", "--seed"),
                              (("report",), "--random-state", "--seed"),
                              (("forecast", "train"), "--random-state", "--seed"),
                              (("text", "train"), "--random-state", "--seed"),
                              (("text", "benchmark"), "--n-folds", "--folds"),
                              (("recommend", "train"), "--random-state", "--seed"),
                              (("pricing", "train"), "--random-state", "--seed"),
                              (("forecast", "train"), "--n-members", "--members"),
                              (("recommend", "train"), "--eligibility", "--eligible")]:
        options = _options(*command)
        assert {new, old} <= options, command


def test_the_vocabulary_table_names_every_option_it_promises() -> None:
    """Each option in docs/vocabulary.md exists on the commands the table lists."""
    rows = [line.split("|") for line in DOCS.read_text().splitlines()
            if line.startswith("| ") and "`--" in line]
    assert len(rows) >= 15
    for row in rows:
        option = row[2].split("`")[1].split(" /")[0]
        for command in row[4].strip().split(", "):
            assert option in _options(*command.split()), (option, command)
