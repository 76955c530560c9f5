from __future__ import annotations

from findeep.evaluate.verdicts import verdict_lines


def _result(per_model: dict[str, list[float]], task: str = "binary") -> dict:
    """A benchmark result as ``BenchmarkResult.to_dict`` writes it, from per-fold scores."""
    metric = {"binary": "roc_auc", "regression": "r2"}[task]
    folds = [{"fold": i, "model": m, metric: v}
             for m, values in per_model.items() for i, v in enumerate(values)]
    summary = {m: {f"{metric}_mean": sum(v) / len(v)} for m, v in per_model.items()}
    return {"task": task, "summary": summary, "folds": folds, "reference": "lightgbm"}


def test_verdict_names_the_strongest_baseline_not_the_reference() -> None:
    """LightGBM level with default but CatBoost clearly ahead: the line is against CatBoost
    and says worse, never 'no clear difference'."""
    result = _result({"default": [0.80, 0.82, 0.81], "lightgbm": [0.80, 0.82, 0.81],
                      "catboost": [0.82, 0.84, 0.83], "logreg": [0.70, 0.71, 0.72]})
    [line] = verdict_lines(result)
    assert line.startswith("default (best network) vs catboost (best baseline): -0.0200")
    assert "worse by more than one std of the per-fold differences" in line


def test_a_network_stronger_than_default_gets_its_own_line() -> None:
    """When seed-mlp beats default on the mean, the user sees seed-mlp against the best
    baseline as well as default."""
    result = _result({"default": [0.78, 0.79, 0.80], "seed-mlp": [0.83, 0.84, 0.85],
                      "logreg": [0.80, 0.81, 0.82]})
    lines = verdict_lines(result)
    assert [line.split(" vs ")[0] for line in lines] == ["default (network)",
                                                         "seed-mlp (best network)"]
    assert all("logreg (best baseline)" in line for line in lines)
    assert "better by more than one std" in lines[1] and "worse by more than one std" in lines[0]


def test_no_verdict_without_a_baseline_or_a_network() -> None:
    """Only networks, or only baselines: nothing to compare, no line."""
    assert verdict_lines(_result({"default": [0.8, 0.8], "seed-mlp": [0.7, 0.7]})) == []
    assert verdict_lines(_result({"logreg": [0.8, 0.8], "catboost": [0.7, 0.7]})) == []


def test_regression_verdicts_use_r2() -> None:
    """A regression table is judged on R² with the same words."""
    result = _result({"default": [0.40, 0.42], "lightgbm": [0.30, 0.31]}, task="regression")
    [line] = verdict_lines(result)
    assert "r2 over the same folds" in line and "+0.1050" in line


def test_a_network_named_as_reference_is_faced_first() -> None:
    """The demo names seed-mlp as its reference: default vs seed-mlp comes first, then the
    comparison with the best baseline."""
    result = _result({"default": [0.82, 0.83, 0.84], "seed-mlp": [0.81, 0.82, 0.83],
                      "logreg": [0.80, 0.81, 0.82]})
    result["reference"] = "seed-mlp"
    lines = verdict_lines(result)
    assert lines[0].startswith("default vs seed-mlp: +0.0100")
    assert lines[1].startswith("default (best network) vs logreg (best baseline):")


def test_a_win_among_models_that_explain_nothing_is_called_so() -> None:
    """Every R² at or below 0: the closing line says no model beats the mean."""
    result = _result({"default": [-0.01, 0.00], "logreg": [-0.04, -0.03]}, task="regression")
    lines = verdict_lines({**result, "target": "rate"})
    assert lines[-1].startswith("No model explains 'rate' here")


def test_a_metric_missing_on_a_fold_gives_no_verdict_and_says_why() -> None:
    """A fold without the metric (undefined on its test rows) is not averaged away: the
    line says there is no difference over the same folds (it was a KeyError)."""
    from findeep.evaluate.verdicts import paired_difference

    result = _result({"default": [0.80, 0.82, 0.81], "lightgbm": [0.79, 0.80, 0.80]})
    del result["folds"][1]["roc_auc"]
    assert all(v != v for v in paired_difference(result["folds"], "default", "lightgbm",
                                                 "roc_auc"))
    [line] = verdict_lines(result)
    assert line.startswith("default (best network) vs lightgbm (best baseline): no verdict: "
                           "roc_auc is missing on some fold")


def test_a_baseline_whose_mean_is_missing_is_not_called_best() -> None:
    """A NaN mean never wins the comparison for best baseline."""
    result = _result({"default": [0.80, 0.82, 0.81], "logreg": [0.70, 0.71, 0.72],
                      "lightgbm": [0.79, 0.80, 0.80]})
    result["summary"]["logreg"]["roc_auc_mean"] = float("nan")
    assert "vs lightgbm (best baseline)" in verdict_lines(result)[0]


def test_a_win_between_models_at_chance_is_called_so() -> None:
    """Every mean ROC-AUC within one std of its folds from 0.5: the pair's "better" line
    stays (it is what the folds say), and a closing line says none beats chance; one model
    clearly above chance and the line goes."""
    import numpy as np

    def with_std(per_model: dict[str, list[float]]) -> dict:
        result = _result(per_model)
        for model, values in per_model.items():
            result["summary"][model]["roc_auc_std"] = float(np.std(values, ddof=1))
        return result

    at_chance = with_std({"default": [0.52, 0.49, 0.53, 0.47, 0.50],
                          "catboost": [0.51, 0.48, 0.52, 0.46, 0.49]})
    lines = verdict_lines(at_chance)
    assert "better by more than one std" in lines[0]
    assert lines[-1].startswith("No model ranks the events better than chance here")
    assert "best default, 0.5020" in lines[-1]
    above = with_std({"default": [0.72, 0.69, 0.73, 0.67, 0.70],
                      "catboost": [0.51, 0.48, 0.52, 0.46, 0.49]})
    assert not any("chance" in line for line in verdict_lines(above))
    no_std = _result({"default": [0.50, 0.50], "catboost": [0.49, 0.49]})
    assert not any("chance" in line for line in verdict_lines(no_std))
