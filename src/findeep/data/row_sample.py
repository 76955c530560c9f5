"""A bounded, seeded sample of a table's rows: for comparisons on tables too tall to
cross-validate every model on (``findeep benchmark --max-rows``), and the rows global
explanations summarise (``importance``, ``dependence``, ``report``: plain random rows).

A classification keeps each class's share (each class sampled at the same fraction, as
pandas' ``groupby(target).sample(frac=...)`` does, so the sample of a seed is the one that
call gives: the issue-12 panel's protocol); rows grouped by a customer keep whole customers
(groups drawn in a seeded order while they fit); a regression is a plain random sample.
Positions refer to the frame given; nothing is copied here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from findeep.data.splits import MIN_TRAINING_ROWS
from findeep.errors import ConfigError


@dataclass(frozen=True)
class RowSample:
    """The rows kept (positions, in the order they are scored) out of ``of`` rows."""

    positions: np.ndarray
    of: int
    kind: str  # "stratified by the target", "whole groups" or "random"
    seed: int
    raised: dict[str, int] = field(default_factory=dict)  # rare class -> rows kept instead

    def note(self) -> str:
        """One sentence for a reader of the figures computed on the sample."""
        raised = "".join(f"; class {label!r} kept at {rows} rows, more than its share, so "
                         "that every fold can hold it" for label, rows in self.raised.items())
        return (f"Scored on a sample of {len(self.positions):,} of the {self.of:,} labelled "
                f"rows ({self.kind}, seed {self.seed}; --max-rows{raised}): every model and "
                "fold saw only these rows.")

    def to_dict(self) -> dict[str, object]:
        document: dict[str, object] = {"rows": len(self.positions), "of": int(self.of),
                                       "kind": self.kind, "seed": int(self.seed)}
        if self.raised:
            document["raised"] = self.raised
        return document


def check_max_rows(max_rows: object) -> None:
    """A benchmark's sample: a whole number of rows, at least ``MIN_TRAINING_ROWS`` (each
    fold trains on part of them)."""
    if max_rows is None:
        return
    if isinstance(max_rows, bool) or not isinstance(max_rows, int | np.integer) \
            or max_rows < MIN_TRAINING_ROWS:
        raise ConfigError(f"max_rows (--max-rows) must be a whole number of at least "
                          f"{MIN_TRAINING_ROWS}, however: {max_rows!r}")


def sample_rows(n_rows: int, max_rows: int | None, *, seed: int,
                labels: np.ndarray | pd.Series | None = None,
                groups: np.ndarray | None = None, min_per_class: int = 0
                ) -> RowSample | None:
    """At most about ``max_rows`` of ``n_rows`` rows, or None when every row fits.

    ``labels`` (a classification's target): every class at the fraction ``max_rows /
    n_rows`` (rounded per class, so the total can differ from ``max_rows`` by a row or two a
    class); a class that fraction leaves with fewer than ``min_per_class`` rows (a
    benchmark's folds: each test fold needs every class) keeps that many, or all it has.
    ``groups`` (each row's group code): whole groups in a seeded order while their rows fit
    (at least one group). Neither: ``max_rows`` rows drawn at random.
    """
    if max_rows is None:
        return None
    if isinstance(max_rows, bool) or not isinstance(max_rows, int | np.integer) or max_rows < 1:
        raise ConfigError(f"max_rows must be a positive integer, however: {max_rows=}")
    if n_rows <= max_rows:
        return None
    positions = pd.Series(np.arange(n_rows))
    if groups is not None:
        codes, sizes = np.unique(groups, return_counts=True)
        order = np.random.RandomState(seed).permutation(len(codes))
        fits = np.cumsum(sizes[order]) <= max_rows
        fits[0] = True
        kept = np.isin(groups, codes[order][fits])
        return RowSample(np.flatnonzero(kept), n_rows, "whole groups", seed)
    if labels is not None:
        labels = np.asarray(labels)
        drawn = positions.groupby(labels, group_keys=False).sample(
            frac=max_rows / n_rows, random_state=seed).to_numpy()
        drawn, raised = _rare_classes_kept(drawn, labels, min_per_class, seed)
        return RowSample(drawn, n_rows, "stratified by the target", seed, raised)
    drawn = positions.sample(n=max_rows, random_state=seed)
    return RowSample(drawn.to_numpy(), n_rows, "random", seed)


def _rare_classes_kept(drawn: np.ndarray, labels: np.ndarray, min_per_class: int,
                       seed: int) -> tuple[np.ndarray, dict[str, int]]:
    """``drawn`` with each class topped up to ``min_per_class`` rows (or all it has) by rows
    of it not drawn yet, in a seeded order; and each raised class's count, by its label."""
    codes, classes = pd.factorize(labels)
    have = np.bincount(codes[drawn], minlength=len(classes))
    need = np.minimum(np.bincount(codes, minlength=len(classes)), min_per_class)
    short = np.flatnonzero(have < need)
    if not len(short):
        return drawn, {}
    taken = np.zeros(len(labels), dtype=bool)
    taken[drawn] = True
    state = np.random.RandomState(seed)
    extra = [state.permutation(np.flatnonzero((codes == c) & ~taken))[:need[c] - have[c]]
             for c in short]
    return (np.concatenate([drawn, *extra]),
            {str(classes[c]): int(need[c]) for c in short})
