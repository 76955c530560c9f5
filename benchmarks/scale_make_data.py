"""Write ``make_credit_frame`` rows as Parquet for the scale benchmarks (BENCHMARKS.md).

Up to 1M rows the file is exactly ``make_credit_frame(n, seed)``; larger tables are
written 1M rows at a time (chunk i drawn with seed ``seed + i``: the same generator and
distribution, without holding 10M rows of Python strings in memory at once).

    python benchmarks/scale_make_data.py 10000000 /tmp/credit-10m.parquet
"""

from __future__ import annotations

import sys

import pyarrow as pa
import pyarrow.parquet as pq

from findeep.testing import make_credit_frame

CHUNK = 1_000_000
ROW_GROUP = 262_144


def main(n_rows: int, path: str, seed: int = 0) -> None:
    writer = None
    for i, start in enumerate(range(0, n_rows, CHUNK)):
        frame = make_credit_frame(min(CHUNK, n_rows - start), seed=seed + i)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=ROW_GROUP)
        del frame, table
    assert writer is not None
    writer.close()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 0)
