"""One model against others over many tables: the tally of ``findeep benchmark`` results.

One table answers "is ``default`` better than CatBoost *here*?"; a team choosing a default
for its portfolio asks it over every table it has. ``tally`` reads the results
``findeep benchmark --out`` wrote, one per table, and gives for each opponent:

- each table's paired difference over its own folds, oriented so that positive is better for
  the model (a loss such as RMSE is flipped), and its standing by the benchmark's own rule
  (``comparison.verdict``): ahead or behind only beyond one standard deviation of the
  per-fold differences, level otherwise;
- the counts of tables ahead, level and behind, and the mean difference over tables with its
  standard error (tables are independent samples of the portfolio, so the average is
  judged against its standard error, not a fold std; a single out-of-time split has no
  standing of its own but counts in the average): ahead or behind on the average only
  beyond two standard errors;
- on how many tables the model fitted faster than the opponent (fit seconds over the folds).

Runs of one table under several seeds (``findeep benchmark --random-state``) are one table:
their per-fold differences are pooled, each run paired within its own folds, so a second seed
steadies a table's standing instead of counting it twice.

The opponent may be a model (``catboost``) or ``best-baseline``: on each table, the
baseline (logreg, LightGBM, XGBoost, CatBoost) with the best mean there, as the benchmark's
own verdict line picks it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from findeep.errors import ConfigError
from findeep.evaluate.baselines import BASELINE_PACKAGES
from findeep.evaluate.comparison import FOLD_METRICS, HIGHER_IS_BETTER
from findeep.evaluate.verdicts import best_model, fold_differences, mean_and_std

BEST_BASELINE = "best-baseline"
AVERAGE_SE = 2.0  # the mean over tables counts as a win beyond this many standard errors
RESULT_KEYS = ("data", "task", "models", "summary", "folds")


@dataclass
class TableStanding:
    """The model against one opponent on one table."""

    table: str
    opponent: str  # the model faced there (for best-baseline: that table's best baseline)
    difference: float  # mean over folds of model − opponent, positive = the model better
    std: float  # std of the per-fold differences (NaN: one split, or a metric missing)
    folds: int  # the per-fold differences behind it, over every seed's run
    fit_seconds: float  # the model's, over the folds (a mean over the runs of several seeds)
    opponent_fit_seconds: float

    @property
    def standing(self) -> str:
        """"ahead", "behind" or "level" by the paired rule; "no estimate" without one."""
        if not (np.isfinite(self.difference) and np.isfinite(self.std)):
            return "no estimate"
        if self.difference > self.std:
            return "ahead"
        if self.difference < -self.std:
            return "behind"
        return "level"

    @property
    def faster(self) -> bool:
        return self.fit_seconds <= self.opponent_fit_seconds


@dataclass
class Tally:
    """The model against one opponent over every table."""

    model: str
    against: str  # as asked: a model's name or ``BEST_BASELINE``
    metric: str
    tables: list[TableStanding] = field(default_factory=list)

    @property
    def differences(self) -> list[float]:
        """The tables' differences that exist (a metric missing on a fold leaves none). A
        single split's counts here though not among ahead / behind: over tables, the spread
        between them is the average's noise."""
        return [t.difference for t in self.tables if np.isfinite(t.difference)]

    def count(self, standing: str) -> int:
        return sum(t.standing == standing for t in self.tables)

    @property
    def mean(self) -> float:
        values = self.differences
        return float(np.mean(values)) if values else float("nan")

    @property
    def standard_error(self) -> float:
        values = self.differences
        if len(values) < 2:
            return float("nan")
        return float(np.std(values, ddof=1) / np.sqrt(len(values)))

    @property
    def average_standing(self) -> str:
        """"ahead" or "behind" beyond ``AVERAGE_SE`` standard errors, else "level"; "no
        estimate" from fewer than two tables with a difference."""
        mean, se = self.mean, self.standard_error
        if not np.isfinite(se):
            return "no estimate"
        if mean > AVERAGE_SE * se:
            return "ahead"
        if mean < -AVERAGE_SE * se:
            return "behind"
        return "level"

    @property
    def faster_on(self) -> int:
        """On how many tables the model fitted in no more time than the opponent."""
        return sum(t.faster for t in self.tables)

    @property
    def mean_text(self) -> str:
        """"+0.0044 ± 0.0016", or the mean alone without a standard error."""
        if not np.isfinite(self.standard_error):
            return f"{self.mean:+.4f}"
        return f"{self.mean:+.4f} ± {self.standard_error:.4f}"

    @property
    def fit_ratio(self) -> float:
        """The model's fit seconds over every table's folds, as a multiple of the opponent's
        (NaN where neither recorded any)."""
        theirs = sum(t.opponent_fit_seconds for t in self.tables)
        mine = sum(t.fit_seconds for t in self.tables)
        return mine / theirs if theirs > 0 else float("nan")

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model, "against": self.against, "metric": self.metric,
            "tables": [{"table": t.table, "opponent": t.opponent, "difference": t.difference,
                        "std": t.std, "folds": t.folds, "standing": t.standing,
                        "fit_seconds": t.fit_seconds,
                        "opponent_fit_seconds": t.opponent_fit_seconds}
                       for t in self.tables],
            "ahead": self.count("ahead"), "level": self.count("level"),
            "behind": self.count("behind"), "no_estimate": self.count("no estimate"),
            "mean": self.mean, "standard_error": self.standard_error,
            "average": self.average_standing,
            "faster_on": self.faster_on, "fit_ratio": self.fit_ratio,
            "verdict": self.verdict(),
        }

    def verdict(self) -> str:
        """The tally in one sentence."""
        n = len(self.tables)
        behind = [t for t in self.tables if t.standing == "behind"]
        parts = [f"{self.model} vs {self.against} over {n} table{'s' * (n != 1)}: ahead on "
                 f"{self.count('ahead')}, level on {self.count('level')}, behind on "
                 f"{len(behind)}"
                 + (" (" + ", ".join(f"{t.table} {t.difference:+.4f}" for t in behind) + ")"
                    if behind else "")]
        if self.count("no estimate"):
            parts.append(f"no estimate on {self.count('no estimate')} (one split, or "
                         f"{self.metric} missing on a fold)")
        mean, se = self.mean, self.standard_error
        if np.isfinite(se):
            words = {"ahead": f"ahead on the average beyond {AVERAGE_SE:g} standard errors",
                     "behind": f"behind on the average beyond {AVERAGE_SE:g} standard errors",
                     "level": f"level on the average: within {AVERAGE_SE:g} standard errors"}
            parts.append(f"mean {mean:+.4f} {self.metric} a table (s.e. {se:.4f}) — "
                         f"{words[self.average_standing]}")
        elif np.isfinite(mean):
            parts.append(f"mean {mean:+.4f} {self.metric}: one table, no standard error")
        ratio = self.fit_ratio
        parts.append(f"fitted faster on {self.faster_on} of {n}"
                     + (f" ({ratio:.2f}x the opponent's fit time over all tables)"
                        if np.isfinite(ratio) else ""))
        return "; ".join(parts) + "."


