"""``findeep tally``'s arithmetic: one model against others over many benchmark results."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from findeep.errors import ConfigError
from findeep.evaluate.tally import BEST_BASELINE, read_results, tally


def _result(data: str, per_model: dict[str, list[float]], task: str = "binary",
            fit: dict[str, float] | None = None) -> dict:
    """A result as ``findeep benchmark --out`` writes it, from per-fold scores of the
    primary metric (None: missing on that fold, as JSON holds a NaN)."""
    metric = {"binary": "roc_auc", "regression": "r2"}[task]
    folds = [{"fold": i, "model": m, metric: v, "fit_seconds": (fit or {}).get(m, 1.0)}
             for m, values in per_model.items() for i, v in enumerate(values)]
    summary = {m: {f"{metric}_mean": (math.fsum(v) / len(v) if None not in v else None)}
               for m, values in per_model.items() for v in [values]}
    return {"data": data, "target": "y", "seed": 0, "task": task, "split": "3-fold",
            "models": list(per_model), "summary": summary, "folds": folds}


def test_each_table_stands_by_the_paired_rule_and_the_average_by_its_standard_error() -> None:
    """Ahead only beyond one std of the per-fold differences, behind likewise, level inside;
    the mean over tables with its standard error, a win only beyond two of them."""
    results = [
        ("a.json", _result("a.csv", {"default": [0.80, 0.82, 0.81],
                                     "catboost": [0.78, 0.80, 0.79]})),  # +0.02 every fold
        ("b.json", _result("b.csv", {"default": [0.70, 0.74, 0.72],
                                     "catboost": [0.71, 0.72, 0.73]})),  # +0.00 ± 0.02
        ("c.json", _result("c.csv", {"default": [0.60, 0.61, 0.62],
                                     "catboost": [0.61, 0.62, 0.63]})),  # −0.01 every fold
    ]
    [one] = tally(results, against=["catboost"])
    assert [t.standing for t in one.tables] == ["ahead", "level", "behind"]
    assert (one.count("ahead"), one.count("level"), one.count("behind")) == (1, 1, 1)
    assert one.mean == pytest.approx((0.02 + 0.0 - 0.01) / 3)
    assert one.standard_error == pytest.approx(0.015275 / math.sqrt(3), rel=1e-3)
    assert one.average_standing == "level"  # +0.0033 against a standard error of 0.0088
    assert one.verdict().startswith("default vs catboost over 3 tables: ahead on 1, level on "
                                    "1, behind on 1 (c.csv (y) -0.0100)")


def test_a_clear_lead_on_the_average_is_called_ahead() -> None:
    results = [(f"{i}.json", _result(f"{i}.csv", {"default": [0.80 + d, 0.81 + d, 0.82 + d],
                                                    "logreg": [0.80, 0.81, 0.82]}))
               for i, d in enumerate([0.010, 0.012, 0.011, 0.009])]
    [one] = tally(results, against=["logreg"])
    assert one.average_standing == "ahead"
    assert "ahead on the average beyond 2 standard errors" in one.verdict()


def test_regression_results_are_tallied_on_r2() -> None:
    result = _result("loans.csv", {"default": [0.61, 0.62, 0.63], "catboost": [0.60, 0.60, 0.60]},
                     task="regression")
    [one] = tally([("loans.json", result)], against=["catboost"])
    assert one.metric == "r2" and one.tables[0].difference == pytest.approx(0.02)
    assert one.tables[0].standing == "ahead"
    assert "one table, no standard error" in one.verdict()


def test_best_baseline_is_each_tables_own_best_baseline() -> None:
    results = [
        ("a.json", _result("a.csv", {"default": [0.80, 0.81], "logreg": [0.79, 0.80],
                                     "catboost": [0.82, 0.83]})),
        ("b.json", _result("b.csv", {"default": [0.70, 0.71], "logreg": [0.72, 0.73],
                                     "catboost": [0.60, 0.61]})),
    ]
    [one] = tally(results, against=[BEST_BASELINE])
    assert [t.opponent for t in one.tables] == ["catboost", "logreg"]
    assert [round(t.difference, 4) for t in one.tables] == [-0.02, -0.02]


def test_unset_opponents_are_best_baseline_and_every_model_all_results_ran() -> None:
    results = [
        ("a.json", _result("a.csv", {"default": [0.8, 0.8], "seed-mlp": [0.7, 0.7],
                                     "logreg": [0.7, 0.7], "catboost": [0.7, 0.7]})),
        ("b.json", _result("b.csv", {"default": [0.8, 0.8], "logreg": [0.7, 0.7],
                                     "catboost": [0.7, 0.7]})),
    ]
    assert [one.against for one in tally(results)] == [BEST_BASELINE, "logreg", "catboost"]


def test_a_table_without_an_estimate_of_its_noise_is_shown_but_not_counted() -> None:
    """A metric missing on a fold (undefined there): no difference over the same folds, so
    the table is neither ahead nor behind and stays out of the mean."""
    results = [
        ("a.json", _result("a.csv", {"default": [0.80, None, 0.82],
                                     "catboost": [0.70, 0.71, 0.72]})),
        ("b.json", _result("b.csv", {"default": [0.80, 0.81, 0.82],
                                     "catboost": [0.79, 0.80, 0.81]})),
    ]
    [one] = tally(results, against=["catboost"])
    assert [t.standing for t in one.tables] == ["no estimate", "ahead"]
    assert one.tables[0].opponent == "catboost"
    assert one.mean == pytest.approx(0.01) and math.isnan(one.standard_error)
    assert "no estimate on 1" in one.verdict()


def test_best_baseline_passes_over_a_baseline_whose_mean_is_missing() -> None:
    """A baseline's metric undefined on a fold (its mean null in the JSON) ranks last."""
    results = [("a.json", _result("a.csv", {"default": [0.80, 0.81, 0.82],
                                            "catboost": [0.90, None, 0.92],
                                            "logreg": [0.70, 0.71, 0.72]}))]
    [one] = tally(results, against=[BEST_BASELINE])
    assert one.tables[0].opponent == "logreg"
    assert one.tables[0].difference == pytest.approx(0.10)


