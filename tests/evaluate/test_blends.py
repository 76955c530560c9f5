"""Blends in `findeep benchmark` (``default+catboost``): the average of the parts' held-out
predictions on each fold, scored beside the parts, with a verdict against the best part."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from typer.testing import CliRunner

from findeep.benchmark import run_benchmark
from findeep.cli import app
from findeep.errors import ConfigError
from findeep.evaluate.blends import blend_prediction, with_blend_parts
from findeep.evaluate.verdicts import verdict_lines


def frame_of(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    y = (rng.random(n) < 1 / (1 + np.exp(-(x[:, 0] - 0.7 * x[:, 1] ** 2)))).astype(int)
    return pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "y": y})


def test_a_binary_blend_averages_logits_and_the_others_average_values() -> None:
    low, high = np.array([0.1, 0.5]), np.array([0.9, 0.8])
    logit = (np.log(low / (1 - low)) + np.log(high / (1 - high))) / 2
    np.testing.assert_allclose(blend_prediction("binary", [low, high]),
                               1 / (1 + np.exp(-logit)))
    np.testing.assert_allclose(blend_prediction("binary", [low, high])[0], 0.5)
    probabilities = [np.array([[0.2, 0.8]]), np.array([[0.6, 0.4]])]
    np.testing.assert_allclose(blend_prediction("multiclass", probabilities), [[0.4, 0.6]])
    np.testing.assert_allclose(blend_prediction("regression", [np.array([1.0]),
                                                               np.array([3.0])]), [2.0])


def test_a_blend_runs_its_parts_first_and_each_part_once() -> None:
    assert with_blend_parts(["default+catboost", "lightgbm"]) == [
        "default", "catboost", "default+catboost", "lightgbm"]
    assert with_blend_parts(["catboost", "default+catboost", "seed-mlp+catboost"]) == [
        "catboost", "default", "default+catboost", "seed-mlp", "seed-mlp+catboost"]


@pytest.mark.parametrize(("model", "says"), [
    ("default+", "two or more models"),
    ("default+forest", "unknown model(s) forest"),
    ("logreg+logreg", "names a model twice"),
    ("tfidf-lr+text-cnn", "text models are compared side by side (--models tfidf-lr,text-cnn)"),
])
def test_a_blend_that_cannot_be_made_is_one_sentence(model: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says.replace("(", r"\(").replace(")", r"\)")):
        run_benchmark(frame_of(), "y", models=[model], verbose=0)


def test_the_blend_row_is_its_parts_averaged_on_each_fold_with_their_cost() -> None:
    result = run_benchmark(frame_of(), "y", models=["seed-mlp+logreg"], n_folds=3, verbose=0)
    assert result.models == ["seed-mlp", "logreg", "seed-mlp+logreg"]
    y = frame_of()["y"].to_numpy()
    records = {(f["model"], f["fold"]): f for f in result.folds}
    for fold, test in enumerate(result.test_rows):
        parts = [result.predictions[m][fold] for m in ("seed-mlp", "logreg")]
        expected = blend_prediction("binary", parts)
        np.testing.assert_allclose(result.predictions["seed-mlp+logreg"][fold], expected)
        assert records[("seed-mlp+logreg", fold)]["roc_auc"] == pytest.approx(
            roc_auc_score(y[test], expected))
        assert records[("seed-mlp+logreg", fold)]["fit_seconds"] == pytest.approx(
            records[("seed-mlp", fold)]["fit_seconds"] + records[("logreg", fold)]["fit_seconds"])
    lines = verdict_lines(result.to_dict())
    best = max(("seed-mlp", "logreg"),
               key=lambda m: result.to_dict()["summary"][m]["roc_auc_mean"])
    assert any(line.startswith(f"seed-mlp+logreg (blend) vs {best} (its best part): ")
               for line in lines), lines


def test_a_blend_whose_part_is_not_installed_is_skipped_with_it(monkeypatch) -> None:
    monkeypatch.setattr("findeep.benchmark.available", lambda name: name != "lightgbm")
    result = run_benchmark(frame_of(), "y", models=["logreg", "logreg+lightgbm"], n_folds=2,
                           verbose=0)
    assert result.models == ["logreg"]
    assert "lightgbm" in result.skipped
    assert result.skipped["logreg+lightgbm"] == (
        "needs lightgbm: lightgbm is not installed (pip install 'findeep[baselines]')")


def test_the_cli_refuses_an_unknown_part_in_one_line(tmp_path) -> None:
    frame_of().to_csv(tmp_path / "t.csv", index=False)
    done = CliRunner().invoke(app, ["benchmark", str(tmp_path / "t.csv"), "--target", "y",
                                    "--models", "default+forest", "-q"])
    assert done.exit_code == 2
    assert done.output.strip().startswith("findeep: blend 'default+forest' names unknown")
    assert len(done.output.strip().splitlines()) == 1


def test_a_blend_of_two_baselines_gets_its_verdict_without_a_network() -> None:
    result = run_benchmark(frame_of(), "y", models=["logreg+lightgbm"], n_folds=2, verbose=0)
    lines = verdict_lines(result.to_dict())
    assert any(line.startswith("logreg+lightgbm (blend) vs ") for line in lines), lines
    assert not any("best network" in line for line in lines)


def test_a_blend_named_with_spaces_is_the_same_blend() -> None:
    """"seed-mlp + logreg" beside "seed-mlp+logreg" is one blend named twice, refused as any
    model named twice is; alone it runs under the name without spaces."""
    with pytest.raises(ConfigError, match="named more than once"):
        run_benchmark(frame_of(), "y", models=["seed-mlp + logreg", "seed-mlp+logreg"],
                      verbose=0)
    result = run_benchmark(frame_of(), "y", models=["logreg + seed-mlp"], n_folds=2,
                           verbose=0)
    assert result.models == ["logreg", "seed-mlp", "logreg+seed-mlp"]


def _blend_result(task: str, blend: str, blend_aucs: list[float]) -> dict:
    """A stored run where ``blend`` scores ``blend_aucs`` against its parts' fixed folds."""
    network, partner = blend.split("+")
    aucs = {network: [0.80, 0.82, 0.81], partner: [0.79, 0.81, 0.80], blend: blend_aucs}
    metric = "roc_auc" if task != "regression" else "r2"
    folds = [{"model": m, "fold": k, metric: v} for m, values in aucs.items()
             for k, v in enumerate(values)]
    summary = {m: {f"{metric}_mean": float(np.mean(v)), f"{metric}_std": float(np.std(v))}
               for m, v in aucs.items()}
    return {"task": task, "summary": summary, "folds": folds}