def read_results(paths: list[Path]) -> list[tuple[str, dict[str, Any]]]:
    """Each ``findeep benchmark --out`` file as ``(its name, its result)``; a folder stands
    for the ``.json`` files in it. A file that is missing, not JSON, or not a tabular
    benchmark's result is refused in one sentence."""
    if not paths:
        raise ConfigError("name at least one results file written by findeep benchmark --out.")
    results = []
    for path in _files(paths):
        if not path.is_file():
            raise ConfigError(f"no results file at '{path}'.")
        try:
            result = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ConfigError(f"'{path}' is not JSON ({error}); name the files findeep "
                              "benchmark --out wrote.") from None
        if not isinstance(result, dict):
            raise ConfigError(f"'{path}' is not a result of findeep benchmark --out (it holds "
                              f"a JSON {type(result).__name__}).")
        missing = [key for key in RESULT_KEYS if key not in result]
        if missing:
            raise ConfigError(f"'{path}' is not a result of findeep benchmark --out: it lacks "
                              f"{', '.join(missing)}.")
        results.append((str(path), result))
    return results


def _files(paths: list[Path]) -> list[Path]:
    """``paths`` with each folder replaced by the ``.json`` files in it, in name order."""
    files = []
    for path in map(Path, paths):
        if not path.is_dir():
            files.append(path)
            continue
        inside = sorted(p for p in path.glob("*.json") if p.is_file())
        if not inside:
            raise ConfigError(f"the folder '{path}' holds no .json results; name the files "
                              "findeep benchmark --out wrote, or their folder.")
        files += inside
    return files


def tally(results: list[tuple[str, dict[str, Any]]], *, model: str = "default",
          against: list[str] | None = None) -> list[Tally]:
    """``model`` against each of ``against`` over the ``(name, result)`` pairs, one
    ``Tally`` per opponent. ``against`` unset: ``BEST_BASELINE`` (where every result holds a
    baseline) and every other model that every result ran."""
    if not results:
        raise ConfigError("name at least one results file written by findeep benchmark --out.")
    metric = _one_metric(results)
    _refuse_repeated_tables(results)
    for name, result in results:
        if model not in result["summary"]:
            raise ConfigError(f"{model!r} is not in the results of '{name}' (it ran "
                              f"{', '.join(result['summary'])}); tally results that all ran "
                              "it, or name another with --model.")
    opponents = against if against else _common_opponents(results, model)
    if not opponents:
        raise ConfigError(f"no other model ran on every table beside {model!r}; name one "
                          "with --against.")
    tallies = []
    for opponent in opponents:
        if opponent == model:
            raise ConfigError(f"--against names {model!r}, the model being tallied; name "
                              "another.")
        tallies.append(Tally(model, opponent, metric,
                             [_standing(runs, model, opponent, metric)
                              for runs in _by_table(results)]))
    return tallies