def test_fit_time_counts_the_tables_where_the_model_was_faster() -> None:
    results = [
        ("a.json", _result("a.csv", {"default": [0.8, 0.8], "catboost": [0.7, 0.7]},
                           fit={"default": 1.0, "catboost": 3.0})),
        ("b.json", _result("b.csv", {"default": [0.8, 0.8], "catboost": [0.7, 0.7]},
                           fit={"default": 5.0, "catboost": 3.0})),
    ]
    [one] = tally(results, against=["catboost"])
    assert [t.faster for t in one.tables] == [True, False]
    assert one.verdict().endswith("fitted faster on 1 of 2 (1.00x the opponent's fit time "
                                  "over all tables).")
    assert one.to_dict()["faster_on"] == 1 and one.fit_ratio == pytest.approx(1.0)


@pytest.mark.parametrize(("results", "model", "against", "words"), [
    ([("a.json", _result("a.csv", {"default": [0.8], "logreg": [0.7]})),
      ("b.json", _result("b.csv", {"default": [0.8], "logreg": [0.7]}, task="regression"))],
     "default", ["logreg"], "different metrics (r2 in 'b.json', roc_auc in 'a.json')"),
    ([("a.json", _result("a.csv", {"default": [0.8], "logreg": [0.7]})),
      ("b.json", _result("a.csv", {"default": [0.8], "logreg": [0.7]}))],
     "default", ["logreg"], "'b.json' repeats the run in 'a.json'"),
    ([("a.json", _result("a.csv", {"logreg": [0.7], "catboost": [0.8]}))],
     "default", None, "'default' is not in the results of 'a.json' (it ran logreg, catboost)"),
    ([("a.json", _result("a.csv", {"default": [0.8], "logreg": [0.7]}))],
     "default", ["catboost"], "'catboost' is not in the results of 'a.json'"),
    ([("a.json", _result("a.csv", {"default": [0.8], "seed-mlp": [0.7]}))],
     "default", [BEST_BASELINE], "'a.json' holds no baseline"),
    ([("a.json", _result("a.csv", {"default": [0.8], "logreg": [0.7]}))],
     "default", ["default"], "the model being tallied"),
    ([("a.json", _result("a.csv", {"default": [0.8]}))],
     "default", None, "no other model ran on every table"),
    ([], "default", None, "at least one results file"),
])
def test_what_cannot_be_tallied_is_refused_in_one_sentence(results, model, against,
                                                           words) -> None:
    with pytest.raises(ConfigError) as caught:
        tally(results, model=model, against=against)
    assert words in str(caught.value)


