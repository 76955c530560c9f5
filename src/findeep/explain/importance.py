"""Global importance: which columns drive the model, two independent ways.

- Permutation importance: how much the bundle's metric (ROC-AUC; log-loss for a
  multiclass model, RMSE for a regression) worsens when one column's values are shuffled,
  repeated to give a confidence interval. Model-agnostic and on the user's own columns.
- Integrated Gradients: the mean absolute attribution per column (see ``attributions``).

Agreement between the two is what a validator looks for.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.metrics import log_loss, roc_auc_score, root_mean_squared_error

from findeep.errors import ConfigError, DataError
from findeep.explain.attributions import RowsHook, column_attributions
from findeep.explain.frozen import frozen
from findeep.pipeline import TabularPipeline


def _auc(labels: np.ndarray, scored: np.ndarray) -> float:
    return float(roc_auc_score(labels, scored[:, 1]))


def _negative_rmse(labels: np.ndarray, scored: np.ndarray) -> float:
    return -float(root_mean_squared_error(labels, scored))


def _negative_log_loss(labels: np.ndarray, scored: np.ndarray) -> float:
    proba = scored / scored.sum(axis=1, keepdims=True)  # float32 rows sum to 1 +- 1e-7 only
    return -float(log_loss(labels, proba, labels=np.arange(proba.shape[1])))


# the metric whose worsening measures importance, and its score of the model's output
# (higher is better)
_METRICS = {"binary": ("roc_auc", _auc), "multiclass": ("log_loss", _negative_log_loss),
            "regression": ("rmse", _negative_rmse)}
# rows the model scores in one call when shuffled copies of the table are stacked: one call
# per copy spent most of its time on the call's fixed cost (200 rows, 12 columns x 5
# repeats: 0.69-1.16 s a copy at a time, 0.22-0.30 s stacked in three runs of
# benchmarks/permutation_importance_stacked.py)
STACKED_ROWS = 65_536


def labelled_rows(pipeline: TabularPipeline, frame: pd.DataFrame, y: pd.Series, *,
                  needs_both: str = "importance on ROC-AUC needs both",
                  ) -> tuple[pd.DataFrame, np.ndarray]:
    """Rows with a label, and the labels as the model sees them (1 = event for binary);
    a binary model's labels must hold both classes (``needs_both`` says why)."""
    y = pd.Series(np.asarray(y), index=frame.index)
    keep = y.notna().to_numpy()
    codes = pipeline.target.encode(y[keep])
    if pipeline.task == "binary":
        codes = (codes == pipeline.target.event_index).astype(int)
        if len(np.unique(codes)) < 2:
            raise DataError(f"the labels hold a single class; {needs_both}.")
    return frame.loc[keep], codes


MAX_REPEATS = 1_000


def check_repeats(n_repeats: int) -> None:
    """At least two shuffles per column (one gives no interval), at most ``MAX_REPEATS``
    (the interval barely narrows past a few dozen, while the time grows with each)."""
    if not isinstance(n_repeats, int) or not 2 <= n_repeats <= MAX_REPEATS:
        raise ConfigError(f"n_repeats must be an integer from 2 to {MAX_REPEATS:,}, however: "
                          f"{n_repeats=}")


def permutation_importance_table(
    pipeline: TabularPipeline, frame: pd.DataFrame, y: pd.Series, *, n_repeats: int = 5,
    seed: int = 0, confidence: float = 0.95,
) -> pd.DataFrame:
    """Drop in ROC-AUC (binary), rise in log-loss (multiclass) or in RMSE (regression)
    when each column is shuffled.

    One row per input column, most important first: ``importance`` (mean over repeats),
    ``std`` and a Student-t confidence interval ``ci_low``/``ci_high``.
    """
    check_repeats(n_repeats)
    if not 0.0 < confidence < 1.0:
        raise ConfigError(f"confidence must be between 0 and 1, however: {confidence=}")
    pipeline.check_frame(frame)
    rows, labels = labelled_rows(pipeline, frame, y)
    features = rows[pipeline.schema.used_names]
    metric, score = _METRICS[pipeline.task]
    drops = _score_drops(pipeline, features, labels, score, n_repeats=n_repeats, seed=seed)
    mean = drops.mean(axis=1)
    std = drops.std(axis=1, ddof=1)
    half = stats.t.ppf(0.5 + confidence / 2, df=n_repeats - 1) * std / np.sqrt(n_repeats)
    table = pd.DataFrame({"column": features.columns, "importance": mean, "std": std,
                          "ci_low": mean - half, "ci_high": mean + half})
    table.attrs["metric"] = metric
    return table.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)


def _shuffles(n_rows: int, n_columns: int, n_repeats: int,
              seed: int) -> Iterator[tuple[int, np.ndarray]]:
    """(column, row order of its shuffled values) for each column and repeat in turn, one at
    a time: scikit-learn's ``permutation_importance`` draws, so a seed gives the same
    shuffles as it did (one seed for every column, each repeat shuffling the previous
    repeat's order again)."""
    column_seed = np.random.RandomState(seed).randint(np.iinfo(np.int32).max + 1)
    for column in range(n_columns):
        state, step, current = (np.random.RandomState(column_seed), np.arange(n_rows),
                                np.arange(n_rows))
        for _ in range(n_repeats):
            state.shuffle(step)
            current = current[step]
            yield column, current


def _score_drops(pipeline: TabularPipeline, features: pd.DataFrame, labels: np.ndarray,
                 score: Callable[[np.ndarray, np.ndarray], float], *, n_repeats: int,
                 seed: int) -> np.ndarray:
    """(n_columns, n_repeats): the score on ``features`` less the score with one column
    shuffled, for each column and repeat. The shuffled copies are stacked and scored
    ``STACKED_ROWS`` rows at a time (the unshuffled table first), made as they are scored."""
    model = frozen(pipeline)
    output = model.predict if pipeline.task == "regression" else model.predict_proba
    n_rows, n_columns = features.shape
    copies = itertools.chain([None], _shuffles(n_rows, n_columns, n_repeats, seed))
    per_call = max(1, STACKED_ROWS // max(n_rows, 1))
    scores: list[float] = []
    while block := list(itertools.islice(copies, per_call)):
        frames = []
        for copy in block:
            frame = features.copy()
            if copy is not None:
                name = features.columns[copy[0]]
                frame[name] = features[name].iloc[copy[1]].set_axis(features.index)
            frames.append(frame)
        scored = np.asarray(output(pd.concat(frames, ignore_index=True)))
        scores += [score(labels, scored[offset * n_rows:(offset + 1) * n_rows])
                   for offset in range(len(block))]
    return scores[0] - np.asarray(scores[1:]).reshape(n_columns, n_repeats)


def attribution_importance_table(
    pipeline: TabularPipeline, frame: pd.DataFrame, *, reference: pd.DataFrame | None = None,
    n_steps: int | None = None, on_rows: RowsHook | None = None,
) -> pd.DataFrame:
    """Mean absolute (and mean signed) Integrated-Gradients attribution per column."""
    attributions = column_attributions(pipeline, frame, reference=reference, n_steps=n_steps,
                                       on_rows=on_rows)
    table = pd.DataFrame({"column": attributions.columns,
                          "mean_abs_attribution": np.abs(attributions.values).mean(axis=0),
                          "mean_attribution": attributions.values.mean(axis=0)})
    table.attrs["units"] = attributions.units
    return table.sort_values("mean_abs_attribution", ascending=False,
                             kind="stable").reset_index(drop=True)
