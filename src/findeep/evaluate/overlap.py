"""Tell whether an evaluation table holds the model's own training rows.

Evaluating on rows a model was trained on is the commonest way to fool oneself, and
nothing in the metrics shows it. The bundle cannot keep the training rows, so it keeps a
sketch: 64-bit hashes of what the network saw for each training row (its preprocessed
inputs), reduced to the ``SKETCH_SIZE`` smallest distinct hashes. Any table can then be
checked: the rows whose hash falls at or below the sketch's largest hash are a uniform
sample on which membership is exact, so the share of them found in the sketch estimates
the share of the whole table that matches a training row (exactly, when every training
row fits in the sketch).

Some tables have genuine twins — two applicants with identical values in every column
(17% of an insurance table's held-out rows match a training row). The sketch also
records how often a training row has a twin among the other training rows: by symmetry,
the share of new rows from the same population expected to match one. Only a share
clearly above that baseline is reported as training rows.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binomtest

SKETCH_SIZE = 16_384
_MIX = np.uint64(0x100000001B3)  # FNV prime: spreads each column's hash over the row's
WARN_EXCESS = 0.05  # share of rows above the twin baseline worth a warning
WARN_P_VALUE = 1e-3


def row_hashes(x_num: np.ndarray, x_cat: np.ndarray) -> np.ndarray:
    """One uint64 per row from the network's inputs: equal rows give equal hashes."""
    n = x_num.shape[0]
    hashes = np.full(n, 0xCBF29CE484222325, dtype=np.uint64)
    columns = [x_num[:, j] for j in range(x_num.shape[1])]
    columns += [x_cat[:, j] for j in range(x_cat.shape[1])]
    for column in columns:  # pandas' keyed column hash, folded FNV-style: vectorised
        hashes = (hashes ^ pd.util.hash_array(np.ascontiguousarray(column))) * _MIX
    return hashes


@dataclass(frozen=True)
class Overlap:
    """How many rows of a table match a training row, against the twin baseline."""

    rows: int
    checked: int  # rows whose hash the sketch can answer for
    matched: int
    exact: bool  # every training row is in the sketch, so every row was checked
    expected_share: float  # share of new rows expected to match by having a twin

    @property
    def share(self) -> float | None:
        return self.matched / self.checked if self.checked else None

    @property
    def excess_share(self) -> float | None:
        """Share of the table that matches beyond what twins explain: likely training rows."""
        share = self.share
        return None if share is None else max(0.0, share - self.expected_share)

    @property
    def likely_training_rows(self) -> bool:
        """True when matches exceed the twin baseline by >= 5 points, beyond chance."""
        excess = self.excess_share
        if excess is None or excess < WARN_EXCESS:
            return False
        baseline = min(max(self.expected_share, 1e-4), 1 - 1e-4)
        test = binomtest(self.matched, self.checked, baseline, alternative="greater")
        return bool(test.pvalue < WARN_P_VALUE)

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "checked": self.checked, "matched": self.matched,
                "exact": self.exact, "share": self.share,
                "expected_share": self.expected_share, "excess_share": self.excess_share,
                "likely_training_rows": self.likely_training_rows}

    def message(self) -> str:
        """One sentence for a warning; only meaningful when ``likely_training_rows``."""
        count = (f"{self.matched:,} of {self.rows:,} rows" if self.exact
                 else f"about {self.share or 0.0:.0%} of the {self.rows:,} rows")
        return (f"{count} match a training row in every column the model reads, against "
                f"{self.expected_share:.1%} expected of new rows: the table holds rows the "
                "model was trained on, so its metrics are optimistic; evaluate on rows it "
                "never saw.")


@dataclass(frozen=True)
class RowSketch:
    """The smallest distinct row hashes of the training table, and its twin rate."""

    rows: int
    twin_share: float
    bound: int  # every training hash <= bound is in ``hashes``
    hashes: np.ndarray  # sorted uint64

    @classmethod
    def from_hashes(cls, hashes: np.ndarray, size: int = SKETCH_SIZE) -> RowSketch:
        distinct, counts = np.unique(hashes, return_counts=True)
        twin_share = float((counts[counts > 1].sum()) / max(len(hashes), 1))
        if distinct.size <= size:
            return cls(len(hashes), twin_share, int(np.iinfo(np.uint64).max), distinct)
        kept = distinct[:size]
        return cls(len(hashes), twin_share, int(kept[-1]), kept)

    @property
    def exact(self) -> bool:
        return self.bound == int(np.iinfo(np.uint64).max)

    def overlap(self, hashes: np.ndarray) -> Overlap:
        checkable = hashes[hashes <= np.uint64(self.bound)]
        matched = int(np.isin(checkable, self.hashes, assume_unique=False).sum())
        return Overlap(len(hashes), int(checkable.size), matched, self.exact, self.twin_share)

    def to_dict(self) -> dict[str, Any]:
        packed = base64.b64encode(self.hashes.astype("<u8").tobytes()).decode("ascii")
        return {"rows": self.rows, "twin_share": self.twin_share, "bound": str(self.bound),
                "hashes": packed}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RowSketch:
        raw = base64.b64decode(data["hashes"].encode("ascii"))
        hashes = np.frombuffer(raw, dtype="<u8").astype(np.uint64)
        return cls(int(data["rows"]), float(data["twin_share"]), int(data["bound"]), hashes)