def test_files_that_are_not_benchmark_results_are_refused(tmp_path) -> None:
    (tmp_path / "not.json").write_text("{not json")
    (tmp_path / "list.json").write_text("[1, 2]")
    (tmp_path / "metrics.json").write_text(json.dumps({"task": "binary", "test": {}}))
    for name, words in [("not.json", "is not JSON"), ("list.json", "a JSON list"),
                        ("metrics.json", "it lacks data, models, summary, folds"),
                        ("missing.json", "no results file at")]:
        with pytest.raises(ConfigError) as caught:
            read_results([tmp_path / name])
        assert words in str(caught.value)


def test_a_folder_stands_for_the_results_in_it(tmp_path) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    for name in ("b", "a"):
        (runs / f"{name}.json").write_text(json.dumps(
            _result(f"{name}.csv", {"default": [0.8, 0.81], "logreg": [0.7, 0.72]})))
    (runs / "notes.txt").write_text("not a result")
    assert [name for name, _ in read_results([runs])] == [str(runs / "a.json"),
                                                          str(runs / "b.json")]
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match=r"holds no \.json results"):
        read_results([tmp_path / "empty"])


def test_single_splits_stand_nowhere_but_count_in_the_average() -> None:
    """An out-of-time benchmark's one split: no standing of its own, but over tables the
    spread between them is the average's noise."""
    results = [(f"{i}.json", _result(f"{i}.csv", {"default": [0.80 + d], "catboost": [0.78]}))
               for i, d in enumerate([0.000, 0.004, 0.002])]
    [one] = tally(results, against=["catboost"])
    assert {t.standing for t in one.tables} == {"no estimate"}
    assert one.count("ahead") == one.count("behind") == 0
    assert one.mean == pytest.approx(0.022) and one.standard_error == pytest.approx(
        0.002 / math.sqrt(3))
    assert one.average_standing == "ahead"
    assert "no estimate on 3 (one split" in one.verdict()


def test_runs_of_one_table_under_several_seeds_are_one_table() -> None:
    """A second seed pools its per-fold differences with the first's; the table counts once."""
    seed_0 = _result("a.csv", {"default": [0.80, 0.82, 0.81], "catboost": [0.79, 0.80, 0.80]})
    seed_1 = _result("a.csv", {"default": [0.81, 0.80, 0.82], "catboost": [0.80, 0.79, 0.80]})
    seed_1["seed"] = 1
    other = _result("b.csv", {"default": [0.70, 0.71, 0.72], "catboost": [0.70, 0.70, 0.70]})
    [one] = tally([("a0.json", seed_0), ("a1.json", seed_1), ("b.json", other)],
                  against=["catboost"])
    assert [t.table for t in one.tables] == ["a.csv (y), 2 seeds", "b.csv (y)"]
    pooled = [0.01, 0.02, 0.01, 0.01, 0.01, 0.02]
    assert one.tables[0].folds == 6
    assert one.tables[0].difference == pytest.approx(sum(pooled) / 6)
    assert one.tables[0].std == pytest.approx(float(np.std(pooled, ddof=1)))
    assert one.tables[0].standing == "ahead"
    assert len(one.tables) == 2 and one.standard_error == pytest.approx(
        abs(one.tables[0].difference - one.tables[1].difference) / 2)