def test_a_deployable_blend_ahead_of_its_parts_names_the_command_that_trains_it() -> None:
    ahead = verdict_lines(_blend_result("binary", "default+catboost", [0.83, 0.85, 0.84]))
    line = next(x for x in ahead if x.startswith("default+catboost (blend)"))
    assert "better by more than one std" in line
    assert line.endswith("To deploy it as one bundle: findeep train DATA --model "
                         "default+catboost.")
    level = verdict_lines(_blend_result("binary", "default+catboost", [0.80, 0.83, 0.81]))
    assert not any("To deploy" in x for x in level), level
    # a blend findeep compares but cannot train as one model gets the verdict only
    other = verdict_lines(_blend_result("binary", "default+logreg", [0.83, 0.85, 0.84]))
    assert any(x.startswith("default+logreg (blend)") for x in other)
    assert not any("To deploy" in x for x in other), other


def test_a_monotone_benchmark_names_the_monotone_command_that_deploys_its_blend() -> None:
    """Under --monotone the blend row is the constrained network beside constrained CatBoost,
    so the command that deploys it carries the same constraints."""
    result = _blend_result("binary", "default+catboost", [0.83, 0.85, 0.84])
    result["monotone"] = {"Debt": 1, "Income": -1}
    line = next(x for x in verdict_lines(result) if x.startswith("default+catboost (blend)"))
    assert line.endswith('findeep train DATA --model default+catboost '
                         '--monotone "Debt:+,Income:-".')


def test_a_regression_blend_ahead_of_its_parts_names_the_command_that_trains_it() -> None:
    """A regression blend trains as one bundle too (intervals calibrated on rows neither
    half trained on), so a winning one gets the command; a level one does not."""
    ahead = verdict_lines(_blend_result("regression", "default+catboost", [0.83, 0.85, 0.84]))
    line = next(x for x in ahead if x.startswith("default+catboost (blend)"))
    assert "To deploy it as one bundle: findeep train DATA --model default+catboost (its " \
           "CatBoost then trains on the network's training rows only" in line
    level = verdict_lines(_blend_result("regression", "default+catboost", [0.80, 0.83, 0.81]))
    assert not any("To deploy" in x for x in level), level
