"""Tables read a record batch at a time: a Parquet file or a directory of them.

``ParquetSource`` opens a file or a directory (an Arrow dataset) without reading rows,
checks that every file agrees on the columns (names and types; a file may order them
differently, and is read in the first file's order; a number column may be int64 in one file
and double in another, and is read as float64 from all), and hands out *units* — one row group of
one file each — so an epoch can visit them in a seeded order and each process of a
distributed run can read its own share. Every row has a global position (its offset in
the dataset, files in sorted order), and ``row_uniform`` turns a position and a seed into
a number in [0, 1): splits drawn from it are the same in every pass and every process.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from findeep.errors import ConfigError, DataFileError

STREAM_MIN_BYTES = 512 * 1024**2  # Parquet beyond this streams by default (~10M+ rows in RAM)
_PARQUET_SUFFIXES = (".parquet", ".pq")
_OTHER_TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".json", ".orc")


def _visible_files(folder: Path) -> list[Path]:
    """The files under ``folder`` that a dataset reader counts as data, sorted: as Spark and
    pyarrow.dataset list a folder, a path with a part named ``_…`` or ``.…`` is not data
    (Spark's ``_SUCCESS`` and a failed job's ``_temporary/``, editors' hidden copies), so
    its rows are not counted twice."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and not any(
        part.startswith(("_", ".")) for part in p.relative_to(folder).parts))


def dataset_files(folder: str | os.PathLike[str]) -> list[Path]:
    """The Parquet files of a dataset folder (``_visible_files``); a ``DataFileError`` when
    other tables (CSV, JSON, …) sit beside them, which Spark refuses too and a local read
    would silently leave out."""
    folder = Path(folder)
    visible = _visible_files(folder)
    others = [p for p in visible if p.suffix.lower() in _OTHER_TABLE_SUFFIXES]
    parquet = [p for p in visible if p.suffix.lower() in _PARQUET_SUFFIXES]
    if others and parquet:
        shown = ", ".join(str(p.relative_to(folder)) for p in others[:3])
        raise DataFileError(
            f"folder '{folder}' holds {len(others)} non-Parquet table file(s) ({shown}"
            f"{', …' if len(others) > 3 else ''}) beside its Parquet files; a dataset folder "
            f"holds one format: move them out, or convert them to Parquet.")
    return parquet


@dataclass(frozen=True)
class RowGroupUnit:
    """One row group of one file, and the global position of its first row."""

    path: str
    row_group: int
    start: int
    rows: int


