"""Do the nineteenth session's reading changes touch any benchmark table?

    cd benchmarks && python reading_changes_check.py

Numbers written as text are now read as numbers (``data/number_text.py``) and day-month or
named-month date strings as dates (``data/schema.py``). This lists, for the 22 real tables of
BENCHMARKS (the two samples, the development tables and the four unseen sets), every text
column either change would read differently; none means no benchmark figure moves. Only
column types and values are read: no label, no model, no score.
"""

from __future__ import annotations

import pandas as pd
from tables import (
    DEVELOPMENT_TABLES,
    UNSEEN_TABLE_4,
    UNSEEN_TABLES,
    UNSEEN_TABLES_2,
    UNSEEN_TABLES_3,
)

from findeep.data import schema
from findeep.data.number_text import looks_numeric
from findeep.data.samples import load_sample


def newly_dated(values: pd.Series) -> bool:
    """Every sampled value matches a date form ISO-only reading used to leave as text."""
    sample = values.dropna().astype(str).head(200)
    forms = (schema._DAY_MONTH_DATE, schema._NAMED_DATE)
    return bool(len(sample)) and bool(sample.map(lambda v: any(f.match(v) for f in forms)).all())


def main() -> None:
    tables = [(f"sample:{n}", load_sample(n).frame) for n in ("credit", "creditcard")]
    for table in (*DEVELOPMENT_TABLES, *UNSEEN_TABLES, *UNSEEN_TABLES_2, *UNSEEN_TABLES_3,
                  *UNSEEN_TABLE_4):
        tables.append((table.name, table.load()))
    changed = []
    for name, frame in tables:
        for column in frame.columns:
            values = frame[column]
            if (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
                    or pd.api.types.is_datetime64_any_dtype(values)):
                continue
            flags = [flag for flag, hit in (("number text", looks_numeric(values)),
                                            ("day-month date", newly_dated(values))) if hit]
            if flags:
                changed.append(f"{name} {column}: {', '.join(flags)}")
    print(f"{len(tables)} tables; columns read differently: {len(changed)}")
    for line in changed:
        print(" ", line)


if __name__ == "__main__":
    main()