def _one_metric(results: list[tuple[str, dict[str, Any]]]) -> str:
    for name, result in results:
        if result.get("task") not in FOLD_METRICS:
            raise ConfigError(f"'{name}' holds a task findeep benchmark does not write: "
                              f"{result.get('task')!r}.")
    metrics = {name: FOLD_METRICS[result["task"]][0] for name, result in results}
    kinds = sorted(set(metrics.values()))
    if len(kinds) > 1:
        first = {kind: next(n for n, m in metrics.items() if m == kind) for kind in kinds}
        raise ConfigError("the results compare different metrics ("
                          + ", ".join(f"{kind} in '{first[kind]}'" for kind in kinds)
                          + "): a difference in one cannot be averaged with another; tally "
                            "results of one kind of task.")
    return kinds[0]


def _refuse_repeated_tables(results: list[tuple[str, dict[str, Any]]]) -> None:
    seen: dict[tuple, str] = {}
    for name, result in results:
        key = (result["data"], result.get("target"), result.get("split"), result.get("seed"))
        if key in seen:
            raise ConfigError(f"'{name}' repeats the run in '{seen[key]}' ({result['data']}, "
                              f"{result.get('split')}, seed {result.get('seed')}): a table "
                              "counts once.")
        seen[key] = name


def _common_opponents(results: list[tuple[str, dict[str, Any]]], model: str) -> list[str]:
    common = [m for m in results[0][1]["summary"]
              if m != model and all(m in r["summary"] for _, r in results[1:])]
    every_has_baseline = all(any(m in BASELINE_PACKAGES for m in r["summary"])
                             for _, r in results)
    return ([BEST_BASELINE] if every_has_baseline else []) + common


def _by_table(results: list[tuple[str, dict[str, Any]]]
              ) -> list[list[tuple[str, dict[str, Any]]]]:
    """The results grouped by table (data, target, split), in the order first seen: runs of
    one table under several seeds are one table, not several."""
    groups: dict[tuple, list[tuple[str, dict[str, Any]]]] = {}
    for name, result in results:
        key = (result["data"], result.get("target"), result.get("split"))
        groups.setdefault(key, []).append((name, result))
    return list(groups.values())


def _standing(runs: list[tuple[str, dict[str, Any]]], model: str, against: str,
              metric: str) -> TableStanding:
    """One table's standing from its runs (one per seed): the per-fold differences of every
    run pooled, each run paired within its own folds."""
    differences, opponents, fits, opponent_fits = [], [], [], []
    for name, result in runs:
        opponent = _opponent(name, result, against, metric)
        folds = [{k: (float("nan") if v is None else v) for k, v in record.items()}
                 for record in result["folds"]]
        differences.append(fold_differences(folds, model, opponent, metric))
        opponents.append(opponent)
        fits.append(_fit_seconds(folds, model))
        opponent_fits.append(_fit_seconds(folds, opponent))
    pooled = np.concatenate(differences)
    if metric not in HIGHER_IS_BETTER:  # a loss: lower is better
        pooled = -pooled
    difference, std = mean_and_std(pooled)
    table = _table_name(runs[0][1])
    if len(runs) > 1:
        table = f"{table}, {len(runs)} seeds"
    return TableStanding(
        table=table, opponent="/".join(dict.fromkeys(opponents)), difference=difference,
        std=std, folds=len(pooled), fit_seconds=float(np.mean(fits)),
        opponent_fit_seconds=float(np.mean(opponent_fits)))


def _opponent(name: str, result: dict[str, Any], against: str, metric: str) -> str:
    """The model ``against`` names in this result: itself, or for best-baseline the
    baseline with the best mean here."""
    # JSON holds a NaN (a metric undefined on some fold) as null
    summary = {m: {k: float("nan") if v is None else v for k, v in stats.items()}
               for m, stats in result["summary"].items()}
    if against == BEST_BASELINE:
        opponent = best_model(summary, [m for m in summary if m in BASELINE_PACKAGES], metric)
        if opponent is None:
            raise ConfigError(f"'{name}' holds no baseline (logreg, lightgbm, xgboost, "
                              f"catboost) to be the best one; it ran {', '.join(summary)}.")
        return opponent
    if against not in summary:
        raise ConfigError(f"{against!r} is not in the results of '{name}' (it ran "
                          f"{', '.join(summary)}); name models every result holds.")
    return against


def _fit_seconds(folds: list[dict[str, Any]], model: str) -> float:
    return float(sum(f.get("fit_seconds", 0.0) for f in folds if f["model"] == model))


def _table_name(result: dict[str, Any]) -> str:
    data = str(result["data"])
    name = data if data.startswith("sample:") else Path(data).name
    about = [result["target"]] if result.get("target") else []
    if sample := result.get("sample"):  # benchmark --max-rows: scored on a sample of rows
        about.append(f"{sample['rows']:,} of {sample['of']:,} rows")
    return name if not about else f"{name} ({'; '.join(about)})"