class ParquetSource:
    """A Parquet file or a directory of Parquet files, read one row group at a time."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        import pyarrow.parquet as pq

        self.path = Path(path)
        if not self.path.exists():
            raise DataFileError(f"data '{self.path}' does not exist.")
        if self.path.is_file() and self.path.suffix.lower() in (".csv", ".tsv", ".txt"):
            raise DataFileError(
                f"streamed, resumable and multi-process jobs (--stream, --checkpoint-dir, "
                f"--nproc-per-node) read Parquet, in row groups; '{self.path}' is "
                f"{self.path.suffix[1:].upper()}: convert it once, e.g. "
                f"pandas.read_csv('{self.path.name}').to_parquet('"
                f"{self.path.with_suffix('.parquet').name}').")
        files = dataset_files(self.path) if self.path.is_dir() else [self.path]
        if not files:
            raise DataFileError(f"directory '{self.path}' holds no .parquet files.")
        units: list[RowGroupUnit] = []
        schema = None
        first = None
        reordered: set[str] = set()
        file_schemas: dict[str, object] = {}
        start = 0
        for file in files:
            try:
                meta = pq.ParquetFile(file).metadata
                file_schema = pq.read_schema(file)
            except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
                raise DataFileError(f"cannot read '{file}' as parquet: "
                                    f"{_first_line(exc)}") from None
            file_schema = file_schema.remove_metadata()
            if schema is None:
                schema, first = file_schema, file
            elif not file_schema.equals(schema):
                if not _same_columns(schema, file_schema):
                    raise DataFileError(_schema_difference(first, schema, file, file_schema))
                if list(file_schema.names) != list(schema.names):
                    reordered.add(str(file))
                schema = _union(schema, file_schema)
            file_schemas[str(file)] = file_schema
            for group in range(meta.num_row_groups):
                rows = meta.row_group(group).num_rows
                if rows:
                    units.append(RowGroupUnit(str(file), group, start, rows))
                    start += rows
        if start == 0:
            raise DataFileError(f"'{self.path}' has a header but no rows.")
        self.schema = schema
        self.units = units
        self.n_rows = start
        self.columns = [str(name) for name in schema.names]
        self._reordered = frozenset(reordered)
        # files holding a column as a narrower number than the union (int64 where another
        # file has double): read as the union's type, so every frame has the same dtypes
        self._retyped = frozenset(
            path for path, file_schema in file_schemas.items()
            if any(not field.type.equals(schema.field(field.name).type)  # type: ignore[attr-defined]
                   for field in file_schema))  # type: ignore[attr-defined]

    def check_processes(self, processes: int) -> None:
        """Refuse, before any launch, more processes than row groups to split among them."""
        if len(self.units) < processes:
            raise ConfigError(
                f"'{self.path}' holds {len(self.units)} Parquet row group(s), and the "
                f"{processes} processes split the data by row groups; rewrite it with smaller "
                "row groups (e.g. pandas' to_parquet(..., row_group_size=50_000)) or use fewer "
                "processes.")

    def units_for(self, rank: int, world_size: int) -> list[RowGroupUnit]:
        """Rank ``rank``'s share of the row groups (every ``world_size``-th one)."""
        return self.units[rank::world_size]

    def read_unit(self, unit: RowGroupUnit, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """One row group as a DataFrame; a damaged file fails with one line naming it."""
        import pyarrow.parquet as pq

        if columns is None and unit.path in self._reordered:
            columns = self.columns  # pyarrow returns the columns asked for in the order asked
        try:
            table = pq.ParquetFile(unit.path).read_row_group(unit.row_group, columns=columns)
        except (OSError, ValueError) as exc:
            raise DataFileError(f"cannot read row group {unit.row_group} of '{unit.path}': "
                                f"{_first_line(exc)}") from None
        if unit.path in self._retyped:
            import pyarrow as pa

            table = table.cast(pa.schema([self.schema.field(name) for name in table.schema.names],
                                         metadata=table.schema.metadata))
        return table.to_pandas(split_blocks=True, self_destruct=True)

    def iter_frames(self, units: Sequence[RowGroupUnit] | None = None,
                    columns: Sequence[str] | None = None,
                    ) -> Iterator[tuple[RowGroupUnit, pd.DataFrame]]:
        """(unit, frame) for each of ``units`` (all, in order, by default)."""
        for unit in self.units if units is None else units:
            yield unit, self.read_unit(unit, columns)

    def head(self, n_rows: int) -> pd.DataFrame:
        """The first ``n_rows`` rows (for checks that need a look at the data)."""
        parts, have = [], 0
        for _, frame in self.iter_frames():
            parts.append(frame)
            have += len(frame)
            if have >= n_rows:
                break
        return pd.concat(parts, ignore_index=True).iloc[:n_rows]


def is_parquet_source(data: object) -> bool:
    """A Parquet file, or a directory holding Parquet files."""
    if not isinstance(data, (str, os.PathLike)) or str(data).startswith("sample:"):
        return False
    path = Path(data)
    if path.is_dir():
        return any(p.suffix.lower() in _PARQUET_SUFFIXES for p in _visible_files(path))
    return path.suffix.lower() in _PARQUET_SUFFIXES and path.is_file()


def source_bytes(path: str | os.PathLike[str]) -> int:
    path = Path(path)
    if path.is_dir():
        return sum(p.stat().st_size for p in _visible_files(path))
    return path.stat().st_size


def should_stream(data: object, stream: bool | None) -> bool:
    """``stream`` when given; otherwise stream Parquet larger than ``STREAM_MIN_BYTES``
    and every directory of Parquet files (which the in-memory reader does not take)."""
    if stream is not None:
        return stream
    if not is_parquet_source(data):
        return False
    return Path(data).is_dir() or source_bytes(data) > STREAM_MIN_BYTES  # type: ignore[arg-type]


def row_uniform(positions: np.ndarray, seed: int, salt: int) -> np.ndarray:
    """A uniform number in [0, 1) per global row position, fixed by ``seed`` and ``salt``.

    splitmix64 of (position, seed, salt): the same row gets the same number in every pass,
    process and batch layout, so hash-drawn splits never move between epochs or ranks.
    """
    with np.errstate(over="ignore"):
        z = positions.astype(np.uint64) + np.uint64((seed * 0x9E3779B1 + salt * 0x85EBCA77)
                                                    & 0xFFFFFFFFFFFFFFFF)
        z = z * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def _same_columns(schema: object, other_schema: object) -> bool:
    """Whether two schemas hold the same uniquely named fields of the same types, in any
    order. Nullability may differ: one writer marks a column that happens to have no nulls
    as not nullable, another does not, and both read into pandas alike. So may the width
    of a number (``_wider_number``): a file whose ``age`` has one null is written as
    double by pandas, the others as int64, and all read as float64."""
    names = list(schema.names)  # type: ignore[attr-defined]
    other_names = list(other_schema.names)  # type: ignore[attr-defined]
    if len(set(names)) != len(names) or sorted(names) != sorted(other_names):
        return False  # other names, or repeated ones: which 'a' is which would be a guess
    return all(_wider_number(schema.field(name).type,  # type: ignore[attr-defined]
                             other_schema.field(name).type) is not None  # type: ignore[attr-defined]
               for name in names)


def _wider_number(a: object, b: object) -> object | None:
    """The type both ``a`` and ``b`` read as without loss worth naming: the type itself when
    they are equal; int64 for two signed integers; float64 for integers and floats (of any
    width); None for anything else (text against a number, a date against a number)."""
    import pyarrow as pa
    import pyarrow.types as types

    if a.equals(b):  # type: ignore[attr-defined]
        return a
    numbers = [types.is_integer(t) or types.is_floating(t) for t in (a, b)]
    if not all(numbers):
        return None
    if all(types.is_signed_integer(t) for t in (a, b)):
        return pa.int64()
    return pa.float64()


def _union(schema: object, other_schema: object) -> object:
    """``schema`` with each field as both schemas read it: nullable where either has it so (a
    column is not-null only if it is so in every file), of the wider number type where
    their types differ (``_wider_number``)."""
    import pyarrow as pa

    other = other_schema.field  # type: ignore[attr-defined]
    return pa.schema([pa.field(field.name, _wider_number(field.type, other(field.name).type),
                               field.nullable or other(field.name).nullable)
                      for field in schema], metadata=schema.metadata)  # type: ignore[attr-defined]


def _schema_difference(first: Path, schema: object, other: Path, other_schema: object) -> str:
    a = {f.name: str(f.type) for f in schema}  # type: ignore[attr-defined]
    b = {f.name: str(f.type) for f in other_schema}  # type: ignore[attr-defined]
    missing = [n for n in a if n not in b]
    extra = [n for n in b if n not in a]
    retyped = [f"{n} ({a[n]} vs {b[n]})" for n in a if n in b and a[n] != b[n]]
    parts = ([f"lacks {', '.join(missing)}"] if missing else []) + (
        [f"adds {', '.join(extra)}"] if extra else []) + (
        [f"changes the type of {', '.join(retyped)}"] if retyped else [])
    # the same names and types, in any order, nullability and number width, are read: what
    # is left is a repeated name
    detail = "; ".join(parts) or "repeats a column name"
    return (f"the Parquet files disagree on their columns: '{other}' {detail} compared with "
            f"'{first}'; rewrite them with one schema.")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
